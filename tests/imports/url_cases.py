"""Expected answers of the import/export URLs per persona, for the project-wide URL walker
(tests/web/url_cases.py adds ``IMPORTS_CASES`` to its one table)."""

from __future__ import annotations

from edugov.imports.models import ImportJob
from tests.conftest import World
from tests.web.url_cases import ADMIN_LOGIN, LOGIN, Case, expect

WRITERS = ("superuser", "city_bureau", "county_a", "county_b", "school_admin_a")


def writers_only(ok: int = 200) -> dict[str, int | str]:
    """Registry write roles get ``ok``; everyone else signed in 403; anonymous to login."""
    return expect(403, anonymous=LOGIN, **dict.fromkeys(WRITERS, ok))


def job_in(world: World, county: str) -> int:
    """A finished job anchored in a county: nothing a walker's request can change."""
    region = world.county_a if county == "a" else world.county_b
    job, _ = ImportJob.objects.get_or_create(
        entity="students", region=region,
        defaults={"file": f"imports/walker-{county}.xlsx", "file_name": "学生.xlsx",
                  "status": ImportJob.Status.DONE})
    return job.pk


def job_cases(name: str, ok: int, **case: object) -> list[Case]:
    """A job of county A is seen by the city, county A and the superuser; a school's
    administrator and county B get 404, roles that may not import 403."""
    seen = {"a": ("superuser", "city_bureau", "county_a"),
            "b": ("superuser", "city_bureau", "county_b")}
    cases = []
    for county, who in seen.items():
        expected = writers_only(404)
        expected.update(dict.fromkeys(who, ok))
        cases.append(Case(name, expected, label=f"county {county.upper()}",
                          kwargs=lambda w, c=county: {"pk": job_in(w, c)}, **case))  # type: ignore[arg-type]
    return cases


IMPORTS_CASES: list[Case] = [
    Case("imports:index", writers_only()),
    Case("imports:upload", writers_only(), kwargs=lambda w: {"entity": "students"}),
    Case("imports:template", writers_only(), kwargs=lambda w: {"entity": "staff"}),
    Case("imports:export", writers_only(), kwargs=lambda w: {"entity": "students", "fmt": "csv"}),
    *job_cases("imports:job", 200),
    *job_cases("imports:job_status", 200),
    # A finished job has no error rows: no workbook to download.
    *job_cases("imports:job_errors", 404),
    # Confirming a finished job is refused with a message and a redirect back.
    *job_cases("imports:job_confirm", 302, method="post"),
    Case("imports:job_confirm", writers_only(405), label="GET is refused",
         kwargs=lambda w: {"pk": job_in(w, "a")}),
    # The admin's view-only job page (the changelist is in admin_changelist_cases): only the
    # superuser is staff among the personas.
    Case("admin:imports_importjob_change", expect(ADMIN_LOGIN, superuser=200),
         kwargs=lambda w: {"object_id": job_in(w, "a")}),
]
