"""Every read of health records for a user, scoped by ``core.scoping.visible_to``.

Aggregates are built from one GROUP BY per table — counts per (year, institution, class,
grade, sex) — and rolled up with ``rules/rates.py`` to class, school or county, so a
city's 300k students cost two small queries, not a row per student in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.db.models import Avg, Count, F, Q, QuerySet, Sum

from edugov.core.roles import REGION_ROLES, Role
from edugov.core.scoping import scope_of, visible_to
from edugov.health.models import (
    PASSING_LEVELS,
    FitnessLevel,
    FitnessResult,
    FollowUp,
    VisionScreening,
)
from edugov.health.rules import rates
from edugov.health.rules.fitness_standard import ITEMS
from edugov.health.rules.fitness_table import ITEM_COLUMNS
from edugov.registry.choices import RegionLevel
from edugov.registry.models import Enrolment, Institution, Region, Student

KEYS = ["year", "institution_id", "class_id", "grade", "sex"]
#: Where counts are taken: a region's subtree, one school, or (None) all the user sees.
Unit = Region | Institution | None
SCORED_ITEMS = ("bmi", *ITEMS)
ITEM_NAMES = {"bmi": "BMI", **ITEM_COLUMNS}


def results_for(user: Any) -> QuerySet[FitnessResult]:
    return visible_to(user, FitnessResult.objects.select_related(
        "student", "academic_year", "institution", "school_class"))


def screenings_for(user: Any) -> QuerySet[VisionScreening]:
    return visible_to(user, VisionScreening.objects.select_related(
        "student", "academic_year", "institution", "school_class"))


def follow_ups_for(user: Any) -> QuerySet[FollowUp]:
    """The school's follow-ups; a teacher without a school or bureau role sees only those
    of the classes they head."""
    items = visible_to(user, FollowUp.objects.select_related(
        "student", "institution", "school_class", "academic_year"))
    scope = scope_of(user)
    heads_only = not scope.everything and scope.roles <= {Role.TEACHER.value}
    if heads_only:
        staff_id = getattr(user, "staff_id", None)
        return items.filter(school_class__head_teacher_id=staff_id) if staff_id \
            else items.none()
    return items


def student_for(user: Any, pk: int) -> Student:
    """A student the user may see a health report of: in their jurisdiction, or their own
    child (a parent's Guardian link by 身份证号). Anything else does not exist (404)."""
    student = visible_to(user, Student.objects.all()).filter(pk=pk).first()
    if student is None and Role.PARENT.value in scope_of(user).roles:
        student = children_of(user).filter(pk=pk).first()
    if student is None:
        raise Student.DoesNotExist
    return student


def region_for(user: Any, code: str) -> Region:
    """A region in the user's jurisdiction (else Region.DoesNotExist: 404)."""
    return visible_to(user, Region.objects.all()).get(code=code)


def school_for(user: Any, code: str) -> Institution:
    """A school in the user's jurisdiction (else Institution.DoesNotExist: 404)."""
    return visible_to(user, Institution.objects.all()).get(code=code)


def children_of(user: Any) -> QuerySet[Student]:
    """Registry students whose 身份证号 a parent account has registered as their child."""
    from edugov.enrollment.models import Guardian

    if not getattr(user, "is_authenticated", False):
        return Student.objects.none()
    numbers = Guardian.objects.filter(user=user).values("child_id_number")
    return Student.objects.filter(id_number__in=numbers).select_related("current_institution")


# -- counts --------------------------------------------------------------------------------


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


def within(queryset: QuerySet[Any], unit: Unit) -> QuerySet[Any]:
    """Rows of a model with an ``institution`` (enrolments, results, screenings) in ``unit``."""
    if isinstance(unit, Institution):
        return queryset.filter(institution=unit)
    if isinstance(unit, Region):
        return queryset.filter(institution__region__path__startswith=unit.path)
    return queryset


def enrolled_counts(user: Any, years: list[int], unit: Unit = None) -> pd.DataFrame:
    rows = (within(visible_to(user, Enrolment.objects.all()), unit)
            .filter(academic_year__start_year__in=years, status="active", grade__gte=1)
            .values(year=F("academic_year__start_year"), class_id=F("school_class_id"),
                    sex=F("student__sex"))
            .annotate(enrolled=Count("id")).values("year", "institution_id", "class_id",
                                                   "grade", "sex", "enrolled")
            .order_by())
    return _frame(list(rows), [*KEYS, "enrolled"])


def fitness_counts(user: Any, years: list[int], unit: Unit = None) -> pd.DataFrame:
    """Per (year, institution, class, grade, sex): enrolled, tested, passed, … total_sum."""
    tested = ~Q(level=FitnessLevel.EXEMPT)
    rows = (within(visible_to(user, FitnessResult.objects.all()), unit)
            .filter(academic_year__start_year__in=years)
            .values(year=F("academic_year__start_year"), class_id=F("school_class_id"))
            .annotate(
                tested=Count("id", filter=tested),
                passed=Count("id", filter=Q(level__in=PASSING_LEVELS)),
                good_or_excellent=Count("id", filter=Q(level__in=[FitnessLevel.EXCELLENT,
                                                                  FitnessLevel.GOOD])),
                excellent=Count("id", filter=Q(level=FitnessLevel.EXCELLENT)),
                total_sum=Sum("total", filter=tested, default=0.0))
            .values(*KEYS, "tested", "passed", "good_or_excellent", "excellent", "total_sum")
            .order_by())
    results = _frame(list(rows), [*KEYS, "tested", "passed", "good_or_excellent",
                                  "excellent", "total_sum"])
    return _merge(enrolled_counts(user, years, unit), results)


def vision_counts(user: Any, years: list[int], unit: Unit = None) -> pd.DataFrame:
    # Annotations may not reuse the model's field names (myopia, …): prefix, then rename.
    flags = {"screened": Q(), "myopic": Q(myopia=True), "high_myopia": Q(high_myopia=True),
             "new_myopia": Q(new_myopia=True), "at_risk": Q(new_myopia__isnull=False),
             "low_vision": Q(low_vision=True)}
    rows = (within(visible_to(user, VisionScreening.objects.all()), unit)
            .filter(academic_year__start_year__in=years)
            .values(year=F("academic_year__start_year"), class_id=F("school_class_id"))
            .annotate(**{f"n_{name}": Count("id", filter=q) for name, q in flags.items()})
            .values(*KEYS, *(f"n_{name}" for name in flags)).order_by())
    frame = _frame(list(rows), [*KEYS, *(f"n_{name}" for name in flags)])
    return frame.rename(columns={f"n_{name}": name for name in flags})


def _merge(enrolled: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    # class_id is None for unplaced pupils; a sentinel keeps them in the join.
    for frame in (enrolled, results):
        frame["class_id"] = frame["class_id"].fillna(0).astype(int)
    merged = enrolled.merge(results, on=KEYS, how="outer")
    counts = [c for c in merged.columns if c not in KEYS]
    merged[counts] = merged[counts].fillna(0)
    return merged


# -- roll-up units ---------------------------------------------------------------------------


def with_units(counts: pd.DataFrame) -> pd.DataFrame:
    """Add school and county names (a school under a township counts in its county)."""
    frame = counts.copy()
    ids = sorted(set(frame["institution_id"].astype(int))) if len(frame) else []
    schools = pd.DataFrame(list(Institution.objects.filter(pk__in=ids).values_list(
        "id", "code", "name", "region__path")), columns=["institution_id", "school_code",
                                                        "school", "path"])
    counties = dict(Region.objects.filter(level=RegionLevel.COUNTY).values_list("path", "name"))
    codes = dict(Region.objects.filter(level=RegionLevel.COUNTY).values_list("path", "code"))

    def county_path(path: str) -> str:
        parts = path.strip("/").split("/")
        for end in range(len(parts), 0, -1):
            prefix = "/" + "/".join(parts[:end]) + "/"
            if prefix in counties:
                return prefix
        return ""

    schools["county_path"] = schools["path"].map(county_path)
    schools["county"] = schools["county_path"].map(counties).fillna("")
    schools["county_code"] = schools["county_path"].map(codes).fillna("")
    frame["institution_id"] = frame["institution_id"].astype(int)
    return frame.merge(schools.drop(columns=["path", "county_path"]), on="institution_id",
                       how="left")


def fitness_summary(user: Any, *, years: list[int], by: list[str],
                    unit: Unit = None) -> pd.DataFrame:
    """Rates per ``by`` (any of year, county, county_code, school, school_code,
    institution_id, class_id, grade, sex), over ``unit`` or all the user sees."""
    return rates.summarise(with_units(fitness_counts(user, years, unit)), by, kind="fitness")


def vision_summary(user: Any, *, years: list[int], by: list[str],
                   unit: Unit = None) -> pd.DataFrame:
    return rates.summarise(with_units(vision_counts(user, years, unit)), by, kind="vision")


#: Rates a ranking may order by: (table, higher is better).
RANKED_RATES: dict[str, tuple[str, bool]] = {
    **dict.fromkeys(("test_rate", "pass_rate", "good_rate", "excellent_rate", "mean_total"),
                    ("fitness", True)),
    **dict.fromkeys(rates.VISION_RATES, ("vision", False)),
}


def rate_base(rate: str) -> str:
    """The count a rate divides by (实测人数 for 平均分)."""
    if rate == "mean_total":
        return "tested"
    return {**rates.FITNESS_RATES, **rates.VISION_RATES}[rate][1]


@dataclass(frozen=True)
class RankedUnit:
    code: str
    name: str
    value: float | None
    rank: int | None
    base: int                        # the rate's denominator this year
    trend: dict[int, float | None]   # the rate in every year asked for


def ranking(user: Any, *, rate: str, years: list[int], level: str,
            unit: Unit = None) -> list[RankedUnit]:
    """Counties or schools (``level``) within ``unit`` ranked on ``rate`` in the last of
    ``years`` (competition ranking; no value, no rank), each with its trend."""
    kind, higher_is_better = RANKED_RATES[rate]
    code, name = ("county_code", "county") if level == "county" else ("school_code", "school")
    summary = (fitness_summary if kind == "fitness" else vision_summary)(
        user, years=years, by=["year", code, name], unit=unit)
    summary = summary[summary[code].fillna("") != ""]
    if summary.empty:
        return []
    current = summary[summary["year"] == years[-1]].copy()
    current["rank"] = rates.rank(current, rate, higher_is_better=higher_is_better)
    trend = summary.pivot_table(index=code, columns="year", values=rate, aggfunc="first",
                                dropna=False)
    base = rate_base(rate)
    ranked = []
    for row in current.sort_values(["rank", code], na_position="last").to_dict("records"):
        history = trend.loc[row[code]] if row[code] in trend.index else {}
        ranked.append(RankedUnit(
            code=str(row[code]), name=str(row[name]), value=_number(row[rate]),
            rank=None if pd.isna(row["rank"]) else int(row["rank"]),
            base=int(row[base]), trend={y: _number(history.get(y)) for y in years}))
    return ranked


def _number(value: Any) -> float | None:
    """A pandas cell as a plain float, None where it has no value (NaN, NA, missing)."""
    return None if value is None or pd.isna(value) else float(value)


def item_means(results: QuerySet[FitnessResult]) -> dict[str, float]:
    """Mean single-item score per item over ``results`` (tested, non-exempt only)."""
    means = results.exclude(level=FitnessLevel.EXEMPT).aggregate(
        **{code: Avg(f"{code}_score") for code in SCORED_ITEMS})
    return {code: float(v) for code, v in means.items() if v is not None}


def weak_points(results: QuerySet[FitnessResult]) -> list[tuple[str, float]]:
    means = item_means(results)
    return [(ITEM_NAMES[code], means[code]) for code in rates.weak_items(means)]


def may_see_rankings(user: Any) -> bool:
    return scope_of(user).has_role(*REGION_ROLES)


# -- a student's report card ---------------------------------------------------------------


@dataclass(frozen=True)
class ItemLine:
    name: str
    result: str
    score: float | None
    level: str
    change: float | None  # score change from last year's result, when both exist


def item_level(score: float | None) -> str:
    """单项等级 by the same bands as the total (优秀 ≥ 90, 良好 ≥ 80, 及格 ≥ 60)."""
    if score is None:
        return ""
    return "优秀" if score >= 90 else "良好" if score >= 80 else "及格" if score >= 60 \
        else "不及格"


def format_result(code: str, value: float | None) -> str:
    if value is None:
        return ""
    if code in ("run_1000m_male", "run_800m_female"):
        minutes, seconds = divmod(round(value), 60)
        return f"{minutes}'{seconds:02d}\""
    units = {"vital_capacity": "毫升", "run_50m": "秒", "sit_and_reach": "厘米",
             "rope_skipping_1min": "次", "sit_up_1min": "次", "shuttle_50mx8": "秒",
             "standing_long_jump": "厘米", "pull_up": "次", "bmi": ""}
    return f"{value:g}{units.get(code, '')}"


def report_lines(result: FitnessResult, previous: FitnessResult | None) -> list[ItemLine]:
    lines = []
    for code in SCORED_ITEMS:
        score = getattr(result, f"{code}_score")
        value = result.bmi if code == "bmi" else getattr(result, code)
        if score is None and value is None:
            continue
        before = getattr(previous, f"{code}_score") if previous is not None else None
        change = score - before if score is not None and before is not None else None
        lines.append(ItemLine(ITEM_NAMES[code], format_result(code, value), score,
                              item_level(score), change))
    return lines


@dataclass(frozen=True)
class ReportCard:
    student: Student
    result: FitnessResult | None
    previous: FitnessResult | None
    lines: list[ItemLine]
    screening: VisionScreening | None

    @property
    def total_change(self) -> float | None:
        if self.result is None or self.previous is None:
            return None
        if self.result.total is None or self.previous.total is None:
            return None
        return self.result.total - self.previous.total

    @property
    def advice_needed(self) -> bool:
        """A letter home when the year failed or the screening found myopia or low vision."""
        failed = self.result is not None and self.result.level == FitnessLevel.FAIL
        eyes = self.screening is not None and (self.screening.myopia
                                               or self.screening.low_vision)
        return failed or eyes


def report_card(student: Student, *, year: int | None = None) -> ReportCard:
    """The student's latest (or ``year``'s) result with last year's for comparison."""
    results = FitnessResult.objects.filter(student=student).select_related(
        "academic_year", "institution").order_by("-academic_year__start_year")
    if year is not None:
        results = results.filter(academic_year__start_year__lte=year)
    result = results.first()
    previous = None
    if result is not None:
        previous = results.filter(
            academic_year__start_year=result.academic_year.start_year - 1).first()
    screenings = VisionScreening.objects.filter(student=student).order_by(
        "-academic_year__start_year")
    if year is not None:
        screenings = screenings.filter(academic_year__start_year__lte=year)
    lines = report_lines(result, previous) if result is not None else []
    return ReportCard(student, result, previous, lines, screenings.first())
