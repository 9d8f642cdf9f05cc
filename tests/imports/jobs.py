"""Import jobs for permission tests (also used by the project-wide URL walker)."""

from __future__ import annotations

from typing import Any

from edugov.imports.models import ImportJob


def county_job(world: Any, **fields: Any) -> ImportJob:
    """A validated job uploaded by county A's bureau (no file, no errors)."""
    values = {"entity": "students", "status": ImportJob.Status.VALIDATED,
              "file_name": "东城区学生.xlsx", "region": world.county_a, "total": 1,
              "valid_rows": 1, **fields}
    return ImportJob.objects.create(**values)
