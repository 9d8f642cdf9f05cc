"""Settings, system checks, SQLite pragmas and the createuser command."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from edugov.core.models import AuditLog, User


def run_edugov(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EDUGOV_")}
    clean.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run([sys.executable, "-m", "edugov.cli", *args], capture_output=True,
                          text=True, env={**clean, **env}, timeout=120)


def test_production_without_secret_key_fails_loudly(tmp_path):
    result = run_edugov("check", env={"EDUGOV_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "EDUGOV_SECRET_KEY" in result.stderr


def test_production_with_secret_key_passes_checks(tmp_path):
    result = run_edugov("check", env={"EDUGOV_DATA_DIR": str(tmp_path),
                                      "EDUGOV_SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite pragmas")
def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    result = run_edugov("shell", "-v", "0", "-c",
                        "from django.db import connection as c; cur = c.cursor(); "
                        "print(cur.execute('PRAGMA journal_mode').fetchone()[0], "
                        "cur.execute('PRAGMA foreign_keys').fetchone()[0])",
                        env={"EDUGOV_DATA_DIR": str(tmp_path), "EDUGOV_DEBUG": "1"})
    assert result.stdout.split() == ["wal", "1"], result.stderr


def test_createuser_with_scope(world):
    call_command("createuser", "zhang", "--role", "county_bureau", "--region", "980101",
                 "--password", "a-long-Passphrase-1")
    user = User.objects.get(username="zhang")
    assert user.check_password("a-long-Passphrase-1")
    assert [(m.role, m.region.code) for m in user.memberships.all()] == [
        ("county_bureau", "980101")]
    assert AuditLog.objects.filter(entity="core.user", object_id=str(user.pk)).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "county_bureau"], "教育局角色需要指定行政区划"),
        (["--role", "teacher", "--region", "980101"], "学校角色需要指定学校"),
        (["--role", "teacher", "--institution", "0000000000"], "学校代码 0000000000 不存在"),
        (["--password", "123"], "密码"),
    ],
)
def test_createuser_refuses_bad_scope(world, args, message):
    if "--password" not in args:
        args = [*args, "--password", "a-long-Passphrase-1"]
    with pytest.raises(CommandError, match=message):
        call_command("createuser", "li", *args)
    assert not User.objects.filter(username="li").exists()
