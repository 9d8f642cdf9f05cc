"""Importing fitness results and screenings: validation against the registry, atomicity,
scoring, retests, error workbooks, new myopia, re-screen sampling, follow-ups, the CLI."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from edugov.core.models import AuditLog
from edugov.health import services
from edugov.health.models import FitnessResult, FollowUp, VisionScreening
from edugov.health.rules.vision_table import rescreen_sample
from edugov.imports.reading import UnusableInput
from edugov.workflow.selectors import history_of
from tests.factories import StudentFactory
from tests.health.conftest import (
    FITNESS_HEADERS,
    VISION_HEADERS,
    failing_row,
    grade3_row,
    myopic_row,
    vision_row,
    write_csv,
)
from tests.health.reference_scorer import ReferenceScorer


def import_fitness(path, hw, **kwargs):
    return services.import_fitness(actor=None, path=path, school=hw.base.school_a,
                                   year=hw.base.year, **kwargs)


def test_a_clean_file_is_scored_like_the_reference_and_stored(health_world, tmp_path):
    hw = health_world
    rows = [grade3_row(p) for p in hw.pupils[:5]] + [failing_row(hw.pupils[5])]
    report = import_fitness(write_csv(tmp_path / "f.csv", FITNESS_HEADERS, rows), hw)
    assert (report.written, report.errors, report.follow_ups) == (6, [], 1)
    stored = FitnessResult.objects.get(student=hw.pupils[0])
    expected = ReferenceScorer().score(hw.pupils[0].sex, 3, 135, 30, {
        "vital_capacity": 1600, "run_50m": 9.6, "sit_and_reach": 10.5,
        "rope_skipping_1min": 120, "sit_up_1min": 30})
    assert stored.total == pytest.approx(float(expected["total"]))
    assert stored.get_level_display() == expected["level"]
    assert stored.school_class == hw.base.class_a and stored.standard == "csnhs-2014"
    assert FitnessResult.objects.get(student=hw.pupils[5]).level == "fail"
    audit = AuditLog.objects.get(entity="health.fitnessresult")
    assert audit.action == "import" and audit.details["written"] == 6


def test_any_bad_row_writes_nothing_and_each_problem_is_named(health_world, tmp_path):
    hw = health_world
    stranger = StudentFactory(current_institution=hw.base.school_b)  # not enrolled at A
    rows = [
        grade3_row(hw.pupils[0]),
        grade3_row(hw.pupils[1], **{"1分钟跳绳": ""}),           # required item missing
        grade3_row(hw.pupils[2], **{"身高（cm）": "350"}),        # impossible value
        grade3_row(hw.pupils[3], 学籍号="G000000000000000000"),    # unknown 学籍号
        grade3_row(hw.base.student_b),                           # another school's pupil
        grade3_row(hw.pupils[4], 年级="四年级"),                  # grade disagrees
        grade3_row(stranger),
    ]
    path = write_csv(tmp_path / "f.csv", FITNESS_HEADERS, rows)
    report = import_fitness(path, hw, errors_out=tmp_path / "errors.xlsx")
    assert report.written == 0 and FitnessResult.objects.count() == 0
    reasons = {(e.row, e.letter): e.reason for e in report.errors}
    assert reasons[(3, "I")] == "本年级必测项目未填写（免测须填写免测原因）"
    assert reasons[(4, "D")].startswith("数值超出合理范围")
    assert reasons[(5, "A")] == "学籍号不存在"
    assert reasons[(6, "A")] == "该生本学年不在东城实验小学在读"
    assert reasons[(7, "B")] == "年级与学籍不符（学籍为三年级）"
    assert reasons[(8, "A")] == "该生本学年不在东城实验小学在读"
    sheet = load_workbook(tmp_path / "errors.xlsx").active
    assert sheet.max_row == 1 + 6  # the header and the six bad rows, not the good one
    assert sheet["I2"].fill.fgColor.rgb.endswith("FFC7CE")


def test_skip_invalid_writes_only_the_good_rows(health_world, tmp_path):
    hw = health_world
    rows = [grade3_row(hw.pupils[0]), grade3_row(hw.pupils[1], 性别="X")]
    report = import_fitness(write_csv(tmp_path / "f.csv", FITNESS_HEADERS, rows), hw,
                            skip_invalid=True)
    assert report.written == 1 and report.refused_rows == 1
    assert list(FitnessResult.objects.values_list("student", flat=True)) == [hw.pupils[0].pk]


def test_dry_run_writes_nothing(health_world, tmp_path):
    hw = health_world
    path = write_csv(tmp_path / "f.csv", FITNESS_HEADERS, [grade3_row(hw.pupils[0])])
    report = import_fitness(path, hw, dry_run=True)
    assert report.errors == [] and report.written == 0 and FitnessResult.objects.count() == 0


def test_retest_replaces_a_failing_result_and_exemption_has_no_score(health_world, tmp_path):
    hw = health_world
    rows = [failing_row(hw.pupils[0]), grade3_row(hw.pupils[0], 补测="是"),
            grade3_row(hw.pupils[1], 免测原因="因病免予执行", **{"1分钟跳绳": ""})]
    report = import_fitness(write_csv(tmp_path / "f.csv", FITNESS_HEADERS, rows), hw)
    assert report.written == 2 and report.follow_ups == 0
    retested = FitnessResult.objects.get(student=hw.pupils[0])
    assert retested.retested and retested.first_total < 60 <= retested.total
    exempt = FitnessResult.objects.get(student=hw.pupils[1])
    assert (exempt.level, exempt.total, exempt.exempt_reason) == ("exempt", None, "因病免予执行")


def test_uploading_again_replaces_and_keeps_one_follow_up(health_world, tmp_path):
    hw = health_world
    path = write_csv(tmp_path / "f.csv", FITNESS_HEADERS, [failing_row(hw.pupils[0])])
    import_fitness(path, hw)
    again = import_fitness(path, hw)
    assert again.follow_ups == 0 and FitnessResult.objects.count() == 1
    item = FollowUp.objects.get()
    assert item.state == "notified" and item.reason == "fitness"
    assert [c.to_state for c in history_of(item)] == ["notified"]


def test_missing_columns_make_the_file_unusable(health_world, tmp_path):
    hw = health_world
    path = write_csv(tmp_path / "f.csv", ["学籍号", "年级", "性别"],
                     [{"学籍号": hw.pupils[0].student_no, "年级": "3", "性别": "男"}])
    with pytest.raises(UnusableInput, match="缺少必需的列：身高\\(cm\\)、体重\\(kg\\)"):
        import_fitness(path, hw)


def test_a_user_outside_the_school_cannot_import(health_world, personas, tmp_path):
    hw = health_world
    path = write_csv(tmp_path / "f.csv", FITNESS_HEADERS, [grade3_row(hw.pupils[0])])
    with pytest.raises(type(hw.base.school_a).DoesNotExist):
        services.import_fitness(actor=personas.county_b, path=path, school=hw.base.school_a,
                                year=hw.base.year)
    report = services.import_fitness(actor=personas.school_admin_a, path=path,
                                     school=hw.base.school_a, year=hw.base.year)
    assert report.written == 1


# -- vision --------------------------------------------------------------------------------


def import_vision(path, hw, year=None, **kwargs):
    return services.import_vision(actor=None, path=path, school=hw.base.school_a,
                                  year=year or hw.base.year, **kwargs)


def test_screening_is_classified_with_new_myopia_against_last_year(health_world, tmp_path):
    hw = health_world
    last = [vision_row(p, 年级="2") for p in hw.pupils[:3]] + [myopic_row(hw.pupils[3], 年级="2")]
    import_vision(write_csv(tmp_path / "v0.csv", VISION_HEADERS, last), hw, year=hw.last_year)
    now = [myopic_row(hw.pupils[0], sphere="-6.50"), vision_row(hw.pupils[1]),
           myopic_row(hw.pupils[3]), myopic_row(hw.pupils[4])]
    report = import_vision(write_csv(tmp_path / "v1.csv", VISION_HEADERS, now), hw)
    assert report.errors == [] and report.written == 4
    by_student = {s.student_id: s for s in VisionScreening.objects.filter(
        academic_year=hw.base.year)}
    first = by_student[hw.pupils[0].pk]
    assert (first.myopia, first.high_myopia, first.myopia_severity) == (True, True, "high")
    assert first.new_myopia is True                       # not myopic last year
    assert by_student[hw.pupils[1].pk].new_myopia is False
    assert by_student[hw.pupils[3].pk].new_myopia is None  # already myopic: not at risk
    assert by_student[hw.pupils[4].pk].new_myopia is None  # not screened last year
    assert by_student[hw.pupils[4].pk].low_vision
    assert report.follow_ups == 3 and report.rescreen == 1  # ⌈5 % × 4⌉


def test_incomplete_or_impossible_screening_rows_are_refused(health_world, tmp_path):
    hw = health_world
    rows = [vision_row(hw.pupils[0], **{"右眼柱镜": "-1.00"}),      # 柱镜 without 轴位
            vision_row(hw.pupils[1], 右眼裸眼视力="7.5"),
            vision_row(hw.pupils[2], 戴镜类型="框架眼镜"),            # no 戴镜视力
            vision_row(hw.pupils[3], 右眼球镜="-40")]
    report = import_vision(write_csv(tmp_path / "v.csv", VISION_HEADERS, rows), hw)
    assert report.written == 0
    reasons = {e.row: e.reason for e in report.errors}
    assert reasons[2] == "筛查数据不完整，缺少：右眼轴位"
    assert reasons[3].startswith("视力应为5分记录")
    assert reasons[4] == "筛查数据不完整，缺少：右眼戴镜视力、左眼戴镜视力"
    assert reasons[5] == "数值超出合理范围（-30–25）"


def test_rescreen_sample_is_at_least_five_percent_and_seeded():
    drawn = rescreen_sample(101, seed=7)
    assert len(drawn) == 6 and len(set(drawn)) == 6
    assert list(drawn) == list(rescreen_sample(101, seed=7))
    assert list(drawn) != list(rescreen_sample(101, seed=8))
    assert len(rescreen_sample(0, seed=1)) == 0


# -- CLI -----------------------------------------------------------------------------------


def test_cli_imports_and_exits_1_with_an_error_workbook(health_world, tmp_path, capsys):
    hw = health_world
    good = write_csv(tmp_path / "good.csv", FITNESS_HEADERS, [grade3_row(hw.pupils[0])])
    call_command("health", "import-fitness", str(good), "--school", hw.base.school_a.code,
                 "--year", "2025")
    assert "写入1人" in capsys.readouterr().out
    bad = write_csv(tmp_path / "bad.csv", FITNESS_HEADERS,
                    [grade3_row(hw.pupils[1], 年级="4")])
    with pytest.raises(CommandError) as caught:
        call_command("health", "import-fitness", str(bad), "--school", hw.base.school_a.code,
                     "--errors", str(tmp_path / "e.csv"))
    assert caught.value.returncode == 1
    assert "年级与学籍不符" in (tmp_path / "e.csv").read_text(encoding="utf-8-sig")
    with pytest.raises(CommandError) as unknown:
        call_command("health", "import-vision", str(good), "--school", "0000000000")
    assert unknown.value.returncode == 2
