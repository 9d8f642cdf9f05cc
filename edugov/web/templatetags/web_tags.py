"""Template tags of the web shell: top navigation, optional links, masked personal data."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import gettext

from edugov.core.masking import MASKERS
from edugov.web.navigation import acting_as, nav_links, optional_reverse

register = template.Library()


@register.inclusion_tag("web/_nav.html", takes_context=True)
def main_nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "user": request.user,
        "links": nav_links(request),
        "acting_as": acting_as(request.user),
        "languages": settings.LANGUAGES,
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE"),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def optional_url(name: str, *args: Any, **kwargs: Any) -> str:
    """Like {% url %}, but "" instead of an error when the URL name does not exist yet."""
    return optional_reverse(name, *args, **kwargs)


@register.filter
def masked(value: Any, kind: str) -> str:
    """{{ student.id_number|masked:"id_number" }} → 330102********1234."""
    return MASKERS[kind](None if value is None else str(value))


@register.filter
def label(value: Any) -> str:
    """Translate a choice label the registry keeps as a plain Chinese string."""
    return gettext(str(value)) if value not in (None, "") else ""


@register.filter
def class_label(school_class: Any) -> str:
    """The class's own name ("一年级（1）班", "小一班") or, without one, grade and number."""
    if school_class.name:
        return str(school_class.name)
    return gettext("%(grade)s%(number)s班") % {
        "grade": label(school_class.get_grade_display()), "number": school_class.number}
