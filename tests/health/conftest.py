"""Health fixtures: a grade-3 class of six pupils at school A (plus world.student_a), a
grade-3 pupil at school B, writers for fitness and screening files, and two imported years."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from edugov.health import services
from edugov.registry import models as m
from tests import factories as f
from tests.conftest import World


@dataclass
class HealthWorld:
    base: World
    pupils: list[m.Student]          # school A, grade 3, class_a (includes student_a)
    last_year: m.AcademicYear


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    """Uploads' error workbooks go to the default storage: a temporary one per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def health_world(world: World) -> HealthWorld:
    last_year = f.AcademicYearFactory(start_year=2024, is_current=False)
    pupils = [world.student_a]
    for _ in range(6):
        student = f.StudentFactory(current_institution=world.school_a,
                                   birth_date=dt.date(2016, 5, 1))
        f.EnrolmentFactory(student=student, academic_year=world.year,
                           institution=world.school_a, school_class=world.class_a, grade=3)
        pupils.append(student)
    for student in pupils:
        m.Enrolment.objects.create(student=student, academic_year=last_year,
                                   institution=world.school_a, grade=2)
    return HealthWorld(world, pupils, last_year)


FITNESS_HEADERS = ["学籍号", "年级", "性别", "身高（cm）", "体重（kg）", "肺活量", "50米跑",
                   "坐位体前屈", "1分钟跳绳", "1分钟仰卧起坐", "免测原因", "补测"]


def sex_name(student: m.Student) -> str:
    return "男" if student.sex == "M" else "女"


def grade3_row(student: m.Student, *, rope: str = "120", run: str = "9.6",
               **overrides: str) -> dict[str, str]:
    """A plausible 三年级 result (passes comfortably unless overridden)."""
    row = {"学籍号": student.student_no, "年级": "三年级", "性别": sex_name(student),
           "身高（cm）": "135", "体重（kg）": "30", "肺活量": "1600", "50米跑": run,
           "坐位体前屈": "10.5", "1分钟跳绳": rope, "1分钟仰卧起坐": "30", "免测原因": "",
           "补测": ""}
    row.update(overrides)
    return row


def failing_row(student: m.Student, **overrides: str) -> dict[str, str]:
    return grade3_row(student, **{"肺活量": "500", "50米跑": "14.0", "坐位体前屈": "-5",
                                  "1分钟跳绳": "10", "1分钟仰卧起坐": "2", **overrides})


def write_csv(path: Path, headers: list[str], rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
    return path


VISION_HEADERS = ["学籍号", "年级", "性别", "筛查日期", "戴镜类型", "右眼裸眼视力", "左眼裸眼视力",
                  "右眼戴镜视力", "左眼戴镜视力", "右眼球镜", "右眼柱镜", "右眼轴位", "左眼球镜",
                  "左眼柱镜", "左眼轴位"]


def vision_row(student: m.Student, *, acuity: str = "5.0", sphere: str = "0.25",
               **overrides: str) -> dict[str, str]:
    row = {"学籍号": student.student_no, "年级": "3", "性别": sex_name(student),
           "筛查日期": "2025-10-15", "戴镜类型": "未戴镜", "右眼裸眼视力": acuity,
           "左眼裸眼视力": acuity, "右眼戴镜视力": "", "左眼戴镜视力": "", "右眼球镜": sphere,
           "右眼柱镜": "0", "右眼轴位": "", "左眼球镜": sphere, "左眼柱镜": "0", "左眼轴位": ""}
    row.update(overrides)
    return row


def myopic_row(student: m.Student, *, sphere: str = "-1.50", **overrides: str
               ) -> dict[str, str]:
    return vision_row(student, acuity="4.6", sphere=sphere, **overrides)


@pytest.fixture
def imported(health_world, tmp_path):
    """School A, 2025: 7 pupils — 5 pass, 1 fails, 1 exempt; 2024: all 7 grade 2, pass.
    Screenings 2025: 3 myopic (one high) of 6; 2024: 1 myopic of 6."""
    hw = health_world
    p = hw.pupils
    school, year, last = hw.base.school_a, hw.base.year, hw.last_year
    last_rows = [grade3_row(s, 年级="二年级", rope="90") for s in p]
    services.import_fitness(actor=None, path=write_csv(tmp_path / "f0.csv", FITNESS_HEADERS,
                                                       last_rows), school=school, year=last)
    rows = [grade3_row(s) for s in p[:5]] + [failing_row(p[5]),
                                             grade3_row(p[6], 免测原因="骨折")]
    services.import_fitness(actor=None, path=write_csv(tmp_path / "f1.csv", FITNESS_HEADERS,
                                                       rows), school=school, year=year)
    before = [vision_row(s, 年级="2") for s in p[:5]] + [myopic_row(p[5], 年级="2")]
    services.import_vision(actor=None, path=write_csv(tmp_path / "v0.csv", VISION_HEADERS,
                                                      before), school=school, year=last)
    now = [myopic_row(p[0], sphere="-6.25"), myopic_row(p[1]), vision_row(p[2]),
           vision_row(p[3]), vision_row(p[4]), myopic_row(p[5])]
    services.import_vision(actor=None, path=write_csv(tmp_path / "v1.csv", VISION_HEADERS,
                                                      now), school=school, year=year)
    return hw
