"""A later, separate 补测 file: each row replaces its student's stored failing result of the
year, once; anything else is a row error naming the row and column, and nothing is written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from edugov.core.models import AuditLog
from edugov.health import services
from edugov.health.models import FitnessResult, FollowUp
from tests.health.conftest import FITNESS_HEADERS, failing_row, grade3_row, write_csv


def run(hw, path, **kwargs):
    return services.import_fitness(actor=None, path=path, school=hw.base.school_a,
                                   year=hw.base.year, **kwargs)


@pytest.fixture
def first_tests(health_world, tmp_path):
    """First tests of the year: pupils 0–2 fail, pupil 3 passes, pupil 4 is 免测."""
    hw = health_world
    p = hw.pupils
    rows = [failing_row(p[0]), failing_row(p[1]), failing_row(p[2]), grade3_row(p[3]),
            grade3_row(p[4], 免测原因="因病免予执行", **{"1分钟跳绳": ""})]
    assert run(hw, write_csv(tmp_path / "first.csv", FITNESS_HEADERS, rows)).written == 5
    return hw


def totals(hw):
    return dict(FitnessResult.objects.values_list("student_id", "total"))


def test_retests_replace_failing_results_and_keep_the_first_total(first_tests, tmp_path):
    hw = first_tests
    p = hw.pupils
    before = totals(hw)
    rows = [grade3_row(p[0]), failing_row(p[1], **{"1分钟跳绳": "40"}, 补测="是")]
    report = run(hw, write_csv(tmp_path / "retest.csv", FITNESS_HEADERS, rows), retest=True)
    assert (report.errors, report.written, report.follow_ups) == ([], 2, 0)
    passed, still = (FitnessResult.objects.get(student=s) for s in p[:2])
    assert passed.retested and passed.first_total == before[p[0].pk]
    assert passed.total >= 60 and passed.level != "fail"
    assert passed.rope_skipping_1min == 120  # the retest's own results are stored
    # 补测仍不及格: the retest still replaces the first result, and the year fails.
    assert still.retested and still.level == "fail" and still.first_total == before[p[1].pk]
    untouched = FitnessResult.objects.get(student=p[2])
    assert not untouched.retested and untouched.total == before[p[2].pk]
    audit = AuditLog.objects.filter(entity="health.fitnessresult").latest("pk")
    assert "补测成绩导入 2 人" in audit.summary and audit.details["retest_file"] is True
    replaced = audit.details["replaced"][str(p[0].pk)]
    assert replaced["total"] == before[p[0].pk] and replaced["level"] == "fail"
    assert replaced["rope_skipping_1min"] == 10  # the first test's result, kept in history
    assert FollowUp.objects.filter(reason="fitness").count() == 3  # no second follow-up


def test_refused_retests_name_row_and_column_and_write_nothing(first_tests, tmp_path):
    hw = first_tests
    p = hw.pupils
    stranger_pupil = p[5]  # enrolled at school A, but no first test stored this year
    rows = [grade3_row(p[0]),                          # 2: fine on its own
            grade3_row(p[3]),                          # 3: first test passed
            grade3_row(p[4]),                          # 4: first result 免测
            grade3_row(stranger_pupil),                # 5: no first test
            grade3_row(p[1]), grade3_row(p[1]),        # 6, 7: two retests in one file
            grade3_row(p[2], 免测原因="骨折", **{"1分钟跳绳": ""}),  # 8: 补测 cannot be 免测
            grade3_row(p[6], 补测="否")]               # 9: not a retest in a retest file
    before = totals(hw)
    report = run(hw, write_csv(tmp_path / "retest.csv", FITNESS_HEADERS, rows), retest=True)
    assert report.written == 0 and totals(hw) == before
    reasons = {(e.row, e.letter): e.reason for e in report.errors}
    assert reasons[(3, "A")].startswith("首次测试成绩已及格（学年总分 ")
    assert reasons[(4, "A")] == "该生本学年免测，不能补测"
    assert reasons[(5, "A")] == "该生本学年没有首次测试成绩，不能单独导入补测"
    assert reasons[(7, "A")] == "同一学生在补测文件中出现多次（每学年仅可补测一次）"
    assert reasons[(8, "K")] == "补测成绩不能填写免测原因"
    assert reasons[(9, "L")].startswith("补测文件中每一行都是补测成绩")
    assert 2 not in {e.row for e in report.errors} and report.refused_rows == 6
    # Skipping the bad rows writes the good one; a student's duplicate rows both go.
    skipped = run(hw, write_csv(tmp_path / "retest.csv", FITNESS_HEADERS, rows), retest=True,
                  skip_invalid=True)
    assert skipped.written == 1 and FitnessResult.objects.get(student=p[0]).retested
    assert not FitnessResult.objects.get(student=p[1]).retested


def test_a_second_retest_is_refused_wherever_the_first_came_from(first_tests, tmp_path):
    hw = first_tests
    p = hw.pupils
    same_file = [failing_row(p[5]), grade3_row(p[5], 补测="是")]
    assert run(hw, write_csv(tmp_path / "same.csv", FITNESS_HEADERS, same_file)).written == 1
    assert run(hw, write_csv(tmp_path / "r1.csv", FITNESS_HEADERS, [grade3_row(p[0])]),
               retest=True).written == 1
    for student in (p[0], p[5]):
        again = run(hw, write_csv(tmp_path / "r2.csv", FITNESS_HEADERS, [grade3_row(student)]),
                    retest=True)
        assert [(e.letter, e.reason) for e in again.errors] == [
            ("A", "该生本学年已补测一次，每学年仅可补测一次")]


def test_uploading_the_first_tests_again_cannot_wipe_a_later_retest(first_tests, tmp_path):
    hw = first_tests
    p = hw.pupils
    run(hw, write_csv(tmp_path / "r.csv", FITNESS_HEADERS, [grade3_row(p[0])]), retest=True)
    retested = FitnessResult.objects.get(student=p[0])
    alone = run(hw, write_csv(tmp_path / "again.csv", FITNESS_HEADERS,
                              [failing_row(p[0]), grade3_row(p[3])]))
    assert alone.written == 0 and [e.row for e in alone.errors] == [2]
    assert alone.errors[0].reason.startswith("该生本学年已登记补测成绩")
    assert FitnessResult.objects.get(student=p[0]).total == retested.total
    # With its 补测 row beside it, the year's result may be uploaded again.
    both = run(hw, write_csv(tmp_path / "both.csv", FITNESS_HEADERS,
                             [failing_row(p[0]), grade3_row(p[0], 补测="是")]))
    assert both.errors == [] and FitnessResult.objects.get(student=p[0]).retested


def test_cli_retest_flag(first_tests, tmp_path, capsys):
    hw = first_tests
    p = hw.pupils
    school = hw.base.school_a.code
    good = write_csv(tmp_path / "r.csv", FITNESS_HEADERS, [grade3_row(p[0])])
    call_command("health", "import-fitness", str(good), "--school", school, "--retest")
    assert "补测：共1行，有误0行，写入1人" in capsys.readouterr().out
    assert FitnessResult.objects.get(student=p[0]).retested
    passed = write_csv(tmp_path / "p.csv", FITNESS_HEADERS, [grade3_row(p[3])])
    with pytest.raises(CommandError) as refused:
        call_command("health", "import-fitness", str(passed), "--school", school, "--retest")
    assert refused.value.returncode == 1
    assert "第2行 A列「学籍号」：首次测试成绩已及格" in capsys.readouterr().err


def test_web_upload_of_a_retest_file(first_tests, personas, client, tmp_path):
    hw = first_tests
    path = write_csv(tmp_path / "r.csv", FITNESS_HEADERS, [grade3_row(hw.pupils[0])])
    client.force_login(personas.school_admin_a)
    response = client.post(reverse("health:office"), {
        "school": hw.base.school_a.pk, "kind": "fitness", "year": 2025, "retest": "1",
        "file": SimpleUploadedFile("补测.csv", path.read_bytes())})
    assert "已导入补测成绩1人" in response.content.decode()
    assert FitnessResult.objects.get(student=hw.pupils[0]).retested
