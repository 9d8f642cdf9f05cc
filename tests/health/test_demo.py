"""The health demo on the tiny scale: every pupil tested and screened each year, plausible
rates, scores and classifications exactly the rules', an import of the demo's own file
changes nothing, follow-ups as the import opens them, the same seed the same data."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Q

from edugov.core.models import AuditLog
from edugov.demo.bulk import BulkWriter
from edugov.demo.context import DemoContext
from edugov.demo.discovery import discover_builders
from edugov.demo.orchestrator import build_demo
from edugov.demo.scales import SCALES
from edugov.health import demo, services
from edugov.health.models import (
    LEVEL_CODES,
    FitnessResult,
    FollowUp,
    FollowUpReason,
    VisionScreening,
)
from edugov.health.rules.fitness import score_fitness
from edugov.health.rules.fitness_standard import ITEMS, builtin_standard
from edugov.health.rules.fitness_table import ITEM_COLUMNS
from edugov.health.rules.vision import EyeReadings, classify
from edugov.health.workflow import FOLLOW_UP
from edugov.registry import models as m
from edugov.workflow.models import StateChange
from tests.health.reference_scorer import ReferenceScorer

SEED = 7
CURRENT = 2025
pytestmark = pytest.mark.usefixtures("tiny_health_demo", "db")


def build_tiny(seed: int) -> None:
    """The registry's and this app's builders only, through the orchestrator: other
    scenarios' demo data is theirs to test (and would only slow this down)."""
    builders = [b for b in discover_builders() if b.app_label in ("registry", "health")]
    build_demo(scale=SCALES["tiny"], seed=seed, builders=builders)


@pytest.fixture(scope="module")
def tiny_health_demo(django_db_setup: None,
                     django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        build_tiny(SEED)
        yield
        transaction.set_rollback(True)
    # A flush recreates content types; the rollback brings the old ones back.
    ContentType.objects.clear_cache()


def pupils_of(year: int) -> set[tuple[int, int, int | None, int, str]]:
    return set(m.Enrolment.objects.filter(
        academic_year__start_year=year, status="active", grade__gte=1, grade__lte=12)
        .values_list("student_id", "institution_id", "school_class_id", "grade",
                     "student__sex"))


def records_of(model: type[FitnessResult] | type[VisionScreening],
               year: int) -> list[tuple[int, int, int | None, int, str]]:
    return list(model.objects.filter(academic_year__start_year=year).values_list(
        "student_id", "institution_id", "school_class_id", "grade", "sex"))


def test_every_pupil_of_grades_1_to_12_is_tested_and_screened_each_year() -> None:
    years = sorted(m.AcademicYear.objects.filter(
        start_year__gte=CURRENT - demo.YEARS_BACK).values_list("start_year", flat=True))
    assert len(years) >= 2
    for model in (FitnessResult, VisionScreening):
        assert sorted(set(model.objects.values_list("academic_year__start_year",
                                                    flat=True))) == years
        for year in years:
            stored = records_of(model, year)
            assert len(stored) == len(set(stored)) and set(stored) == pupils_of(year)


def scored_results() -> Any:
    return FitnessResult.objects.exclude(level="exempt")


def test_fitness_grades_land_in_plausible_shares() -> None:
    levels = Counter(scored_results().values_list("level", flat=True))
    n = sum(levels.values())
    assert 0.86 <= 1 - levels["fail"] / n <= 0.98
    assert 0.12 <= levels["excellent"] / n <= 0.35
    assert 0.18 <= levels["good"] / n <= 0.42
    exempt = FitnessResult.objects.filter(level="exempt")
    assert exempt.exists() and not exempt.filter(Q(exempt_reason="") | Q(
        total__isnull=False)).exists()
    retested = FitnessResult.objects.filter(retested=True)
    assert retested.exists() and not retested.filter(first_total__gte=60).exists()


def myopia_rate(grades: range) -> float:
    rows = VisionScreening.objects.filter(grade__in=grades)
    return rows.filter(myopia=True).count() / rows.count()


def test_myopia_rises_with_grade_and_high_myopia_comes_late() -> None:
    first, primary = myopia_rate(range(1, 3)), myopia_rate(range(1, 7))
    junior, senior = myopia_rate(range(7, 10)), myopia_rate(range(10, 13))
    assert 0.03 <= first <= 0.4 and 0.55 <= senior <= 0.95
    assert first < primary < junior < senior
    high = VisionScreening.objects.filter(high_myopia=True)
    assert high.filter(grade__gte=7).exists() and not high.filter(grade__lte=3).exists()


def test_myopia_persists_and_new_myopia_is_against_last_years_screening() -> None:
    before = dict(VisionScreening.objects.filter(academic_year__start_year=CURRENT - 1)
                  .values_list("student_id", "myopia"))
    now = VisionScreening.objects.filter(academic_year__start_year=CURRENT)
    stayed = [myopic for student, myopic in now.values_list("student_id", "myopia")
              if before.get(student)]
    assert len(stayed) > 50 and sum(stayed) / len(stayed) >= 0.85
    for student, myopic, new in now.values_list("student_id", "myopia", "new_myopia"):
        at_risk = student in before and not before[student]
        assert new == (myopic if at_risk else None)
    assert now.filter(new_myopia=True).exists()


def fitness_arrays(rows: list[FitnessResult]) -> dict[str, Any]:
    def floats(name: str) -> np.ndarray:
        return np.array([getattr(r, name) for r in rows], dtype=float)

    return {"sex": np.array([r.sex == "F" for r in rows], dtype=int),
            "grade": np.array([r.grade for r in rows]),
            "height_cm": floats("height_cm"), "weight_kg": floats("weight_kg"),
            "results": {code: floats(code) for code in ITEMS},
            "exempt": np.array([r.level == "exempt" for r in rows])}


def test_scores_are_what_the_scorer_gives_for_the_stored_results() -> None:
    rows = list(FitnessResult.objects.order_by("pk"))
    scores = score_fitness(builtin_standard(), **fitness_arrays(rows))

    def same(stored: list[float | None], computed: np.ndarray) -> bool:
        return np.array_equal(np.array(stored, dtype=float), computed, equal_nan=True)

    assert same([r.total for r in rows], scores.total)
    assert same([r.standard_score for r in rows], scores.standard_score)
    assert same([r.bonus for r in rows], scores.bonus)
    assert same([r.bmi for r in rows], scores.bmi)
    assert same([r.bmi_score for r in rows], scores.bmi_score)
    for code in ITEMS:
        assert same([getattr(r, f"{code}_score") for r in rows], scores.item_scores[code])
    assert [r.level for r in rows] == [LEVEL_CODES[label] for label in scores.level]
    # And the independent per-row reference scorer agrees on every tested student.
    reference = ReferenceScorer()
    for r in rows:
        if r.level != "exempt":
            assert r.height_cm is not None and r.weight_kg is not None
            results = {code: getattr(r, code) for code in ITEMS}
            expected = reference.score(r.sex, r.grade, r.height_cm, r.weight_kg, results)
            assert (r.total, r.level) == (expected["total"], LEVEL_CODES[str(expected["level"])])


def test_screenings_are_classified_as_the_rules_classify_them() -> None:
    rows = list(VisionScreening.objects.order_by("pk"))

    def eye(side: str) -> EyeReadings:
        return EyeReadings(*(np.array([getattr(r, f"{side}_{key}") for r in rows], dtype=float)
                             for key in ("uncorrected", "corrected", "sphere", "cylinder",
                                         "axis")))

    result = classify(age=np.array([r.age for r in rows]),
                      correction=np.array([r.correction for r in rows], dtype=object),
                      right=eye("right"), left=eye("left"))
    assert result.complete.all()
    assert [r.myopia for r in rows] == result.myopia.tolist()
    assert [r.high_myopia for r in rows] == result.high_myopia.tolist()
    assert [r.pre_myopia for r in rows] == result.pre_myopia.tolist()
    assert [r.low_vision for r in rows] == result.low_vision.tolist()
    assert [r.get_myopia_severity_display() if r.myopia_severity else ""
            for r in rows] == result.myopia_severity.tolist()
    assert {r.correction for r in rows} >= {"none", "frame", "ortho_k"}


# -- the demo's own file, imported again, changes nothing -------------------------------------


def number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else repr(value)


def write_rows(path: Path, headers: list[str], rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
    return path


FITNESS_HEADERS = ["学籍号", "年级", "性别", "身高(cm)", "体重(kg)", *ITEM_COLUMNS.values(),
                   "免测原因"]
VISION_HEADERS = ["学籍号", "年级", "性别", "筛查日期", "戴镜类型",
                  *(f"{eye}{name}" for eye in ("右眼", "左眼")
                    for name in ("裸眼视力", "戴镜视力", "球镜", "柱镜", "轴位"))]
EYE_FIELDS = ("uncorrected", "corrected", "sphere", "cylinder", "axis")


def fitness_file_row(r: FitnessResult) -> dict[str, str]:
    row = {"学籍号": r.student.student_no, "年级": str(r.grade), "性别": r.get_sex_display(),
           "身高(cm)": number(r.height_cm), "体重(kg)": number(r.weight_kg),
           "免测原因": r.exempt_reason}
    row.update({name: number(getattr(r, code)) for code, name in ITEM_COLUMNS.items()})
    return row


def vision_file_row(r: VisionScreening) -> dict[str, str]:
    row = {"学籍号": r.student.student_no, "年级": str(r.grade), "性别": r.get_sex_display(),
           "筛查日期": str(r.screened_on), "戴镜类型": r.get_correction_display()}
    for side, eye in (("right", "右眼"), ("left", "左眼")):
        for key, name in zip(EYE_FIELDS, ("裸眼视力", "戴镜视力", "球镜", "柱镜", "轴位"),
                             strict=True):
            row[f"{eye}{name}"] = number(getattr(r, f"{side}_{key}"))
    return row


def snapshot(model: type[FitnessResult] | type[VisionScreening],
             school: m.Institution) -> dict[int, tuple[Any, ...]]:
    names = [f.attname for f in model._meta.concrete_fields
             if f.name not in ("id", "imported_at")]
    return {row[0]: row for row in model.objects.filter(
        institution=school, academic_year__start_year=CURRENT).order_by(
        "student_id").values_list(*names)}


def test_importing_a_schools_own_demo_file_changes_nothing(tmp_path: Path) -> None:
    school = m.Institution.objects.filter(kind="primary").annotate(
        n=Count("enrolments", filter=Q(enrolments__academic_year__is_current=True))
    ).order_by("-n", "code").first()
    assert school is not None
    year = m.AcademicYear.objects.get(start_year=CURRENT)
    results = FitnessResult.objects.filter(institution=school, academic_year=year)
    screenings = VisionScreening.objects.filter(institution=school, academic_year=year)
    fitness_before, vision_before = snapshot(FitnessResult, school), snapshot(
        VisionScreening, school)
    follow_ups = FollowUp.objects.count()
    # A retest row needs the first test's results, which are not kept: leave those out.
    fitness_file = write_rows(tmp_path / "f.csv", FITNESS_HEADERS, [
        fitness_file_row(r) for r in results.filter(retested=False).select_related("student")])
    vision_file = write_rows(tmp_path / "v.csv", VISION_HEADERS,
                             [vision_file_row(r) for r in screenings.select_related("student")])
    fitness = services.import_fitness(actor=None, path=fitness_file, school=school, year=year)
    vision = services.import_vision(actor=None, path=vision_file, school=school, year=year)
    assert (fitness.errors, vision.errors) == ([], [])
    assert fitness.written == results.filter(retested=False).count() > 0
    assert vision.written == len(vision_before)
    assert (fitness.follow_ups, vision.follow_ups, FollowUp.objects.count()) == (
        0, 0, follow_ups)
    assert snapshot(FitnessResult, school) == fitness_before
    assert snapshot(VisionScreening, school) == vision_before


# -- follow-ups ------------------------------------------------------------------------------


def test_every_failure_and_every_myopic_screening_has_the_imports_follow_up() -> None:
    failing = {(r.student_id, r.academic_year_id): f"学年总分 {r.total:.1f}"
               for r in FitnessResult.objects.filter(level="fail")}
    myopic = {(s.student_id, s.academic_year_id): services._myopia_detail(s)
              for s in VisionScreening.objects.filter(myopia=True)}
    items = FollowUp.objects.all()
    assert {(f.student_id, f.academic_year_id): f.detail
            for f in items.filter(reason=FollowUpReason.FITNESS)} == failing
    assert {(f.student_id, f.academic_year_id): f.detail
            for f in items.filter(reason=FollowUpReason.MYOPIA)} == myopic
    placed = {(e[0], e[1]): e[2:] for e in m.Enrolment.objects.values_list(
        "student_id", "academic_year_id", "institution_id", "school_class_id")}
    assert all(placed[f[0], f[1]] == f[2:] for f in items.values_list(
        "student_id", "academic_year_id", "institution_id", "school_class_id"))


def test_follow_up_histories_are_valid_paths_past_years_closed() -> None:
    kind = ContentType.objects.get_for_model(FollowUp)
    history: defaultdict[str, list[StateChange]] = defaultdict(list)
    for change in StateChange.objects.filter(content_type=kind).order_by("at", "pk"):
        history[change.object_id].append(change)
    items = list(FollowUp.objects.select_related("academic_year"))
    assert len(history) == len(items)
    for item in items:
        steps = history[str(item.pk)]
        assert (steps[0].transition, steps[0].evidence, steps[0].at) == (
            "create", {"source": "import"}, item.created_at)
        state = FOLLOW_UP.initial
        for step in steps[1:]:
            t = FOLLOW_UP.check(state, step.transition, roles=None, reason=step.reason)
            assert (step.from_state, step.to_state) == (state, t.target)
            state = t.target
        assert (item.state, item.state_changed_at) == (state, steps[-1].at)
        assert item.due_at == FOLLOW_UP.due_at(state, steps[-1].at)
        if not item.academic_year.is_current:
            assert item.state == "closed"
    states = Counter(i.state for i in items if i.academic_year.is_current)
    assert states["notified"] and states["closed"]


def test_a_follow_up_is_what_open_follow_ups_opens() -> None:
    item = FollowUp.objects.filter(state=FOLLOW_UP.initial).order_by("pk").first()
    assert item is not None
    fields = ["student_id", "academic_year_id", "institution_id", "school_class_id", "reason",
              "detail", "state", "state_changed_at", "due_at"]
    expected = [getattr(item, name) for name in fields]
    StateChange.objects.filter(object_id=str(item.pk),
                               content_type=ContentType.objects.get_for_model(item)).delete()
    item.delete()
    opened = services.open_follow_ups(
        actor=None, year=item.academic_year, reason=item.reason,
        students=[(item.student_id, item.institution_id, item.school_class_id, item.detail)],
        now=item.created_at)
    again = FollowUp.objects.get(student=item.student_id, academic_year=item.academic_year_id,
                                 reason=item.reason)
    assert opened == 1 and [getattr(again, name) for name in fields] == expected


def test_each_school_file_has_an_import_audit_row() -> None:
    rows = AuditLog.objects.filter(action="import", entity="health.visionscreening")
    files = set(VisionScreening.objects.values_list("institution__code",
                                                    "academic_year__start_year"))
    assert {(r.object_id, r.details["year"]) for r in rows} == files
    assert all(r.at < dt.datetime(CURRENT + 1, 1, 1, tzinfo=dt.UTC) for r in rows)


# -- reproducible, and three years when the registry has them ---------------------------------


def health_digest() -> str:
    digest = hashlib.sha256()
    key = ("student__student_no", "academic_year__start_year", "institution__code")
    for model in (FitnessResult, VisionScreening):
        names = [f.attname for f in model._meta.concrete_fields
                 if not f.is_relation and f.name != "id"]
        for row in model.objects.order_by(*key).values_list(*key, *names):
            digest.update(repr(row).encode())
    for row in FollowUp.objects.order_by(*key, "reason").values_list(
            *key, "reason", "detail", "state", "state_changed_at", "due_at", "created_at"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def rebuild_health(seed: int) -> DemoContext:
    """Run this app's builder again over the same registry."""
    StateChange.objects.filter(content_type=ContentType.objects.get_for_model(FollowUp)).delete()
    FollowUp.objects.all().delete()
    FitnessResult.objects.all().delete()
    VisionScreening.objects.all().delete()
    AuditLog.objects.filter(entity__startswith="health.").delete()
    ctx = DemoContext(scale=SCALES["tiny"], seed=seed, writer=BulkWriter())
    ctx.shared["registry"] = object()
    demo.build(ctx)
    ctx.writer.finish()
    return ctx


def test_same_seed_same_health_data_other_seed_other() -> None:
    built = health_digest()
    rebuild_health(SEED)
    assert health_digest() == built
    rebuild_health(SEED + 1)
    assert health_digest() != built


def add_year_before(first: m.AcademicYear) -> m.AcademicYear:
    """A year before the registry's first, with the same pupils one grade lower."""
    year = m.AcademicYear.objects.create(start_year=first.start_year - 1, is_current=False)
    m.Enrolment.objects.bulk_create([
        m.Enrolment(student_id=e.student_id, academic_year=year, institution_id=e.institution_id,
                    grade=e.grade - 1, status="active")
        for e in m.Enrolment.objects.filter(academic_year=first, grade__gte=2)])
    return year


def test_the_three_latest_years_of_the_registry() -> None:
    """The registry holds three years; a fourth, older one is left out."""
    first = m.AcademicYear.objects.order_by("start_year").first()
    assert first is not None and first.start_year == CURRENT - 2
    add_year_before(first)
    ctx = rebuild_health(SEED)
    by_year = {year: (n, new) for year, n, new in VisionScreening.objects.values_list(
        "academic_year__start_year").annotate(
        n=Count("id"), new=Count("id", filter=Q(new_myopia__isnull=False))).order_by()}
    assert sorted(by_year) == [CURRENT - 2, CURRENT - 1, CURRENT]
    assert by_year[CURRENT - 2] == (len(pupils_of(CURRENT - 2)), 0)
    assert all(new > 0 for _n, new in (by_year[CURRENT - 1], by_year[CURRENT]))
    assert ctx.counts["fitness_results"] == FitnessResult.objects.count()
