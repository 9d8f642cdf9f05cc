"""Exports use the import columns, so an unmasked export imports back unchanged."""

from __future__ import annotations

import openpyxl
import pytest

from edugov.core.models import AuditLog
from edugov.imports.services import export_entity, import_file


@pytest.mark.parametrize("entity", ["institutions", "classes", "students", "staff"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_unmasked_export_reimports_unchanged(tmp_path, world, entity, fmt):
    out = tmp_path / f"{entity}.{fmt}"
    rows = export_entity(actor=None, entity=entity, fmt=fmt, out=out, unmasked=True)
    assert rows == 2
    outcome = import_file(actor=None, entity=entity, path=out)
    assert outcome.errors == []
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 2)


def test_masked_export_hides_personal_columns(tmp_path, world, personas):
    out = tmp_path / "staff.xlsx"
    export_entity(actor=personas.city_bureau, entity="staff", fmt="xlsx", out=out)
    sheet = openpyxl.load_workbook(out).active
    ids = {sheet.cell(r, 1).value for r in (2, 3)}
    phones = {sheet.cell(r, 5).value for r in (2, 3)}
    assert all("*" in v for v in ids | phones)
    assert world.staff_a.id_number not in ids


def test_scoped_exports_of_each_entity(tmp_path, world, personas):
    for entity in ("institutions", "classes", "students", "staff"):
        out = tmp_path / f"{entity}.csv"
        assert export_entity(actor=personas.school_admin_a, entity=entity, fmt="csv",
                             out=out) == 1
        assert world.school_b.code not in out.read_text(encoding="utf-8-sig")
    assert AuditLog.objects.filter(action="export", user=personas.school_admin_a).count() == 4
