"""The health app's part of `edugov demo`: fitness tests and vision screenings, with follow-ups.

Built after the registry (``ORDER``), for the current school year and the two before it
(those of them the registry holds), for every student actively enrolled in 一年级 to 高三
(kindergartens are not tested):

* a 体质健康测试 result: height and weight from the student's sex and age; item results
  drawn around their own sex and grade's scoring tables (so each grade band takes its own
  items) from an ability that persists across years, plus a school effect; disabled pupils
  mostly 免测 (因病或残疾免予执行), a few others for illness; half the failures take the
  one 补测. Everything is scored by the vectorised scorer over the whole year at once.
* a 视力筛查 record: each student's refraction drifts towards myopia with age at their own
  pace, so myopia rises with grade and a student once myopic stays so (apart from
  measurement noise); acuity follows refraction; glasses, contact lenses and 角膜塑形镜 as
  myopia calls for them; classified by ``rules/vision.py``, 新发近视 against the previous
  year's screening and ⌈5 %⌉ of each school drawn for 复测, exactly as the import does.

The rows are what ``services.import_fitness`` / ``import_vision`` store for one file per
school and year (same columns, scorer, classifier, retest rule, 复测 draw), with one import
audit row per file. Follow-ups open as ``services.open_follow_ups`` opens them (state,
deadline, first history row); then past years' are closed and the current year's are part
way through, with a history row per step — synthetic history, so no audit row per step.
Written with ``ctx.writer`` in bulk: a city is ~420k student-years.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model, QuerySet
from django.utils import timezone

from edugov.core.models import AuditLog
from edugov.demo.context import DemoContext
from edugov.health.models import (
    LEVEL_CODES,
    Correction,
    FitnessResult,
    FollowUp,
    FollowUpReason,
    MyopiaSeverity,
    VisionScreening,
)
from edugov.health.rules.fitness import FitnessScores, resolve_retest, score_fitness
from edugov.health.rules.fitness_standard import (
    DEFAULT_STANDARD_ID,
    GRADE_SLOTS,
    ITEMS,
    WEIGHTED,
    FitnessStandard,
    ItemTable,
    builtin_standard,
)
from edugov.health.rules.fitness_table import PLAUSIBLE
from edugov.health.rules.vision import (
    CONTACT_LENSES,
    FRAME_GLASSES,
    NO_CORRECTION,
    ORTHO_K,
    EyeReadings,
    VisionClassification,
    classify,
    new_myopia,
)
from edugov.health.rules.vision_table import age_on, rescreen_sample
from edugov.health.services import LOW_VISION_CODES, MYOPIA_CODES, _myopia_detail
from edugov.health.workflow import FOLLOW_UP
from edugov.registry.choices import EnrolmentStatus, Locality
from edugov.registry.models import AcademicYear, Enrolment, Institution, Student
from edugov.workflow.models import StateChange

ORDER = 70
#: Bump when the generated data changes, so existing demo databases are rebuilt.
VERSION = "2"
#: The current school year and this many before it.
YEARS_BACK = 2
BULK_MODELS = (FitnessResult, VisionScreening, FollowUp, StateChange)
LOCALITIES = (Locality.URBAN.value, Locality.TOWN.value, Locality.RURAL.value)

# -- who is tested -------------------------------------------------------------------------


@dataclass
class Pupils:
    """One row per student and school year (active, 一年级–高三), sorted by year, school and
    学籍号 (the order the 复测 draw runs in)."""

    year: np.ndarray          # start year
    student: np.ndarray       # Student id
    person: np.ndarray        # index into the build's students, for traits kept across years
    student_no: np.ndarray    # object
    sex: np.ndarray           # 0 男 / 1 女
    birth: np.ndarray         # datetime64[D]
    disabled: np.ndarray
    institution: np.ndarray
    school_class: np.ndarray  # 0 when not placed in a class
    grade: np.ndarray
    locality: np.ndarray      # index into LOCALITIES

    def __len__(self) -> int:
        return len(self.student)

    def take(self, rows: np.ndarray) -> Pupils:
        return Pupils(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


@dataclass(frozen=True)
class School:
    code: str
    name: str


def recent_years() -> list[AcademicYear]:
    current = AcademicYear.objects.filter(is_current=True).first()
    if current is None:
        return []
    return list(AcademicYear.objects.filter(
        start_year__gte=current.start_year - YEARS_BACK,
        start_year__lte=current.start_year).order_by("start_year"))


def load_pupils(years: list[AcademicYear]) -> tuple[Pupils, dict[int, School]]:
    year_ids = [y.pk for y in years]
    enrolled = raw_columns(Enrolment.objects.filter(
        academic_year_id__in=year_ids, status=EnrolmentStatus.ACTIVE, grade__gte=1,
        grade__lte=12).order_by().values_list(
            "academic_year__start_year", "student_id", "institution_id", "school_class_id",
            "grade"), 5)
    # Traits are drawn in 学籍号 order, so they do not hang on the keys rows happen to get.
    people = raw_columns(Student.objects.filter(pk__in=Enrolment.objects.filter(
        academic_year_id__in=year_ids, grade__gte=1).values("student_id")).order_by(
            "student_no").values_list("pk", "student_no", "sex", "birth_date", "disabled"), 5)
    schools = raw_columns(Institution.objects.order_by("pk").values_list(
        "pk", "locality", "code", "name"), 4)
    ids = np.array(people[0], dtype=np.int64)
    by_id = np.argsort(ids)
    student = np.array(enrolled[1], dtype=np.int64)
    person = by_id[np.searchsorted(ids[by_id], student)]
    institution = np.array(enrolled[2], dtype=np.int64)
    school_ids = np.array(schools[0], dtype=np.int64)
    locality = np.array([LOCALITIES.index(value) for value in schools[1]], dtype=np.int64)
    pupils = Pupils(
        year=np.array(enrolled[0], dtype=np.int64), student=student, person=person,
        student_no=np.array(people[1], dtype=object)[person],
        sex=(np.array(people[2], dtype=object) == "F").astype(np.int64)[person],
        birth=np.array(people[3], dtype="datetime64[D]")[person],
        disabled=np.array(people[4], dtype=bool)[person], institution=institution,
        school_class=np.nan_to_num(np.array(enrolled[3], dtype=float)).astype(np.int64),
        grade=np.array(enrolled[4], dtype=np.int64),
        locality=locality[np.searchsorted(school_ids, institution)],
    )
    order = np.lexsort((pupils.student_no.astype(str), pupils.institution, pupils.year))
    named = {pk: School(code, name) for pk, code, name in zip(schools[0], schools[2],
                                                               schools[3], strict=True)}
    return pupils.take(order), named


def raw_columns(queryset: QuerySet[Any], width: int) -> list[tuple[Any, ...]]:
    """The query's columns as the database driver returns them: a city's 400k rows without
    the ORM's per-value conversion (dates stay ISO text on SQLite; numpy parses both)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return list(zip(*rows, strict=True)) if rows else [()] * width


# -- traits that persist across years --------------------------------------------------------


@dataclass
class Traits:
    """Per student (``Pupils.person``): what stays theirs from one year to the next."""

    ability: np.ndarray       # fitness, standard normal
    height_z: np.ndarray
    bmi_z: np.ndarray
    se_at_6: np.ndarray       # spherical equivalent (D) at age 6
    myopia_pace: np.ndarray   # D per year lost after age 6
    anisometropia: np.ndarray
    cylinder: np.ndarray      # (n, 2) right/left, ≤ 0, quarter dioptres
    axis: np.ndarray          # (n, 2) degrees 1–180
    glasses_at: np.ndarray    # worse-eye SE at which the student starts wearing glasses
    ortho_k: np.ndarray       # would be fitted with 角膜塑形镜 once myopic
    contacts: np.ndarray      # switches to contact lenses in 高中


def draw_traits(rng: np.random.Generator, pupils: Pupils, people: int) -> Traits:
    """Draw every student's traits at once. Myopia comes faster to girls and in urban
    schools (the locality of the school a student attends in the latest year built)."""
    sex = np.zeros(people, dtype=np.int64)
    locality = np.zeros(people, dtype=np.int64)
    sex[pupils.person] = pupils.sex
    locality[pupils.person] = pupils.locality
    se_at_6 = rng.normal(0.85, 0.9, people)
    # Children short of hyperopic reserve at 6 also progress faster.
    pace = np.exp(rng.normal(np.log(0.21) - 0.25 * np.clip(se_at_6 - 0.85, -2, 2), 0.55,
                             people))
    pace *= np.array([1.12, 1.0, 0.85])[locality] * np.where(sex == 1, 1.08, 1.0)
    astigmatic = rng.random((people, 2)) < 0.35
    cylinder = -0.25 * np.ceil(np.abs(rng.normal(0, 0.55, (people, 2))) / 0.25) * astigmatic
    cylinder += 0.0  # no -0.0
    axis = np.where(rng.random((people, 2)) < 0.7, rng.normal(180, 12, (people, 2)),
                    rng.normal(90, 12, (people, 2)))
    return Traits(
        ability=rng.standard_normal(people), height_z=rng.standard_normal(people),
        bmi_z=rng.standard_normal(people), se_at_6=se_at_6, myopia_pace=pace,
        anisometropia=rng.normal(0, 0.3, people), cylinder=cylinder,
        axis=np.mod(np.round(axis) - 1, 180) + 1,
        glasses_at=rng.uniform(-2.25, -0.75, people),
        ortho_k=rng.random(people) < np.array([0.09, 0.05, 0.015])[locality],
        contacts=rng.random(people) < 0.12,
    )


@dataclass(frozen=True)
class Calendar:
    """Per school and year: when the test, its 补测 and the screening took place, and when
    the files were imported (what the import records as its time)."""

    tested: dict[tuple[int, int], dt.date]
    fitness_imported: dict[tuple[int, int], dt.datetime]
    screened: dict[tuple[int, int], dt.date]
    vision_imported: dict[tuple[int, int], dt.datetime]


def draw_calendar(rng: np.random.Generator, pupils: Pupils,
                  schools: dict[int, School]) -> Calendar:
    keys = sorted(set(zip(pupils.institution.tolist(), pupils.year.tolist(), strict=True)),
                  key=lambda key: (schools[key[0]].code, key[1]))
    tested, fitness_imported, screened, vision_imported = {}, {}, {}, {}
    zone = timezone.get_default_timezone()
    for (school, year), (test_day, retest_days, screen_day, entry_days, hour) in zip(
            keys, rng.integers((0, 14, 0, 2, 9), (60, 40, 50, 14, 17), (len(keys), 5)).tolist(),
            strict=True):
        key = (school, year)
        tested[key] = dt.date(year, 9, 25) + dt.timedelta(days=test_day)
        # One file holds the first test and the 补测, so it is imported after the 补测.
        fitness_imported[key] = dt.datetime.combine(
            tested[key] + dt.timedelta(days=retest_days), dt.time(hour, 30), zone)
        screened[key] = dt.date(year, 9, 10) + dt.timedelta(days=screen_day)
        vision_imported[key] = dt.datetime.combine(
            screened[key] + dt.timedelta(days=entry_days), dt.time(hour), zone)
    return Calendar(tested, fitness_imported, screened, vision_imported)


def per_school_year(values: dict[tuple[int, int], Any], pupils: Pupils) -> np.ndarray:
    """``values[school, year]`` for each pupil (object array), without a loop over pupils."""
    keys = sorted(values)
    codes = np.array([school * 10_000 + year for school, year in keys], dtype=np.int64)
    table = np.empty(len(keys), dtype=object)
    table[:] = [values[key] for key in keys]
    return table[np.searchsorted(codes, pupils.institution * 10_000 + pupils.year)]


def on_days(days: dict[tuple[int, int], dt.date], pupils: Pupils) -> np.ndarray:
    return per_school_year(days, pupils).astype("datetime64[D]")


def exact_age(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    return (on - birth).astype(np.int64) / 365.25


# -- fitness -------------------------------------------------------------------------------

#: Approximate mean height (cm) and median BMI by age 6–19 of Chinese students (boys, girls),
#: after the 全国学生体质与健康调研 tables as recalled; only plausibility matters here.
HEIGHT = np.array([
    [120, 126, 132, 137, 142, 148, 154, 161, 166, 169.5, 171, 172, 172.5, 172.5],
    [119, 125, 130.5, 136, 142, 148.5, 153.5, 156.5, 158, 159, 159.5, 160, 160, 160],
])
HEIGHT_SD = np.array([[5.2, 5.5, 5.8, 6.0, 6.3, 6.8, 7.5, 7.8, 7.2, 6.6, 6.3, 6.1, 6.0, 6.0],
                      [5.1, 5.4, 5.8, 6.2, 6.6, 6.7, 6.3, 5.9, 5.7, 5.6, 5.6, 5.6, 5.6, 5.6]])
BMI = np.array([
    [15.6, 16.0, 16.6, 17.3, 18.0, 18.6, 19.2, 19.6, 20.0, 20.4, 20.8, 21.2, 21.4, 21.6],
    [15.2, 15.5, 16.0, 16.6, 17.3, 18.0, 18.7, 19.3, 19.7, 20.0, 20.3, 20.5, 20.6, 20.7],
])
AGES = np.arange(6, 20)

#: Mean target single-item score by stage (小学, 初中, 高中) and sex; the school year's
#: improvement per year (体质健康 is improving); the spread of ability, of a school's effect
#: and of one item around a student's ability. Calibrated so a city grades about 22 % 优秀,
#: 29 % 良好 and 93–94 % at least 及格 (优秀 more often in 小学, 不及格 in 初中 and 高中,
#: boys less often 优秀 than girls; 引体向上 is most boys' weakest item).
TARGET = {0: (79.0, 79.5), 1: (79.5, 79.5), 2: (79.0, 78.0)}
YEARLY_GAIN = 0.8
ABILITY_SD, SCHOOL_SD, ITEM_SD = 14.0, 3.0, 8.0
#: Items most students find hard (引体向上) or easy, in target points by sex (男, 女).
ITEM_SHIFT = {"pull_up": (-35.0, 0.0), "run_1000m_male": (-3.0, 0.0),
              "run_800m_female": (0.0, -2.0), "rope_skipping_1min": (3.0, 4.0),
              "sit_and_reach": (-2.0, 2.0)}
#: Year-on-year correlation of a student's ability.
ABILITY_KEPT = 0.75
#: Share of failing students who take the one 补测, and what practice adds to their targets.
RETEST_SHARE, RETEST_GAIN = 0.5, 3.0
DISABLED_EXEMPT, ILL_EXEMPT = 0.85, 0.005
EXEMPT_REASONS = ("残疾，免予执行", "因病免予执行（哮喘）", "因病免予执行（先天性心脏病）",
                  "因病免予执行（骨折术后恢复期）", "因病免予执行（癫痫）")


def stage_of(grade: np.ndarray) -> np.ndarray:
    return np.where(grade <= 6, 0, np.where(grade <= 9, 1, 2))


def body(rng: np.random.Generator, pupils: Pupils, traits: Traits,
         age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Height and weight from sex and age, each to 0.1 (as measured)."""
    sex, person = pupils.sex, pupils.person
    mean = np.where(sex == 0, np.interp(age, AGES, HEIGHT[0]), np.interp(age, AGES, HEIGHT[1]))
    sd = np.where(sex == 0, np.interp(age, AGES, HEIGHT_SD[0]),
                  np.interp(age, AGES, HEIGHT_SD[1]))
    height = mean + sd * (0.97 * traits.height_z[person] + 0.25 * rng.standard_normal(len(age)))
    median = np.where(sex == 0, np.interp(age, AGES, BMI[0]), np.interp(age, AGES, BMI[1]))
    z = 0.93 * traits.bmi_z[person] + 0.37 * rng.standard_normal(len(age))
    # Right-skewed: overweight and obesity are common, thinness rare.
    bmi = median * np.exp(0.115 * z + 0.035 * np.maximum(z, 0) ** 2)
    height = np.round(np.clip(height, 95, 200) * 10) / 10
    weight = np.round(bmi * (height / 100) ** 2 * 10) / 10
    return height, weight


def ability_in(rng: np.random.Generator, pupils: Pupils, traits: Traits) -> np.ndarray:
    """This year's ability: the student's own, partly renewed each year."""
    fresh = rng.standard_normal(len(pupils))
    kept = np.sqrt(ABILITY_KEPT)
    return kept * traits.ability[pupils.person] + np.sqrt(1 - ABILITY_KEPT) * fresh


def item_targets(rng: np.random.Generator, pupils: Pupils, ability: np.ndarray,
                 school_effect: np.ndarray, bmi_z: np.ndarray,
                 first_year: int) -> dict[str, np.ndarray]:
    """The single-item score each result is drawn to reach (before the table's steps)."""
    stage = stage_of(pupils.grade)
    base = np.array([TARGET[s][x] for s in range(3) for x in range(2)])[stage * 2 + pupils.sex]
    base = base + YEARLY_GAIN * (pupils.year - first_year)
    common = base + ABILITY_SD * ability + SCHOOL_SD * school_effect
    # Heavy students run slower; the BMI item itself scores their weight.
    heavy = 6.0 * np.maximum(bmi_z - 0.8, 0)
    targets = {}
    for code in ITEMS:
        shift = np.array(ITEM_SHIFT.get(code, (0.0, 0.0)))[pupils.sex]
        running = code.startswith("run_") or code == "shuttle_50mx8"
        targets[code] = (common + shift - (heavy if running else 0)
                         + ITEM_SD * rng.standard_normal(len(pupils)))
    return targets


def result_for(table: ItemTable, group: int, target: np.ndarray,
               jitter: np.ndarray) -> np.ndarray:
    """A raw result reaching about ``target`` points in ``group``'s table: the inverse of the
    scoring table, linear between its levels and beyond them (above 100 into 加分)."""
    levels = table.levels[group]
    thresholds = np.array([t for t, _ in levels], dtype=float)
    scores = np.array([s for _, s in levels], dtype=float)
    low_slope = (thresholds[1] - thresholds[0]) / max(scores[1] - scores[0], 1)
    high_slope = (thresholds[-1] - thresholds[-2]) / max(scores[-1] - scores[-2], 1)
    target = np.clip(target, 0, 125)
    oriented = np.interp(target, scores, thresholds)
    oriented = np.where(target < scores[0], thresholds[0] - (scores[0] - target) * low_slope,
                        oriented)
    oriented = np.where(target > scores[-1],
                        thresholds[-1] + (target - scores[-1]) * high_slope, oriented)
    # Spread results over the whole step between two levels, in the table's unit.
    units = np.floor(oriented + jitter)
    value = (-units if table.lower_is_better else units) / table.scale
    # Never a value the import would refuse as impossible.
    low, high, _unit = PLAUSIBLE[table.code]
    return np.clip(value, low, high)


def item_results(rng: np.random.Generator, standard: FitnessStandard, pupils: Pupils,
                 targets: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Results of the items each student's grade band and sex take; NaN elsewhere."""
    groups = pupils.sex * GRADE_SLOTS + pupils.grade
    results = {code: np.full(len(pupils), np.nan) for code in ITEMS}
    jitter = rng.random((len(ITEMS), len(pupils)))
    for group in np.unique(groups).tolist():
        rows = np.flatnonzero(groups == group)
        for k, code in enumerate(ITEMS):
            if standard.weights[group, WEIGHTED.index(code)] > 0:
                results[code][rows] = result_for(standard.items[code], group,
                                                 targets[code][rows], jitter[k, rows])
    return results


@dataclass
class FitnessYear:
    """A school year's results as the import stores them (retests already in place)."""

    pupils: Pupils
    height: np.ndarray
    weight: np.ndarray
    results: dict[str, np.ndarray]
    scores: FitnessScores
    exempt_reason: np.ndarray  # object; "" when tested
    retested: np.ndarray
    first_total: np.ndarray    # NaN unless retested


def exemptions(rng: np.random.Generator, pupils: Pupils) -> np.ndarray:
    draw = rng.random(len(pupils))
    reason = np.full(len(pupils), "", dtype=object)
    reason[pupils.disabled & (draw < DISABLED_EXEMPT)] = EXEMPT_REASONS[0]
    ill = ~pupils.disabled & (draw < ILL_EXEMPT)
    reason[ill] = np.array(EXEMPT_REASONS[1:], dtype=object)[
        rng.integers(0, len(EXEMPT_REASONS) - 1, int(ill.sum()))]
    return reason


def fitness_year(rng: np.random.Generator, standard: FitnessStandard, pupils: Pupils,
                 traits: Traits, school_effect: np.ndarray, tested_on: np.ndarray,
                 first_year: int) -> FitnessYear:
    age = exact_age(pupils.birth, tested_on)
    height, weight = body(rng, pupils, traits, age)
    reason = exemptions(rng, pupils)
    exempt = reason != ""
    ability = ability_in(rng, pupils, traits)
    bmi_z = traits.bmi_z[pupils.person]
    targets = item_targets(rng, pupils, ability, school_effect, bmi_z, first_year)
    results = item_results(rng, standard, pupils, targets)
    for values in results.values():
        values[exempt] = np.nan  # 免予执行: measured, not tested
    sex, grade = pupils.sex, pupils.grade
    scores = score_fitness(standard, sex=sex, grade=grade, height_cm=height, weight_kg=weight,
                           results=results, exempt=exempt)
    first_total = scores.total.copy()
    chosen = (scores.level == "不及格") & (rng.random(len(pupils)) < RETEST_SHARE)
    retested = retest(rng, standard, pupils, height, weight, targets, results, scores, chosen)
    return FitnessYear(pupils, height, weight, results, scores, reason, retested,
                       np.where(retested, first_total, np.nan))


def retest(rng: np.random.Generator, standard: FitnessStandard, pupils: Pupils,
           height: np.ndarray, weight: np.ndarray, targets: dict[str, np.ndarray],
           results: dict[str, np.ndarray], scores: FitnessScores,
           chosen: np.ndarray) -> np.ndarray:
    """补测 for the ``chosen`` failing rows: new results (a little practised), scored, put
    in place of the first test's — as the import keeps them. Returns which rows retook."""
    rows = np.flatnonzero(chosen)
    if not len(rows):
        return chosen
    retaken = item_results(rng, standard, pupils.take(rows), {
        code: values[rows] + RETEST_GAIN for code, values in targets.items()})
    rescored = score_fitness(standard, sex=pupils.sex[rows], grade=pupils.grade[rows],
                             height_cm=height[rows], weight_kg=weight[rows], results=retaken)
    retest_total = np.full(len(pupils), np.nan)
    retest_total[rows] = rescored.total
    # The 补测 replaces a failing result, pass or fail (rules/fitness.resolve_retest).
    used = resolve_retest(standard, scores.total, retest_total).retest_used
    for code in ITEMS:
        results[code][rows] = retaken[code]
    replace_rows(scores, rescored, rows)
    return used


def replace_rows(scores: FitnessScores, other: FitnessScores, rows: np.ndarray) -> None:
    """Put ``other``'s scores (of ``rows``, in order) into ``scores``."""
    for name in ("bmi", "bmi_score", "standard_score", "bonus", "total", "level"):
        getattr(scores, name)[rows] = getattr(other, name)
    for code in ITEMS:
        scores.item_scores[code][rows] = other.item_scores[code]


# -- vision --------------------------------------------------------------------------------

#: Non-cycloplegic autorefraction varies between screenings (D), so a borderline student
#: may screen myopic one year and not the next.
SCREEN_NOISE = 0.2
#: Myopia progresses more slowly in the late teens: after this many years past 6, a year
#: counts this much.
SLOWING_AFTER, SLOWING = 8.0, 0.5


@dataclass
class VisionYear:
    """A school year's screenings as the import stores them."""

    pupils: Pupils
    screened_on: np.ndarray   # datetime64[D]
    age: np.ndarray
    correction: np.ndarray    # object: codes of rules/vision.py
    right: EyeReadings
    left: EyeReadings
    classes: VisionClassification
    newly: np.ndarray
    at_risk: np.ndarray
    rescreen: np.ndarray


def quarter_dioptres(values: np.ndarray) -> np.ndarray:
    # + 0.0 turns -0.0 into 0.0, which a page would show as "-0.0".
    return np.round(values * 4) / 4 + 0.0


def eye_readings(rng: np.random.Generator, se: np.ndarray, cylinder: np.ndarray,
                 axis: np.ndarray) -> EyeReadings:
    """An autorefractor's reading (quarter dioptres) and the acuity it goes with (5 分记录)."""
    sphere = quarter_dioptres(se - cylinder / 2)
    measured = sphere + cylinder / 2
    blur = (np.maximum(-measured, 0) + 0.5 * np.abs(cylinder)
            + 0.3 * np.maximum(measured - 2.0, 0))
    uncorrected = 5.1 - 0.35 * blur + rng.normal(0, 0.06, len(se))
    corrected = rng.normal(5.0, 0.07, len(se))
    return EyeReadings(
        uncorrected=np.round(np.clip(uncorrected, 4.0, 5.3) * 10) / 10,
        corrected=np.round(np.clip(corrected, 4.7, 5.2) * 10) / 10,
        sphere=sphere, cylinder=cylinder, axis=np.where(cylinder != 0, axis, np.nan))


def corrections(pupils: Pupils, traits: Traits, worse_se: np.ndarray,
                age: np.ndarray) -> np.ndarray:
    """Glasses once myopia passes the student's own threshold; contact lenses for some in
    高中; 角膜塑形镜 for some myopic children of 8 and over until 初中 ends."""
    person = pupils.person
    glasses = worse_se <= traits.glasses_at[person]
    contacts = glasses & traits.contacts[person] & (pupils.grade >= 10)
    ortho_k = traits.ortho_k[person] & (worse_se <= -0.75) & (age >= 8) & (pupils.grade <= 9)
    return np.where(ortho_k, ORTHO_K, np.where(contacts, CONTACT_LENSES, np.where(
        glasses, FRAME_GLASSES, NO_CORRECTION))).astype(object)


def as_worn(eye: EyeReadings, correction: np.ndarray) -> EyeReadings:
    """What the screening records: 戴镜视力 only with lenses; over 角膜塑形镜 only that."""
    ortho_k = correction == ORTHO_K
    blank = np.full(len(correction), np.nan)
    return EyeReadings(
        uncorrected=np.where(ortho_k, blank, eye.uncorrected),
        corrected=np.where(correction == NO_CORRECTION, blank, eye.corrected),
        sphere=np.where(ortho_k, blank, eye.sphere),
        cylinder=np.where(ortho_k, blank, eye.cylinder),
        axis=np.where(ortho_k, blank, eye.axis))


def vision_year(rng: np.random.Generator, pupils: Pupils, traits: Traits,
                screened_on: np.ndarray, previous: VisionYear | None,
                schools: dict[int, School]) -> VisionYear:
    person, n = pupils.person, len(pupils)
    age = age_on(pupils.birth, screened_on)
    years_since_6 = np.maximum(exact_age(pupils.birth, screened_on) - 6, 0)
    progressing = (np.minimum(years_since_6, SLOWING_AFTER)
                   + SLOWING * np.maximum(years_since_6 - SLOWING_AFTER, 0))
    se = traits.se_at_6[person] - traits.myopia_pace[person] * progressing
    half = traits.anisometropia[person] / 2
    noise = rng.normal(0, SCREEN_NOISE, (2, n))
    right = eye_readings(rng, se + half + noise[0], traits.cylinder[person, 0],
                         traits.axis[person, 0])
    left = eye_readings(rng, se - half + noise[1], traits.cylinder[person, 1],
                        traits.axis[person, 1])
    worse = np.minimum(right.sphere + right.cylinder / 2, left.sphere + left.cylinder / 2)
    correction = corrections(pupils, traits, worse, age)
    right, left = as_worn(right, correction), as_worn(left, correction)
    classes = classify(age=age, correction=correction, right=right, left=left)
    newly, at_risk = against_last_year(pupils.student, classes.myopia, previous)
    return VisionYear(pupils, screened_on, age, correction, right, left, classes, newly,
                      at_risk, rescreen_draw(pupils, schools))


def against_last_year(student: np.ndarray, myopia: np.ndarray,
                      previous: VisionYear | None) -> tuple[np.ndarray, np.ndarray]:
    """新发近视 as the import marks it: against the student's screening of the year before
    (at any school)."""
    if previous is None:
        found = np.zeros(len(student), dtype=bool)
        was_myopic = found
    else:
        order = np.argsort(previous.pupils.student)
        ids = previous.pupils.student[order]
        at = np.minimum(np.searchsorted(ids, student), max(len(ids) - 1, 0))
        found = (ids[at] == student) if len(ids) else np.zeros(len(student), dtype=bool)
        was_myopic = found & previous.classes.myopia[order][at]
    return new_myopia(previous_myopia=was_myopic, previous_complete=found,
                      current_myopia=myopia, current_complete=np.ones(len(student), bool))


def rescreen_draw(pupils: Pupils, schools: dict[int, School]) -> np.ndarray:
    """⌈5 %⌉ per school for 复测, drawn over its students in 学籍号 order with the import's
    seed (``services.import_vision``); pupils are already in that order."""
    chosen = np.zeros(len(pupils), dtype=bool)
    starts = np.flatnonzero(np.diff(pupils.institution, prepend=-1))
    ends = np.append(starts[1:], len(pupils))
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        code, year = schools[int(pupils.institution[start])].code, int(pupils.year[start])
        seed = zlib.crc32(f"{code}/{year}/rescreen".encode())
        chosen[start + rescreen_sample(end - start, seed=seed)] = True
    return chosen


# -- follow-ups ----------------------------------------------------------------------------

#: How follow-ups went, by reason: (share, steps); a step is (transition, new state, reason).
#: Past years' are all closed; the current year's are part way through.
Step = tuple[str, str, str]
PAST_PATHS: dict[str, tuple[tuple[float, tuple[Step, ...]], ...]] = {
    FollowUpReason.FITNESS: (
        (0.85, (("retest", "retested", ""), ("close", "closed", ""))),
        (0.15, (("close_early", "closed", "学生已转学"),)),
    ),
    FollowUpReason.MYOPIA: (
        (0.6, (("refer", "referred", ""), ("close", "closed", ""))),
        (0.4, (("close_early", "closed", "家长已带孩子到医院验光配镜"),)),
    ),
}
CURRENT_PATHS: dict[str, tuple[tuple[float, tuple[Step, ...]], ...]] = {
    FollowUpReason.FITNESS: (
        (0.3, ()),
        (0.3, (("retest", "retested", ""),)),
        (0.4, (("retest", "retested", ""), ("close", "closed", ""))),
    ),
    FollowUpReason.MYOPIA: (
        (0.3, ()),
        (0.2, (("refer", "referred", ""),)),
        (0.3, (("refer", "referred", ""), ("close", "closed", ""))),
        (0.2, (("close_early", "closed", "家长已带孩子到医院验光配镜"),)),
    ),
}


@dataclass
class Opened:
    """Follow-ups to open for one reason and year: who, where, why, when the file came in."""

    reason: str
    year_id: int
    pupils: Pupils
    detail: list[str]
    opened: np.ndarray        # datetime64[s], UTC


def fitness_follow_ups(fitness: FitnessYear, year_id: int, calendar: Calendar) -> Opened:
    """Every 不及格 year, as ``import_fitness`` opens them."""
    failing = np.flatnonzero(fitness.scores.level == "不及格")
    pupils = fitness.pupils.take(failing)
    return Opened(FollowUpReason.FITNESS.value, year_id, pupils,
                  [f"学年总分 {total:.1f}" for total in fitness.scores.total[failing].tolist()],
                  utc_times(calendar.fitness_imported, pupils))


def myopia_follow_ups(vision: VisionYear, year_id: int, calendar: Calendar) -> Opened:
    """Every myopic screening, as ``import_vision`` opens them (its own wording)."""
    myopic = np.flatnonzero(vision.classes.myopia)
    details = {(c, s): _myopia_detail(VisionScreening(correction=c, myopia_severity=s.value))
               for c in Correction.values for s in MyopiaSeverity}
    wording = [details[c, MYOPIA_CODES[s]] for c, s in zip(
        vision.correction[myopic].tolist(), vision.classes.myopia_severity[myopic].tolist(),
        strict=True)]
    pupils = vision.pupils.take(myopic)
    return Opened(FollowUpReason.MYOPIA.value, year_id, pupils, wording,
                  utc_times(calendar.vision_imported, pupils))


def utc_times(times: dict[tuple[int, int], dt.datetime], pupils: Pupils) -> np.ndarray:
    return per_school_year({key: as_utc(when) for key, when in times.items()},
                           pupils).astype("datetime64[s]")


def as_utc(when: dt.datetime) -> np.datetime64:
    return np.datetime64(when.astimezone(dt.UTC).replace(tzinfo=None), "s")


def db_times_per_school(times: dict[tuple[int, int], dt.datetime],
                        pupils: Pupils) -> list[str]:
    """An import's time for each of its pupils, converted once per file."""
    keys = list(times)
    text = db_datetimes(np.array([as_utc(times[key]) for key in keys], dtype="datetime64[s]"))
    return list(per_school_year(dict(zip(keys, text, strict=True)), pupils).tolist())


# -- writing -------------------------------------------------------------------------------


def nullable(values: np.ndarray) -> list[Any]:
    """Database values: NaN → None (COPY would store NaN), numpy scalars → Python."""
    if values.dtype.kind != "f":
        return list(values.tolist())
    cells = values.astype(object)
    cells[np.isnan(values)] = None
    return list(cells.tolist())


def db_datetimes(utc: np.ndarray) -> list[str]:
    """UTC datetimes as each backend stores them (SQLite: naive UTC text, as Django writes)."""
    text = np.char.replace(np.datetime_as_string(utc.astype("datetime64[s]")), "T", " ")
    if connection.vendor == "postgresql":
        text = np.char.add(text, "+00:00")
    return list(text.tolist())


def place_columns(pupils: Pupils, year_id: int) -> list[list[Any]]:
    n = len(pupils)
    return [pupils.student.tolist(), [year_id] * n, pupils.institution.tolist(),
            [c or None for c in pupils.school_class.tolist()], pupils.grade.tolist(),
            np.where(pupils.sex == 0, "M", "F").tolist()]


PLACE = ["student", "academic_year", "institution", "school_class", "grade", "sex"]
FITNESS_FIELDS = ["id", *PLACE, "imported_at", "standard", "height_cm", "weight_kg", *ITEMS,
                  "bmi", "bmi_score", *(f"{code}_score" for code in ITEMS), "standard_score",
                  "bonus", "total", "level", "exempt_reason", "retested", "first_total"]
VISION_FIELDS = ["id", *PLACE, "imported_at", "screened_on", "age", "correction",
                 *(f"{side}_{key}" for side in ("right", "left")
                   for key in ("uncorrected", "corrected", "sphere", "cylinder", "axis")),
                 "se_right", "se_left", "myopia", "myopia_severity", "high_myopia",
                 "pre_myopia", "low_vision", "low_vision_level", "new_myopia", "rescreen"]
FOLLOW_UP_FIELDS = ["id", "student", "academic_year", "institution", "school_class", "reason",
                    "detail", "state", "state_changed_at", "due_at", "created_at"]
HISTORY_FIELDS = ["id", "content_type", "object_id", "workflow", "transition", "from_state",
                  "to_state", "at", "reason", "evidence"]
AUDIT_FIELDS = ["id", "at", "action", "entity", "object_id", "summary", "details"]


def add_rows(ctx: DemoContext, model: type[Model], names: Sequence[str],
             columns: Sequence[Sequence[Any]]) -> None:
    ctx.writer.table(model, names).extend(zip(*columns, strict=True))


def write_fitness(ctx: DemoContext, fitness: FitnessYear, year_id: int,
                  calendar: Calendar, standard: FitnessStandard) -> None:
    pupils, scores = fitness.pupils, fitness.scores
    n = len(pupils)
    levels = [LEVEL_CODES[label] for label in scores.level.tolist()]
    columns = [list(ctx.writer.next_ids(FitnessResult, n)), *place_columns(pupils, year_id),
               db_times_per_school(calendar.fitness_imported, pupils), [standard.id] * n,
               nullable(fitness.height), nullable(fitness.weight),
               *(nullable(fitness.results[code]) for code in ITEMS),
               nullable(scores.bmi), nullable(scores.bmi_score),
               *(nullable(scores.item_scores[code]) for code in ITEMS),
               nullable(scores.standard_score), nullable(scores.bonus), nullable(scores.total),
               levels, [r[:128] for r in fitness.exempt_reason.tolist()],
               fitness.retested.tolist(), nullable(fitness.first_total)]
    add_rows(ctx, FitnessResult, FITNESS_FIELDS, columns)


def write_vision(ctx: DemoContext, vision: VisionYear, year_id: int,
                 calendar: Calendar) -> None:
    pupils, c = vision.pupils, vision.classes
    n = len(pupils)
    readings = [nullable(getattr(getattr(vision, side), key)) for side in ("right", "left")
                for key in ("uncorrected", "corrected", "sphere", "cylinder", "axis")]
    severity = [MYOPIA_CODES[s].value for s in c.myopia_severity.tolist()]
    low_level = [LOW_VISION_CODES[s].value for s in c.low_vision_level.tolist()]
    columns = [list(ctx.writer.next_ids(VisionScreening, n)), *place_columns(pupils, year_id),
               db_times_per_school(calendar.vision_imported, pupils),
               np.datetime_as_string(vision.screened_on).tolist(), vision.age.tolist(),
               vision.correction.tolist(), *readings, nullable(c.se_right),
               nullable(c.se_left), c.myopia.tolist(), severity, c.high_myopia.tolist(),
               c.pre_myopia.tolist(), c.low_vision.tolist(), low_level,
               [bool(new) if risk else None for new, risk in zip(
                   vision.newly.tolist(), vision.at_risk.tolist(), strict=True)],
               vision.rescreen.tolist()]
    add_rows(ctx, VisionScreening, VISION_FIELDS, columns)


def write_follow_ups(ctx: DemoContext, rng: np.random.Generator, opened: Opened,
                     current: bool, content_type: int) -> int:
    """Open the items (state, deadline and first history row as ``open_follow_ups``), then
    take each along its drawn path with a history row per step."""
    n = len(opened.pupils)
    if not n:
        return 0
    ids = list(ctx.writer.next_ids(FollowUp, n))
    paths = (CURRENT_PATHS if current else PAST_PATHS)[opened.reason]
    chosen = rng.choice(len(paths), size=n, p=[share for share, _ in paths])
    gaps = rng.integers(5, 45, (2, n)).astype("timedelta64[D]") + rng.integers(
        0, 8 * 3600, (2, n)).astype("timedelta64[s]")
    state = np.full(n, FOLLOW_UP.initial, dtype=object)
    changed = opened.opened.copy()
    history = History(ctx, content_type)
    history.add(ids, "create", "", FOLLOW_UP.initial, opened.opened, "",
                {"source": "import"})
    for number, (_share, steps) in enumerate(paths):
        rows = np.flatnonzero(chosen == number)
        if not len(rows):
            continue
        for k, (transition, target, reason) in enumerate(steps):
            when = changed[rows] + gaps[k, rows]
            history.add([ids[i] for i in rows.tolist()], transition, state[rows][0], target,
                        when, reason, {})
            state[rows], changed[rows] = target, when
    columns = [ids, opened.pupils.student.tolist(), [opened.year_id] * n,
               opened.pupils.institution.tolist(),
               [c or None for c in opened.pupils.school_class.tolist()], [opened.reason] * n,
               [d[:128] for d in opened.detail], state.tolist(), db_datetimes(changed),
               due_times(state, changed), db_datetimes(opened.opened)]
    add_rows(ctx, FollowUp, FOLLOW_UP_FIELDS, columns)
    return n


def due_times(state: np.ndarray, changed: np.ndarray) -> list[str | None]:
    """Each item's deadline in its state, from when it got there (``Workflow.due_at``)."""
    due: list[str | None] = [None] * len(state)
    epoch = dt.datetime(2000, 1, 1)
    for name in np.unique(state).tolist():
        deadline = FOLLOW_UP.due_at(name, epoch)
        if deadline is None:
            continue
        rows = np.flatnonzero(state == name)
        for i, text in zip(rows.tolist(), db_datetimes(
                changed[rows] + np.timedelta64(deadline - epoch)), strict=True):
            due[i] = text
    return due


class History:
    """StateChange rows of follow-ups, as ``workflow.services`` writes them (actor none:
    the import, and the demo's synthetic school staff)."""

    def __init__(self, ctx: DemoContext, content_type: int) -> None:
        self.ctx = ctx
        self.content_type = content_type
        self.sink = ctx.writer.table(StateChange, HISTORY_FIELDS)

    def add(self, items: Sequence[int], transition: str, old: str, new: str, at: np.ndarray,
            reason: str, evidence: dict[str, str]) -> None:
        n = len(items)
        if not n:
            return
        ids = self.ctx.writer.next_ids(StateChange, n)
        self.sink.extend(zip(ids, [self.content_type] * n, [str(i) for i in items],
                             [FOLLOW_UP.name] * n, [transition] * n, [old] * n, [new] * n,
                             db_datetimes(at), [reason] * n, [json.dumps(evidence)] * n,
                             strict=True))


def write_import_audits(ctx: DemoContext, fitness: FitnessYear, vision: VisionYear,
                        year: AcademicYear, calendar: Calendar, schools: dict[int, School],
                        standard: FitnessStandard) -> None:
    """One audit row per school file, with the counts and wording of the imports' own."""
    rows = []
    failing = fitness.scores.level == "不及格"
    for school_id, written, retests, failed in per_school(
            fitness.pupils, fitness.retested, failing):
        details = {"file": file_name(schools[school_id], year, "体质健康测试成绩"),
                   "year": year.start_year, "rows": written + retests, "written": written,
                   "refused_rows": 0, "follow_ups": failed, "standard": standard.id}
        rows.append(import_audit(FitnessResult, "体质健康测试成绩", schools[school_id], year,
                                 calendar.fitness_imported[school_id, year.start_year],
                                 details))
    myopia = vision.classes.myopia
    for school_id, written, myopic, rescreen in per_school(
            vision.pupils, myopia, vision.rescreen):
        details = {"file": file_name(schools[school_id], year, "视力筛查"),
                   "year": year.start_year, "rows": written, "written": written,
                   "refused_rows": 0, "myopic": myopic, "rescreen": rescreen,
                   "follow_ups": myopic}
        rows.append(import_audit(VisionScreening, "视力筛查", schools[school_id], year,
                                 calendar.vision_imported[school_id, year.start_year],
                                 details))
    ids = ctx.writer.next_ids(AuditLog, len(rows))
    at = db_datetimes(np.array([row[0] for row in rows], dtype="datetime64[s]"))
    ctx.writer.table(AuditLog, AUDIT_FIELDS).extend(
        (pk, when, *row[1:]) for pk, when, row in zip(ids, at, rows, strict=True))


def per_school(pupils: Pupils, *flags: np.ndarray) -> Iterator[tuple[int, ...]]:
    """(school, pupils, and how many have each flag) for each school, in school order."""
    schools, index, counts = np.unique(pupils.institution, return_inverse=True,
                                       return_counts=True)
    sums = [np.bincount(index, weights=flag, minlength=len(schools)).astype(int).tolist()
            for flag in flags]
    for k, (school, count) in enumerate(zip(schools.tolist(), counts.tolist(), strict=True)):
        yield (school, count, *(column[k] for column in sums))


def file_name(school: School, year: AcademicYear, title: str) -> str:
    return f"{school.code}-{year.start_year}-{title}.xlsx"


def import_audit(model: type[Model], title: str, school: School, year: AcademicYear,
                 when: dt.datetime, details: dict[str, Any]) -> tuple[Any, ...]:
    return (as_utc(when), AuditLog.Action.IMPORT.value, model._meta.label_lower, school.code,
            f"{school.name} {year} {title}导入 {details['written']} 人"[:255],
            json.dumps(details))


# -- the builder -----------------------------------------------------------------------------


def school_effects(rng: np.random.Generator, pupils: Pupils,
                   schools: dict[int, School]) -> np.ndarray:
    """Per pupil, their school's effect on fitness (standard normal per school, drawn in
    学校标识码 order)."""
    ids = np.unique(pupils.institution)
    effect = np.empty(len(ids))
    effect[np.argsort([schools[pk].code for pk in ids.tolist()])] = rng.standard_normal(
        len(ids))
    return effect[np.searchsorted(ids, pupils.institution)]


def build(ctx: DemoContext) -> None:
    if ctx.shared.get("registry") is None:
        return
    years = recent_years()
    pupils, schools = load_pupils(years)
    if not len(pupils):
        return
    rng = np.random.default_rng(ctx.rng("health").getrandbits(128))
    traits = draw_traits(rng, pupils, int(pupils.person.max()) + 1)
    effects = school_effects(rng, pupils, schools)
    calendar = draw_calendar(rng, pupils, schools)
    standard = builtin_standard(DEFAULT_STANDARD_ID)
    content_type = ContentType.objects.get_for_model(FollowUp).pk
    stage = ctx.progress.stage("生成体质健康测试和视力筛查", len(pupils), "人次")
    previous: VisionYear | None = None
    follow_ups = 0
    with ctx.writer.keys_and_indexes_built_after_loading(BULK_MODELS):
        for year in years:
            rows = np.flatnonzero(pupils.year == year.start_year)
            these = pupils.take(rows)
            fitness = fitness_year(rng, standard, these, traits, effects[rows],
                                   on_days(calendar.tested, these), years[0].start_year)
            vision = vision_year(rng, these, traits, on_days(calendar.screened, these),
                                 previous, schools)
            write_fitness(ctx, fitness, year.pk, calendar, standard)
            write_vision(ctx, vision, year.pk, calendar)
            write_import_audits(ctx, fitness, vision, year, calendar, schools, standard)
            current = year.is_current
            for opened in (fitness_follow_ups(fitness, year.pk, calendar),
                           myopia_follow_ups(vision, year.pk, calendar)):
                follow_ups += write_follow_ups(ctx, rng, opened, current, content_type)
            previous = vision
            stage.advance(len(rows))
    stage.close()
    # Every pupil has one result and one screening a year.
    ctx.counts.update({"fitness_results": len(pupils), "vision_screenings": len(pupils),
                       "health_follow_ups": follow_ups})
