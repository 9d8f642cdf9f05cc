"""``edugov enrollment simulate`` and ``verify-lottery``: file shapes and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from edugov.enrollment.rules import lottery

INSTANCE = {
    "schools": [{"code": "A", "capacity": 1, "priority": ["bob", "amy", "cat"]},
                {"code": "B", "capacity": 1, "priority": ["amy", "cat", "bob"]},
                {"code": "C", "capacity": 1, "priority": ["amy", "bob", "cat"]}],
    "students": [{"id": "amy", "choices": ["A", "B", "C"]},
                 {"id": "bob", "choices": ["B", "A", "C"]},
                 {"id": "cat", "choices": ["B", "A", "C"]},
                 {"id": "dan", "choices": ["A"]}],
}


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(("mechanism", "expected"), [
    ("da", {"amy": "B", "bob": "A", "cat": "C", "dan": None}),
    ("boston", {"amy": "A", "bob": "C", "cat": "B", "dan": None}),
    ("serial", {"amy": "A", "bob": "B", "cat": "C", "dan": None}),
])
def test_simulate_writes_the_result_file(tmp_path, mechanism, expected):
    out = tmp_path / "result.json"
    stdout = StringIO()
    call_command("enrollment", "simulate", str(write(tmp_path, "i.json", INSTANCE)),
                 "--mechanism", mechanism, "--out", str(out), stdout=stdout)
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["assignment"] == expected
    assert result["statistics"]["unplaced"] == 1
    assert result["unplaced"]["dan"] == [{"school": "A", "reason": "不符合该校招生条件"}]
    assert "未录取 1 人" in stdout.getvalue()


def test_simulate_prints_to_stdout_without_out(tmp_path):
    stdout = StringIO()
    call_command("enrollment", "simulate", str(write(tmp_path, "i.json", INSTANCE)),
                 stdout=stdout)
    assert json.loads(stdout.getvalue())["statistics"]["placed_by_choice_rank"] == {
        "2": 2, "3": 1}


@pytest.mark.parametrize(("data", "reason"), [
    ({"schools": [], "students": [{"id": "x", "choices": ["Q"]}]}, "未知学校：Q"),
    ({"schools": [], "students": [{"id": "x"}, {"id": "x"}]}, "学生编号重复"),
    ({"schools": [{"code": "A", "capacity": -3}], "students": []}, "招生计划数无效"),
    ({"schools": [{"code": "A", "capacity": 1, "priority": ["x", "x"]}],
      "students": [{"id": "x"}]}, "出现多次"),
])
def test_simulate_bad_input_exits_2_with_the_reason(tmp_path, data, reason):
    with pytest.raises(CommandError, match=reason) as info:
        call_command("enrollment", "simulate", str(write(tmp_path, "bad.json", data)))
    assert info.value.returncode == 2


def test_simulate_unreadable_file_exits_2(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{not json", encoding="utf-8")
    for path in (bad, tmp_path / "missing.json"):
        with pytest.raises(CommandError) as info:
            call_command("enrollment", "simulate", str(path))
        assert info.value.returncode == 2


def test_verify_lottery_exit_codes(tmp_path):
    record = lottery.draw_record(seed="s" * 64, applicant_ids=["1", "2", "3", "4"], places=2)
    stdout = StringIO()
    call_command("enrollment", "verify-lottery", str(write(tmp_path, "r.json", record)),
                 stdout=stdout)
    assert "核验通过" in stdout.getvalue()
    tampered = {**record, "order": list(reversed(record["order"]))}
    with pytest.raises(CommandError) as info:
        call_command("enrollment", "verify-lottery", str(write(tmp_path, "t.json", tampered)),
                     stdout=StringIO())
    assert info.value.returncode == 1


def test_real_process_exit_code_is_2_for_bad_input(tmp_path):
    path = write(tmp_path, "bad.json", {"schools": [{"code": "A", "capacity": -1}],
                                        "students": []})
    env = {**os.environ, "EDUGOV_DEBUG": "1", "EDUGOV_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "edugov.cli", "enrollment", "simulate",
                           str(path)], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 2
    assert "招生计划数无效" in done.stderr
