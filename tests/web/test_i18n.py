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
EDUGOV = Path(edugov.__file__).parent
OUR_TEMPLATES = [EDUGOV / app / "templates"
                 for app in ("web", "registry", "enrollment", "health", "imports", "metrics",
                             "safety", "workforce")]


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
    looked_up = msgid.replace("%", "%%")  # as {% translate %} looks a literal up
    with translation.override("en"):
        english = (translation.pgettext(context, looked_up) if context
                   else translation.gettext(looked_up))
    assert english != looked_up, f"no English for {msgid!r} — see docs/web.md, Regenerating"


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


# Text left in a template once the translation tags, comments, template tags and HTML tags are
# taken out: any Chinese there is a string nobody can translate.
UNTRANSLATABLE = re.compile(
    r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}|{%\s*comment\s*%}.*?"
    r"{%\s*endcomment\s*%}|{#.*?#}|{%.*?%}|{{.*?}}|<[^>]*>", re.S)
CHINESE = re.compile(r"[\u3400-\u9fff]+")
WRAPPED_APPS = ("health", "safety", "workforce")


def unwrapped_chinese(template: Path) -> list[str]:
    text = template.read_text(encoding="utf-8")
    return CHINESE.findall(UNTRANSLATABLE.sub(" ", text))


@pytest.mark.parametrize("template", sorted(
    path for app in WRAPPED_APPS for path in (EDUGOV / app / "templates").rglob("*.html")),
    ids=lambda path: f"{path.parent.name}/{path.name}")
def test_template_text_is_marked_for_translation(template: Path) -> None:
    assert unwrapped_chinese(template) == [], (
        "wrap it in {% translate %} / {% blocktranslate %} — see docs/web.md, Regenerating")


def test_the_unwrapped_text_check_can_fail(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text('{% translate "学校" %}<th title="{% translate \'学校\' %}">学科</th>',
                    encoding="utf-8")
    assert unwrapped_chinese(page) == ["学科"]


def catalog_entries() -> list[str]:
    catalog = EDUGOV / "locale" / "en" / "LC_MESSAGES" / "django.po"
    return catalog.read_text(encoding="utf-8").split("\n\n")[1:]  # [0] is the header


def test_the_catalog_has_no_fuzzy_or_empty_entries() -> None:
    fuzzy = [entry for entry in catalog_entries() if "#, fuzzy" in entry]
    empty = [entry for entry in catalog_entries()
             if re.search(r'^msgstr(\[\d\])? ""\n(?!")', entry + "\n", re.M)
             and not entry.lstrip().startswith("#~")]
    assert fuzzy == [] and empty == [], (fuzzy + empty)[:3]


@pytest.mark.parametrize(("persona", "name", "english", "chinese"), [
    ("county_a", "health:office", "Import the year", "导入年度数据"),
    ("school_admin_a", "health:dashboard", "Student health statistics", "按年级、性别"),
    ("school_admin_a", "health:results", "Physical fitness test results", "没有符合条件的成绩"),
    ("school_admin_a", "safety:risks", "Risk grading and control register", "登记风险点"),
    ("school_admin_a", "safety:areas", "Building / area responsibility", "区域责任人"),
    ("county_a", "safety:hazard_list", "Overdue only", "仅逾期"),
    ("county_a", "workforce:round_new", "Open a competition round", "报名截止日期"),
    ("county_a", "workforce:title_reviews", "Title review", "待评审的申报"),
])
def test_app_pages_in_english(client_for, persona: str, name: str, english: str,  # type: ignore[no-untyped-def]
                              chinese: str) -> None:
    client = client_for(persona)
    assert chinese in client.get(reverse(name)).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse(name)).content.decode()
    assert english in page and chinese not in page
