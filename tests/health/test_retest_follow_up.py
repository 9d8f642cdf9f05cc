"""A 补测 moves the student's open fitness follow-up: 已复测 (with the 补测's total and 等级),
then 已结案 when it passes; through the workflow's own transitions, inside the import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from edugov.core import audit
from edugov.core.models import AuditLog
from edugov.health import services
from edugov.health.models import FollowUp
from edugov.workflow.selectors import history_of
from tests.health.conftest import FITNESS_HEADERS, failing_row, grade3_row, write_csv


def run(hw, path, actor=None, **kwargs):
    return services.import_fitness(actor=actor, path=path, school=hw.base.school_a,
                                   year=hw.base.year, **kwargs)


@pytest.fixture
def failed(health_world, tmp_path):
    """First tests: pupils 0–2 fail (three follow-ups, 已告知家长), pupil 3 passes."""
    hw = health_world
    p = hw.pupils
    rows = [failing_row(p[0]), failing_row(p[1]), failing_row(p[2]), grade3_row(p[3])]
    assert run(hw, write_csv(tmp_path / "first.csv", FITNESS_HEADERS, rows)).follow_ups == 3
    return hw


def item_of(student):
    return FollowUp.objects.get(student=student, reason="fitness")


def steps(student):
    return [(c.transition, c.to_state) for c in history_of(item_of(student))]


def test_a_retest_file_moves_follow_ups_with_history_and_audit(failed, personas, tmp_path):
    hw = failed
    p = hw.pupils
    admin = personas.school_admin_a
    rows = [grade3_row(p[0]), failing_row(p[1], **{"1分钟跳绳": "40"})]
    report = run(hw, write_csv(tmp_path / "retest.csv", FITNESS_HEADERS, rows), actor=admin,
                 retest=True)
    assert (report.errors, report.written) == ([], 2)
    assert (report.follow_ups_retested, report.follow_ups_closed) == (2, 1)
    # A passing 补测 closes the item; a failing one stays 已复测 for the school to refer.
    assert steps(p[0]) == [("create", "notified"), ("retest", "retested"), ("close", "closed")]
    assert steps(p[1]) == [("create", "notified"), ("retest", "retested")]
    assert steps(p[2]) == [("create", "notified")]  # no 补测: untouched
    retest = history_of(item_of(p[1]))[1]
    assert retest.actor == admin and retest.evidence["source"] == "retest_import"
    assert retest.reason.startswith("补测：学年总分 ") and retest.reason.endswith("等级 不及格")
    passed = history_of(item_of(p[0]))[1]
    assert passed.reason.endswith(("等级 及格", "等级 良好", "等级 优秀"))
    # One audit row per step, by the importing user, as a step taken on the page is.
    moves = AuditLog.objects.filter(entity="health.followup", action=AuditLog.Action.UPDATE)
    assert sorted(moves.values_list("object_id", flat=True)) == sorted(
        [str(item_of(p[0]).pk)] * 2 + [str(item_of(p[1]).pk)])
    assert set(moves.values_list("user", flat=True)) == {admin.pk}
    imported = AuditLog.objects.filter(entity="health.fitnessresult").latest("pk")
    assert imported.details["follow_ups_retested"] == 2
    assert imported.details["follow_ups_closed"] == 1


def test_a_retest_beside_the_first_test_moves_the_follow_up_too(failed, tmp_path):
    hw = failed
    p = hw.pupils
    rows = [failing_row(p[0]), failing_row(p[0], 补测="是", **{"1分钟跳绳": "40"})]
    report = run(hw, write_csv(tmp_path / "again.csv", FITNESS_HEADERS, rows))
    assert (report.follow_ups, report.follow_ups_retested, report.follow_ups_closed) == (0, 1, 0)
    assert item_of(p[0]).state == "retested"
    assert history_of(item_of(p[0]))[1].actor is None  # the command line


def test_a_bureau_importing_for_the_school_moves_the_follow_up(failed, personas, tmp_path):
    hw = failed
    path = write_csv(tmp_path / "r.csv", FITNESS_HEADERS, [grade3_row(hw.pupils[0])])
    report = run(hw, path, actor=personas.county_a, retest=True)
    assert report.follow_ups_closed == 1 and item_of(hw.pupils[0]).state == "closed"


def test_dry_run_and_refused_file_move_nothing(failed, tmp_path):
    hw = failed
    p = hw.pupils
    good = write_csv(tmp_path / "r.csv", FITNESS_HEADERS, [grade3_row(p[0])])
    assert run(hw, good, retest=True, dry_run=True).follow_ups_retested == 0
    bad = write_csv(tmp_path / "bad.csv", FITNESS_HEADERS, [grade3_row(p[1]), grade3_row(p[3])])
    assert run(hw, bad, retest=True).errors  # p[3] passed its first test: whole file refused
    assert set(FollowUp.objects.values_list("state", flat=True)) == {"notified"}
    assert not AuditLog.objects.filter(entity="health.followup").exists()


def test_a_failing_import_rolls_back_the_moves(failed, monkeypatch, tmp_path):
    hw = failed
    record = audit.record

    def fail_on_the_import_row(**kwargs):
        if kwargs["entity"] == "health.fitnessresult":
            raise RuntimeError("disk full")
        return record(**kwargs)

    monkeypatch.setattr(services.audit, "record", fail_on_the_import_row)
    path = write_csv(tmp_path / "r.csv", FITNESS_HEADERS, [grade3_row(hw.pupils[0])])
    with pytest.raises(RuntimeError):
        run(hw, path, retest=True)
    monkeypatch.undo()
    assert steps(hw.pupils[0]) == [("create", "notified")]
    assert not AuditLog.objects.filter(entity="health.followup").exists()


def test_follow_ups_already_past_are_skipped(failed, personas, tmp_path):
    hw = failed
    p = hw.pupils
    services.move_follow_up(actor=personas.school_admin_a, item=item_of(p[0]),
                            transition="refer")
    services.move_follow_up(actor=personas.school_admin_a, item=item_of(p[1]),
                            transition="retest")
    rows = [grade3_row(p[0]), failing_row(p[1], **{"1分钟跳绳": "40"})]
    report = run(hw, write_csv(tmp_path / "r.csv", FITNESS_HEADERS, rows), retest=True)
    assert report.written == 2 and report.follow_ups_retested == 0
    assert steps(p[0]) == [("create", "notified"), ("refer", "referred")]
    assert steps(p[1]) == [("create", "notified"), ("retest", "retested")]


def test_web_upload_of_a_retest_file_moves_the_follow_up(failed, personas, client, tmp_path):
    hw = failed
    path = write_csv(tmp_path / "r.csv", FITNESS_HEADERS,
                     [failing_row(hw.pupils[2], **{"1分钟跳绳": "40"})])
    client.force_login(personas.school_admin_a)
    client.post(reverse("health:office"), {
        "school": hw.base.school_a.pk, "kind": "fitness", "year": 2025, "retest": "1",
        "file": SimpleUploadedFile("补测.csv", path.read_bytes())})
    change = list(history_of(item_of(hw.pupils[2])))[-1]
    assert (change.to_state, change.actor) == ("retested", personas.school_admin_a)
