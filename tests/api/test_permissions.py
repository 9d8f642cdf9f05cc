"""The permission walker: every route of the API × every persona × both ways of signing in.

Routes are enumerated from the OpenAPI schema, so a new route without a row in
ROUTES fails ``test_every_route_has_a_case`` until someone decides who may call it.
For each persona the walker checks the status of each probe, and for lists and
details which county's rows come back: a county-A user never sees a county-B row,
and asking for a county-B object by key answers 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from edugov.api import api
from edugov.core.models import ApiToken, User
from edugov.core.tokens import issue_token
from tests.api import health_cases, metrics_cases, safety_cases, workforce_cases
from tests.api.conftest import ApiWorld, session_client
from tests.conftest import Personas

PERSONAS = ["superuser", "city_bureau", "county_a", "county_b", "school_admin_a", "teacher_a",
            "parent", "tutoring_operator"]
#: Which county's registry rows each persona's jurisdiction reaches.
SEES: dict[str, set[str]] = {
    "superuser": {"a", "b"}, "city_bureau": {"a", "b"}, "county_a": {"a"}, "county_b": {"b"},
    "school_admin_a": {"a"}, "teacher_a": {"a"}, "parent": set(), "tutoring_operator": set(),
    "anonymous": set(),
}
#: Regions are scoped by region memberships only: school roles see no region rows.
SEES_REGIONS = {**SEES, "school_admin_a": set(), "teacher_a": set()}
WRITERS = {"superuser", "city_bureau", "county_a", "county_b", "school_admin_a"}


@dataclass
class Ctx:
    persona: str
    user: User | None
    mode: str  # "session", "token" or "anonymous"
    world: ApiWorld
    own_token: ApiToken | None = None
    other_token: ApiToken | None = None

    @property
    def anonymous(self) -> bool:
        return self.user is None

    def markers(self, side: str) -> list[str]:
        """Strings that appear only in rows of county ``side``."""
        w = self.world
        if side == "a":
            return [w.school_a.code, w.school_a.name, w.county_a.code, w.county_a.name,
                    w.student_a.student_no, w.student_a.name, w.staff_a.name, w.group_a.name]
        return [w.school_b.code, w.school_b.name, w.county_b.code, w.county_b.name,
                w.student_b.student_no, w.student_b.name, w.staff_b.name, w.group_b.name]


@dataclass
class Probe:
    method: str
    params: dict[str, Any]
    status: int
    body: dict[str, Any] | None = None
    query: str = ""
    #: (side, must_see) pairs: the response must (not) contain that county's markers.
    sees: dict[str, bool] = field(default_factory=dict)
    #: For lists: the item key of this side's row that must be present when seen.
    key: Callable[[Ctx, str], str] | None = None


Case = Callable[[Ctx], list[Probe]]


def status_for(ctx: Ctx, ok: int = 200) -> int:
    return 401 if ctx.anonymous else ok


def scoped_list(key: Callable[[Ctx, str], str], sees: dict[str, set[str]] = SEES) -> Case:
    def probes(ctx: Ctx) -> list[Probe]:
        seen = sees[ctx.persona]
        return [Probe("GET", {}, status_for(ctx), query="?page_size=500",
                      sees={side: side in seen for side in "ab"}, key=key)]
    return probes


def scoped_detail(param: str, value: Callable[[Ctx, str], Any]) -> Case:
    def probes(ctx: Ctx) -> list[Probe]:
        return [
            Probe("GET", {param: value(ctx, side)},
                  401 if ctx.anonymous else (200 if side in SEES[ctx.persona] else 404),
                  sees={side: side in SEES[ctx.persona]})
            for side in "ab"
        ]
    return probes


def patch_institution(ctx: Ctx) -> list[Probe]:
    def expected(side: str) -> int:
        if ctx.anonymous:
            return 401
        if side not in SEES[ctx.persona]:
            return 404
        return 200 if ctx.persona in WRITERS else 403
    return [Probe("PATCH", {"code": ctx.markers(side)[0]}, expected(side),
                  body={"books": 4321, "status": "active"}) for side in "ab"]


def create_token(ctx: Ctx) -> list[Probe]:
    # A token cannot mint tokens: only a signed-in session can.
    ok = 403 if ctx.mode == "token" else 201
    return [Probe("POST", {}, status_for(ctx, ok), body={"name": "walker"})]


def delete_token(ctx: Ctx) -> list[Probe]:
    assert ctx.other_token is not None
    probes = [Probe("DELETE", {"token_id": ctx.other_token.pk}, status_for(ctx, 404))]
    if ctx.own_token is not None:
        probes.append(Probe("DELETE", {"token_id": ctx.own_token.pk}, 204))
    return probes


def simple(method: str = "GET") -> Case:
    return lambda ctx: [Probe(method, {}, status_for(ctx))]


def code_key(ctx: Ctx, side: str) -> str:
    return ctx.markers(side)[0]


V1 = "/api/v1"
ROUTES: dict[tuple[str, str], Case] = {
    ("GET", f"{V1}/me"): simple(),
    ("GET", f"{V1}/tokens"): simple(),
    ("POST", f"{V1}/tokens"): create_token,
    ("DELETE", f"{V1}/tokens/{{token_id}}"): delete_token,
    ("GET", f"{V1}/regions"): scoped_list(lambda c, s: c.markers(s)[2], SEES_REGIONS),
    ("GET", f"{V1}/institutions"): scoped_list(code_key),
    ("GET", f"{V1}/institutions/{{code}}"): scoped_detail("code", code_key),
    ("PATCH", f"{V1}/institutions/{{code}}"): patch_institution,
    ("GET", f"{V1}/classes"): scoped_list(code_key),
    ("GET", f"{V1}/classes/{{class_id}}"): scoped_detail(
        "class_id", lambda c, s: getattr(c.world, f"class_{s}").pk),
    ("GET", f"{V1}/students"): scoped_list(lambda c, s: c.markers(s)[5]),
    ("GET", f"{V1}/students/{{student_id}}"): scoped_detail(
        "student_id", lambda c, s: getattr(c.world, f"student_{s}").pk),
    ("GET", f"{V1}/staff"): scoped_list(lambda c, s: c.markers(s)[6]),
    ("GET", f"{V1}/staff/{{staff_id}}"): scoped_detail(
        "staff_id", lambda c, s: getattr(c.world, f"staff_{s}").pk),
    ("GET", f"{V1}/groups"): scoped_list(lambda c, s: c.markers(s)[7]),
    ("GET", f"{V1}/pairings"): scoped_list(code_key),
    ("GET", f"{V1}/academic-years"): simple(),
    # The data center: probes and their data in tests/api/metrics_cases.py.
    ("GET", f"{V1}/metrics/indicators"): simple(),
    ("GET", f"{V1}/metrics/indicators/{{code}}"): lambda ctx: [
        Probe("GET", {"code": "kg_public_share"}, status_for(ctx))],
    ("GET", f"{V1}/metrics/values"): metrics_cases.values,
    ("GET", f"{V1}/metrics/targets"): metrics_cases.targets,
    ("POST", f"{V1}/metrics/targets"): metrics_cases.post_target,
    ("GET", f"{V1}/metrics/data-values"): metrics_cases.data_values,
    ("POST", f"{V1}/metrics/data-values"): metrics_cases.post_data_value,
    ("POST", f"{V1}/metrics/data-values/{{value_id}}/transition"): metrics_cases.transitions,
    ("GET", f"{V1}/metrics/assessments/{{indicator}}/{{region}}"): metrics_cases.assessment,
    ("GET", f"{V1}/metrics/rankings/{{indicator}}"): metrics_cases.rankings,
    ("GET", f"{V1}/metrics/equity/{{county}}"): metrics_cases.equity,
    # Campus safety: probes and their data in tests/api/safety_cases.py.
    ("GET", f"{V1}/safety/hazards"): safety_cases.hazards,
    ("GET", f"{V1}/safety/hazards/{{hazard_id}}"): safety_cases.hazard_detail,
    ("GET", f"{V1}/safety/hazards/{{hazard_id}}/history"): safety_cases.hazard_history,
    ("POST", f"{V1}/safety/hazards/{{hazard_id}}/actions"): safety_cases.hazard_actions,
    ("GET", f"{V1}/safety/inspections"): safety_cases.inspections,
    ("GET", f"{V1}/safety/inspections/{{inspection_id}}"): safety_cases.inspection_detail,
    ("GET", f"{V1}/safety/lists/{{code}}"): safety_cases.lists,
    # Workforce and health: their rows, probes and data live in their own modules.
    **workforce_cases.ROUTES,
    **health_cases.ROUTES,
}


def schema_operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema(path_prefix="/api/")["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def test_every_route_has_a_case() -> None:
    operations = schema_operations()
    missing = operations - ROUTES.keys()
    stale = ROUTES.keys() - operations
    assert not missing, f"routes without a permission case: {sorted(missing)}"
    assert not stale, f"cases for routes that no longer exist: {sorted(stale)}"


def client_for(ctx: Ctx) -> Client:
    if ctx.mode != "token":
        return session_client(ctx.user)
    assert ctx.own_token is not None and ctx.user is not None
    _, raw = issue_token(actor=ctx.user, user=ctx.user, name="walker-auth")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def run(client: Client, path: str, probe: Probe) -> Any:
    url = path.format(**probe.params) + probe.query
    call = getattr(client, probe.method.lower())
    if probe.body is None:
        return url, call(url)
    return url, call(url, data=probe.body, content_type="application/json")


def check(ctx: Ctx, path: str, probe: Probe, url: str, response: Any) -> list[str]:
    where = f"{ctx.persona}/{ctx.mode} {probe.method} {url}"
    if response.status_code != probe.status:
        return [f"{where}: status {response.status_code}, expected {probe.status}: "
                f"{response.content[:200]!r}"]
    if response.status_code == 204:
        return []
    text = response.content.decode()
    payload = json.loads(text)
    problems = []
    if response.status_code >= 400:
        if set(payload) != {"error"} or not {"code", "message"} <= set(payload["error"]):
            problems.append(f"{where}: error not in the one error shape: {text[:200]}")
        return problems
    for side, must_see in probe.sees.items():
        leaked = [m for m in ctx.markers(side) if m in text]
        if not must_see and leaked:
            problems.append(f"{where}: shows county {side.upper()} rows: {leaked}")
        if must_see and probe.key is not None and probe.key(ctx, side) not in text:
            problems.append(f"{where}: misses county {side.upper()} row {probe.key(ctx, side)}")
        if must_see and probe.key is None and not leaked:
            problems.append(f"{where}: detail shows nothing of county {side.upper()}")
    return problems


def walk(ctx: Ctx) -> list[str]:
    problems: list[str] = []
    client = client_for(ctx)
    for (method, path), case in sorted(ROUTES.items(), key=lambda kv: kv[0][1]):
        for probe in case(ctx):
            assert probe.method == method
            url, response = run(client, path, probe)
            problems += check(ctx, path, probe, url, response)
    return problems


def make_ctx(persona: str, mode: str, world: ApiWorld, personas: Personas) -> Ctx:
    user = None if persona == "anonymous" else getattr(personas, persona)
    outsider = User.objects.create_user(username="outsider")
    other, _ = issue_token(actor=outsider, user=outsider, name="not yours")
    own = issue_token(actor=user, user=user, name="mine")[0] if user is not None else None
    return Ctx(persona, user, mode, world, own_token=own, other_token=other)


@pytest.mark.parametrize("mode", ["session", "token"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_walk_every_route(persona: str, mode: str, api_world: ApiWorld,
                          personas: Personas) -> None:
    problems = walk(make_ctx(persona, mode, api_world, personas))
    assert not problems, "\n".join(problems)


def test_walk_every_route_anonymous(api_world: ApiWorld, personas: Personas) -> None:
    problems = walk(make_ctx("anonymous", "anonymous", api_world, personas))
    assert not problems, "\n".join(problems)


def test_walker_notices_a_leak(api_world: ApiWorld, personas: Personas) -> None:
    """The walker itself: a response with a county-B row fails a county-A check."""
    ctx = make_ctx("county_a", "session", api_world, personas)
    probe = Probe("GET", {}, 200, sees={"a": True, "b": False}, key=code_key)

    class Fake:
        status_code = 200
        content = json.dumps({"items": [api_world.school_a.code, api_world.school_b.code]},
                             ensure_ascii=False).encode()

    assert check(ctx, "/x", probe, "/x", Fake())
