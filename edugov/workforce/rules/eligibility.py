"""Who must rotate (交流轮岗) this year, from plain assignment histories.

Policy (policy-rules.md §5.1, 教师〔2014〕4号 as implemented by provinces):

* 公办学校在编在岗教师 who have taught at the same school continuously for 6 years or more;
* principals and vice-principals after two terms (届) at the same school;
* not required: within 5 years of retirement (recall, unverified — provinces differ) and
  anyone the bureau exempts by name (illness, pregnancy, …);
* the year's quota: at least 10% of the eligible, of whom 骨干 at least 20% of those rotated.

Tenure is a query over the Assignment history, not a field: consecutive assignments at the
same institution (any post, gaps of at most ``max_gap_days``) form one continuous spell.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

TEACHER, PRINCIPAL = "teacher", "principal"

#: Why someone is or is not on the list (Chinese labels for pages and exports).
REASONS = {
    "tenure": "在同一学校连续任教满规定年限",
    "principal_terms": "在同一学校任校长满两届",
    "short_tenure": "连续任教年限不足",
    "near_retirement": "距退休不足规定年限",
    "exempted": "经批准暂缓交流",
    "not_established": "非在编教师",
    "no_assignment": "无在岗任职记录",
}


@dataclass(frozen=True)
class EligibilityRules:
    teacher_years: int = 6
    principal_terms: int = 2
    #: Years per 届 of a principal (provincial; 3 in most implementations, recall).
    principal_term_years: int = 3
    retirement_exemption_years: int = 5
    #: Statutory ages before the 2025 渐进式延迟退休 reform; pass the person's own age under
    #: the reform's schedule through ``StaffFacts.retirement_age`` when known.
    retirement_age: Mapping[str, int] = field(default_factory=lambda: {"M": 60, "F": 55})
    #: assign_staff closes the old post the day before the new one opens, so 1 day is
    #: contiguous; a longer gap (e.g. secondment) breaks continuity.
    max_gap_days: int = 1
    quota_share: float = 0.10
    backbone_share: float = 0.20


@dataclass(frozen=True)
class Spell:
    """One assignment row: plain data from registry.Assignment."""

    staff: int
    institution: int
    post: str
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class StaffFacts:
    staff: int
    sex: str
    birth_date: dt.date
    established: bool = True
    backbone: bool = False
    retirement_age: int | None = None


@dataclass(frozen=True)
class Eligibility:
    staff: int
    institution: int | None
    post: str
    since: dt.date | None
    years: int
    eligible: bool
    reason: str
    backbone: bool = False

    @property
    def reason_label(self) -> str:
        return REASONS[self.reason]


def whole_years(start: dt.date, on: dt.date) -> int:
    """Completed years from ``start`` to ``on`` (a 6-year spell from 2019-09-01 is complete
    on 2025-09-01)."""
    years = on.year - start.year
    if (on.month, on.day) < (start.month, start.day):
        years -= 1
    return max(0, years)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year + years, day=28)


def continuous_spells(spells: Iterable[Spell], on: dt.date, *,
                      max_gap_days: int = 1) -> dict[int, tuple[int, str, dt.date, dt.date]]:
    """For each staff member holding a post on ``on``: (institution, post, since at this
    school, since in this post at this school).

    One pass over the spells sorted by (staff, start); the caller loads them in one query.
    """
    result: dict[int, tuple[int, str, dt.date, dt.date]] = {}
    by_staff: dict[int, list[Spell]] = {}
    for spell in spells:
        if spell.start <= on:
            by_staff.setdefault(spell.staff, []).append(spell)
    for staff, rows in by_staff.items():
        rows.sort(key=lambda s: s.start)
        current = rows[-1]
        if current.end is not None and current.end < on:
            continue
        school_since = post_since = current.start
        for earlier, later in zip(reversed(rows[:-1]), reversed(rows[1:]), strict=True):
            gap = (later.start - (earlier.end or later.start)).days
            if earlier.institution != current.institution or gap > max_gap_days:
                break
            school_since = earlier.start
            if earlier.post == current.post and post_since == later.start:
                post_since = earlier.start
        result[staff] = (current.institution, current.post, school_since, post_since)
    return result


def retirement_date(facts: StaffFacts, rules: EligibilityRules) -> dt.date:
    age = facts.retirement_age or rules.retirement_age.get(facts.sex, 60)
    return add_years(facts.birth_date, age)


def assess(spells: Iterable[Spell], staff: Sequence[StaffFacts], on: dt.date, *,
           rules: EligibilityRules | None = None,
           exempt: Iterable[int] = ()) -> list[Eligibility]:
    """The eligibility of every staff member in ``staff`` on ``on`` (the rotation date)."""
    rules = rules or EligibilityRules()
    exempted = set(exempt)
    spans = continuous_spells(spells, on, max_gap_days=rules.max_gap_days)
    result = []
    for facts in staff:
        span = spans.get(facts.staff)
        if span is None:
            result.append(Eligibility(facts.staff, None, "", None, 0, False, "no_assignment",
                                      facts.backbone))
            continue
        institution, post, school_since, post_since = span
        result.append(_judge(facts, institution, post, school_since, post_since, on, rules,
                             facts.staff in exempted))
    return result


def _judge(facts: StaffFacts, institution: int, post: str, school_since: dt.date,
           post_since: dt.date, on: dt.date, rules: EligibilityRules,
           exempted: bool) -> Eligibility:
    is_principal = post == PRINCIPAL
    since = post_since if is_principal else school_since
    years = whole_years(since, on)
    needed = (rules.principal_terms * rules.principal_term_years if is_principal
              else rules.teacher_years)

    def verdict(eligible: bool, reason: str) -> Eligibility:
        return Eligibility(facts.staff, institution, post, since, years, eligible, reason,
                           facts.backbone)

    if not facts.established:
        return verdict(False, "not_established")
    if years < needed:
        return verdict(False, "short_tenure")
    retires = retirement_date(facts, rules)
    if retires < add_years(on, rules.retirement_exemption_years):
        return verdict(False, "near_retirement")
    if exempted:
        return verdict(False, "exempted")
    return verdict(True, "principal_terms" if is_principal else "tenure")


@dataclass(frozen=True)
class Quota:
    eligible: int
    minimum: int
    backbone_eligible: int

    def backbone_minimum(self, rotated: int, share: float = 0.20) -> int:
        """骨干 among ``rotated`` needed for the 20% rule (whole people, rounded up)."""
        return math.ceil(rotated * share - 1e-9)


def quota(eligibility: Sequence[Eligibility], rules: EligibilityRules | None = None) -> Quota:
    """At least ``quota_share`` of the eligible must rotate (优质均衡 item G11)."""
    rules = rules or EligibilityRules()
    eligible = [e for e in eligibility if e.eligible]
    return Quota(len(eligible), math.ceil(len(eligible) * rules.quota_share - 1e-9),
                 sum(1 for e in eligible if e.backbone))
