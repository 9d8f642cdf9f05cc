"""Backup and restore round-trip the whole database."""

from __future__ import annotations

import zipfile

import pytest
from django.core.management import CommandError, call_command

from edugov.core.backup import BackupError, backed_up_models, restore_backup, write_backup
from edugov.core.models import AuditLog
from edugov.registry.models import Region, Student


def snapshot() -> dict[str, list[tuple]]:
    return {
        m._meta.db_table: list(m._base_manager.order_by("pk").values_list())
        for m in backed_up_models()
    }


def test_round_trip_restores_every_row(world, personas, tmp_path):
    before = snapshot()
    path = tmp_path / "backup.zip"
    counts = write_backup(path)
    assert counts["registry_student"] == 2
    Student.objects.filter(pk=world.student_a.pk).delete()
    Region.objects.create(code="980199", name="新区", level="county", parent=world.city)
    restore_backup(path)
    assert snapshot() == before
    # Sequences continue after the restored rows: a new row does not collide.
    assert Region.objects.create(code="980198", name="又一新区", level="county").pk > max(
        r[0] for r in before["registry_region"])


def test_cli_backup_and_restore_are_audited(world, tmp_path):
    path = tmp_path / "b.zip"
    call_command("backup", str(path))
    call_command("restore", str(path), "--yes")
    actions = list(AuditLog.objects.filter(entity="backup").values_list("action", flat=True))
    assert sorted(actions) == ["export", "restore"]


def test_restore_refuses_foreign_files(db, tmp_path):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("manifest.json", '{"format": "other"}')
    with pytest.raises(BackupError, match="不支持的备份格式"):
        restore_backup(bad)
    (tmp_path / "junk.zip").write_text("not a zip")
    with pytest.raises(BackupError, match="不是有效的"):
        restore_backup(tmp_path / "junk.zip")
    with pytest.raises(CommandError, match="备份文件不存在"):
        call_command("restore", str(tmp_path / "missing.zip"), "--yes")
