"""Chinese by default, English on request; every label we display has an English entry."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from django.db import models
from django.urls import reverse
from django.utils import translation

import edugov
from edugov.core.roles import Role
from edugov.registry import choices
from edugov.registry.rules.class_size import BANDS
from edugov.web.choice_labels import LABELS


def test_default_language_is_chinese(client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for("county_a").get(reverse("registry:student_list")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "<h1>学生名单</h1>" in page and "三年级" in page and "退出登录" in page


def test_switching_to_english(client_for, world) -> None:  # type: ignore[no-untyped-def]
    client = client_for("county_a")
    response = client.post(reverse("set_language"),
                           {"language": "en", "next": reverse("registry:student_list")})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Students</h1>" in page and "Sign out" in page
    assert "Grade 3" in page and "Local" in page  # choice labels translate too
    assert "学生名单" not in page
    detail = client.get(reverse("registry:institution_detail", args=[world.school_a.pk]))
    assert "Facilities" in detail.content.decode() and "Primary school" in detail.content.decode()
    # And back.
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "<h1>学生名单</h1>" in client.get(reverse("registry:student_list")).content.decode()


def test_login_page_in_english_once_chosen(client, settings) -> None:  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Sign in" in page and "Username" in page


def plain_registry_labels() -> set[str]:
    """Labels in registry.choices and class-size bands that are plain strings, not lazy
    translations (makemessages extracts the lazy ones by itself)."""
    labels = {label for _key, (_n, label) in BANDS.items()}
    for obj in vars(choices).values():
        if inspect.isclass(obj) and issubclass(obj, models.Choices) and obj is not models.Choices:
            labels |= {label for label in obj.labels if isinstance(label, str)}
    return labels


def test_every_registry_label_is_listed_for_translation() -> None:
    assert plain_registry_labels() - set(LABELS) == set()


def listed_msgids() -> list[str]:
    with translation.override("zh-hans"):
        return sorted({*LABELS, *(str(role.label) for role in Role)})


@pytest.mark.parametrize("label", listed_msgids())
def test_every_listed_label_has_an_english_translation(label: str) -> None:
    with translation.override("en"):
        assert translation.gettext(label) != label


TRANSLATE_TAG = re.compile(r'{%\s*translate\s+"([^"]+)"(?:\s+context\s+"([^"]+)")?')
OUR_TEMPLATES = [Path(edugov.__file__).parent / app / "templates" for app in ("web", "registry")]


def template_msgids() -> list[tuple[str | None, str]]:
    found = set()
    for root in OUR_TEMPLATES:
        for template in root.rglob("*.html"):
            for msgid, context in TRANSLATE_TAG.findall(template.read_text(encoding="utf-8")):
                found.add((context or None, msgid))
    return sorted(found, key=lambda pair: (pair[0] or "", pair[1]))


def test_template_strings_are_found() -> None:
    assert (None, "学生名单") in template_msgids() and (("section", "学校")) in template_msgids()


@pytest.mark.parametrize(("context", "msgid"), template_msgids())
def test_every_template_string_has_an_english_translation(context: str | None,
                                                          msgid: str) -> None:
    with translation.override("en"):
        english = (translation.pgettext(context, msgid) if context
                   else translation.gettext(msgid))
    assert english != msgid, f"no English for {msgid!r} — see docs/web.md, Regenerating"


def test_class_label(world) -> None:  # type: ignore[no-untyped-def]
    from edugov.web.templatetags.web_tags import class_label

    assert class_label(world.class_a) == "三年级1班"
    with translation.override("en"):
        assert class_label(world.class_a) == "Grade 3, class 1"
    world.class_a.name = "三年级（1）班"
    assert class_label(world.class_a) == "三年级（1）班"


def test_an_english_browser_still_gets_chinese_until_the_user_switches(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("county_a")
    page = client.get(reverse("registry:student_list"),
                      HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page
