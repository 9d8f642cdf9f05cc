"""Walk every URL pattern of the project for every persona and check the answer.

The expectations live in tests/web/url_cases.py. A URL pattern without a case fails
test_every_url_has_a_case, so no page can appear without its permissions being tested.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.web.url_cases import (
    ADMIN_LOGIN,
    CASES,
    LOGIN,
    PERSONAS,
    Case,
    admin_changelist_cases,
    app_cases,
    registry_models,
)

#: Route prefixes walked by others: the admin's own internals (we check the changelists
#: explicitly below) and the REST API, which has its own walker in tests/api.
SKIPPED_PREFIXES = ("admin/", "api/")


def url_names(patterns: list | None = None, prefix: str = "",
              namespace: str = "") -> Iterator[tuple[str, str]]:
    """(namespaced name or "", route) of every pattern, recursing into includes."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            ns = ":".join(filter(None, [namespace, p.namespace or ""]))
            yield from url_names(p.url_patterns, route, ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            yield name, route


def walked() -> dict[str, str]:
    return {name: route for name, route in url_names()
            if not route.startswith(SKIPPED_PREFIXES)}


def all_cases() -> list[Case]:
    return [*CASES, *app_cases(), *admin_changelist_cases()]


def test_every_url_has_a_case() -> None:
    covered = {case.name for case in all_cases()}
    missing = {name or f"<unnamed {route}>": route
               for name, route in walked().items() if name not in covered}
    imports = sorted(n for n in missing if n.startswith("imports:"))
    others = sorted(n for n in missing if not n.startswith("imports:"))
    assert not missing, (
        "URL patterns without a case in tests/web/url_cases.py:\n"
        + "".join(f"  {n}  ({missing[n]})\n" for n in others)
        + ("imports app URLs still to add:\n" + "".join(f"  {n}  ({missing[n]})\n"
                                                         for n in imports) if imports else "")
    )


def test_cases_name_real_urls() -> None:
    """A case for a URL that no longer exists would silently test nothing."""
    names = {name for name, _route in url_names()}
    assert not {c.name for c in all_cases()} - names


def test_every_registry_model_has_an_admin_changelist_case() -> None:
    covered = {c.name for c in admin_changelist_cases()}
    for model in registry_models():
        assert f"admin:registry_{model._meta.model_name}_changelist" in covered


def check(client, case: Case, persona: str, world) -> str | None:  # type: ignore[no-untyped-def]
    """None when the answer matches, else a line describing the mismatch."""
    url = reverse(case.name, kwargs=case.kwargs(world))
    response = getattr(client, case.method)(url, case.data)
    want = case.expect[persona]
    got = response.status_code
    if want in (LOGIN, ADMIN_LOGIN):
        login = reverse(settings.LOGIN_URL) if want == LOGIN else reverse("admin:login")
        location = response.get("Location", "")
        if got == 302 and location.startswith(login):
            return None
        return f"{case} {url}: want 302 → {login}, got {got} {location}"
    return None if got == want else f"{case} {url}: want {want}, got {got}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_as_expected(persona: str, client_for, world) -> None:  # type: ignore[no-untyped-def]
    # A fresh client per case: logout and set_language change the session and cookies.
    failures = [line for case in all_cases()
                if (line := check(client_for(persona), case, persona, world))]
    assert not failures, f"{persona}:\n" + "\n".join(failures)
