"""The rotation (交流轮岗) optimiser: who goes where, and a greedy baseline to compare with.

Policy (policy-rules.md §5.1 and §2.1): at least 10% of the eligible rotate each year,
骨干 at least 20% of those rotated; rotation should send teachers where they are needed
(shortage subjects, rural and weak schools) and narrow the gaps between schools that
优质均衡 measures with the enrolment-weighted 差异系数 of 每百名学生拥有县级以上骨干教师数 and
每百名学生拥有高于规定学历教师数 (教督〔2017〕6号, indicators 1 and 2).

The model is a MILP solved by HiGHS through OR-Tools' linear solver wrapper: a binary per
(eligible teacher, candidate destination). Its structure is a transportation problem whose
LP relaxation is nearly integral, which a MILP solver exploits; CP-SAT, tried first, did
not find a first feasible plan for a 5,000-teacher county within a minute.

* Objective. Teachers move within the county, so each indicator's county mean is fixed and
  the weighted CV² of indicator k over the schools of a level is, exactly,
  ``P / total_k² · Σ_s (a_s − T_s)² / P_s`` where a_s is the school's count after the moves,
  P_s its enrolment and T_s = total_k · P_s / P its fair share. Each term is a convex
  function of the integer a_s, modelled exactly at integer points by its secant lines
  (an epigraph variable above each secant), so
  the solver minimises the sum of the CV² (both indicators, every level) — not a proxy —
  plus a small weight on shortages left unfilled.
* Constraints. Quota and a cap on moves; 骨干 ≥ 20% of moves; a teacher moves at most once;
  locked teachers go where the official put them, excluded ones stay; per school and
  subject, staff after the moves stays within [min(before, need), max(before, need)] — a
  school keeps enough teachers of each subject and receives only where it has a need;
  destinations are the same level (小学/初中), rural or weak schools or schools short in
  the teacher's subject (teachers of rural and weak schools may also take a place a town
  teacher leaves — 双向交流), and within the commute limit when one is configured.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

from ortools.linear_solver import pywraplp

from edugov.metrics.rules.equity import weighted_cv

BACKBONE, QUALIFIED = "backbone", "qualified"
INDICATORS = {
    BACKBONE: "每百名学生拥有县级以上骨干教师数",
    QUALIFIED: "每百名学生拥有高于规定学历教师数",
}
#: How far a school's count may pass its fair share (or its current value) — see solve().
WINDOW = 3

#: Rule code → Chinese label, as reported by :func:`check_plan`.
RULES = {
    "quota": "交流人数不少于符合条件教师的规定比例",
    "cap": "交流人数不超过上限",
    "backbone_share": "骨干教师占交流人数比例达标",
    "eligible_only": "只交流符合条件的教师",
    "at_most_once": "每名教师至多交流一次",
    "locked": "锁定人员按指定学校交流",
    "excluded": "排除人员不交流",
    "same_level": "在同学段学校间交流",
    "receiving_need": "只向农村、薄弱学校或缺编学科交流（农村、薄弱学校教师可双向交流）",
    "staff_minimum": "各校各学科保留足够教师",
    "no_oversupply": "接收学校不超编接收",
    "commute": "通勤距离不超过上限",
}


@dataclass(frozen=True)
class School:
    id: int
    level: str  # "primary" / "junior": the 差异系数 is computed per level
    students: int
    #: 农村或薄弱学校: may receive teachers whatever their subject balance.
    receiving: bool = False
    #: 专任教师 needed per subject (from establishment.subject_need); absent: keep as is.
    need: Mapping[str, int] = field(default_factory=dict)
    location: tuple[float, float] | None = None  # km on a local grid, for commute limits


@dataclass(frozen=True)
class Teacher:
    id: int
    school: int
    subject: str
    backbone: bool = False  # 县级及以上骨干教师
    qualified: bool = False  # 高于规定学历 (小学 专科及以上, 初中 本科及以上)
    eligible: bool = False
    years: int = 0  # continuous years at the current school
    #: Tie-breaker among teachers the model cannot tell apart (积分制 points, or their
    #: negation when a county sends low scorers first): higher moves first.
    priority: float = 0.0


@dataclass(frozen=True)
class RotationRules:
    quota_share: float = 0.10
    backbone_share: float = 0.20
    #: Cap on moves as a share of the eligible (a local choice limiting disruption).
    max_share: float = 0.20
    max_commute_km: float | None = None
    #: Weight of one unfilled shortage in units of CV² (equity first, needs second).
    shortage_weight: float = 0.0005
    #: Destinations offered per teacher (half where the subject is short, half where the
    #: teacher's 骨干/学历 is scarcest); None offers every allowed school. Keeps a county of
    #: thousands of eligible teachers to tens of thousands of variables.
    candidates_per_teacher: int | None = 16
    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0


@dataclass(frozen=True)
class Move:
    teacher: int
    source: int
    destination: int


@dataclass
class Problem:
    schools: Sequence[School]
    teachers: Sequence[Teacher]
    rules: RotationRules = field(default_factory=RotationRules)
    locked: Mapping[int, int] = field(default_factory=dict)  # teacher → destination
    excluded: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        self.school_by_id = {s.id: s for s in self.schools}
        self.teacher_by_id = {t.id: t for t in self.teachers}
        self.eligible = [t for t in self.teachers if t.eligible]

    @property
    def min_moves(self) -> int:
        return math.ceil(len(self.eligible) * self.rules.quota_share - 1e-9)

    @property
    def max_moves(self) -> int:
        cap = math.floor(len(self.eligible) * self.rules.max_share + 1e-9)
        return max(cap, self.min_moves, len(self.locked))

    def staff_counts(self) -> Counter[tuple[int, str]]:
        return Counter((t.school, t.subject) for t in self.teachers)

    def bounds(self, school: int, subject: str, before: int) -> tuple[int, int]:
        """Staff allowed after the moves: keep enough, receive only up to the need."""
        need = self.school_by_id[school].need.get(subject, before)
        return min(before, need), max(before, need)

    def within_commute(self, source: int, destination: int) -> bool:
        limit = self.rules.max_commute_km
        a = self.school_by_id[source].location
        b = self.school_by_id[destination].location
        return limit is None or a is None or b is None or math.dist(a, b) <= limit

    def destination_allowed(self, teacher: Teacher, destination: School,
                            counts: Mapping[tuple[int, str], int]) -> bool:
        source = self.school_by_id[teacher.school]
        if destination.id == source.id or destination.level != source.level:
            return False
        short = destination.need.get(teacher.subject, 0) > counts.get(
            (destination.id, teacher.subject), 0)
        # 双向交流: a teacher from a rural or weak school may take the place a town teacher
        # leaves (the no-oversupply bound makes sure a place is free).
        return ((destination.receiving or short or source.receiving)
                and self.within_commute(source.id, destination.id))


@dataclass
class Plan:
    moves: list[Move]
    status: str  # "optimal", "feasible", "infeasible", "greedy"
    seconds: float
    message: str = ""


# --- equity ----------------------------------------------------------------------------

def counts_after(problem: Problem, moves: Iterable[Move]) -> dict[int, dict[str, int]]:
    """Per school: 骨干 and qualified teachers after ``moves``."""
    where = {t.id: t.school for t in problem.teachers}
    for move in moves:
        where[move.teacher] = move.destination
    result: dict[int, dict[str, int]] = {s.id: {BACKBONE: 0, QUALIFIED: 0}
                                         for s in problem.schools}
    for t in problem.teachers:
        result[where[t.id]][BACKBONE] += t.backbone
        result[where[t.id]][QUALIFIED] += t.qualified
    return result


def coefficients(problem: Problem, moves: Iterable[Move] = ()) -> dict[tuple[str, str], float]:
    """(level, indicator) → enrolment-weighted 差异系数 of the per-100-student rate."""
    counts = counts_after(problem, moves)
    result: dict[tuple[str, str], float] = {}
    for level in sorted({s.level for s in problem.schools}):
        here = [s for s in problem.schools if s.level == level and s.students > 0]
        for indicator in INDICATORS:
            rates = [100 * counts[s.id][indicator] / s.students for s in here]
            cv = weighted_cv(rates, [s.students for s in here])
            if cv is not None:
                result[level, indicator] = cv
    return result


# --- rule checks -----------------------------------------------------------------------

def check_plan(problem: Problem, moves: Sequence[Move]) -> dict[str, bool]:
    """Every rule of RULES, pass or fail, for any plan (the optimiser's or the baseline's)."""
    teachers = problem.teacher_by_id
    counts = problem.staff_counts()
    after = dict(counts)
    for move in moves:
        subject = teachers[move.teacher].subject
        after[move.source, subject] = after.get((move.source, subject), 0) - 1
        after[move.destination, subject] = after.get((move.destination, subject), 0) + 1
    moved = [m.teacher for m in moves]
    backbone = sum(teachers[m.teacher].backbone for m in moves)
    bounds = {key: problem.bounds(key[0], key[1], counts.get(key, 0)) for key in after}
    placed = {m.teacher: m.destination for m in moves}
    return {
        "quota": len(moves) >= problem.min_moves,
        "cap": len(moves) <= problem.max_moves,
        "backbone_share": backbone >= math.ceil(len(moves) * problem.rules.backbone_share
                                                - 1e-9),
        "eligible_only": all(teachers[t].eligible or t in problem.locked for t in moved),
        "at_most_once": len(moved) == len(set(moved)),
        "locked": all(placed.get(t) == s for t, s in problem.locked.items()),
        "excluded": not set(moved) & problem.excluded,
        "same_level": all(problem.school_by_id[m.source].level
                          == problem.school_by_id[m.destination].level for m in moves),
        "receiving_need": all(
            m.teacher in problem.locked or problem.destination_allowed(
                teachers[m.teacher], problem.school_by_id[m.destination], counts)
            for m in moves),
        "staff_minimum": all(after[k] >= bounds[k][0] for k in after),
        "no_oversupply": all(after[k] <= bounds[k][1] for k in after),
        "commute": all(problem.within_commute(m.source, m.destination) for m in moves),
    }


# --- the optimiser ---------------------------------------------------------------------

Var: TypeAlias = pywraplp.Variable


def _cv_squared_cost(total: int, students: int, level_students: int, value: int) -> float:
    """School's contribution to CV² when it holds ``value`` of the level's ``total``."""
    fair_share = total * students / level_students
    return level_students * (value - fair_share) ** 2 / (students * total ** 2)


def solve(problem: Problem) -> Plan:
    """The plan minimising the weighted CV² of both indicators under every rule."""
    started = time.perf_counter()
    if problem.excluded & set(problem.locked):
        return Plan([], "infeasible", 0.0, "同一教师不能既锁定又排除")
    solver = pywraplp.Solver.CreateSolver("HIGHS")
    solver.SuppressOutput()
    counts = problem.staff_counts()
    x = _move_variables(solver, problem, counts)
    moves_of_teacher: dict[int, list[Var]] = defaultdict(list)
    for (t, _), var in x.items():
        moves_of_teacher[t].append(var)
    for variables in moves_of_teacher.values():
        if len(variables) > 1:
            solver.Add(solver.Sum(variables) <= 1)
    moved = solver.Sum(list(x.values()))
    solver.Add(moved >= problem.min_moves)
    solver.Add(moved <= problem.max_moves)
    backbone = solver.Sum([v for (t, _), v in x.items() if problem.teacher_by_id[t].backbone])
    solver.Add(backbone >= problem.rules.backbone_share * moved)
    _staffing_constraints(solver, problem, counts, x)
    solver.Minimize(_equity_terms(solver, problem, x)
                    + _shortage_terms(solver, problem, counts, x))
    solver.SetTimeLimit(int(problem.rules.time_limit_s * 1000))
    solver.SetNumThreads(problem.rules.workers)
    solver.SetSolverSpecificParametersAsString(
        f"random_seed={problem.rules.seed}\noutput_flag=false\nlog_to_console=false")
    status = solver.Solve()
    seconds = time.perf_counter() - started
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return Plan([], "infeasible", seconds, "在现有规则下找不到可行方案，请放宽锁定或限制条件")
    moves = [Move(t, problem.teacher_by_id[t].school, s)
             for (t, s), var in x.items() if var.solution_value() > 0.5]
    return Plan(prefer_priority(problem, moves),
                "optimal" if status == pywraplp.Solver.OPTIMAL else "feasible", seconds)


def prefer_priority(problem: Problem, moves: Sequence[Move]) -> list[Move]:
    """Among teachers the model cannot tell apart — same school, subject, 骨干 and 学历, free
    (neither locked nor excluded) — give the moves to those of highest priority.

    Swapping such teachers changes no constraint and no term of the objective (candidate
    destinations depend only on those attributes too), so this is an exact tie-breaker; a
    small objective weight instead would sit inside the MILP gap tolerance.
    """
    def kind(t: Teacher) -> tuple[int, str, bool, bool]:
        return (t.school, t.subject, t.backbone, t.qualified)

    free = [t for t in problem.eligible
            if t.id not in problem.locked and t.id not in problem.excluded]
    classes: dict[tuple[int, str, bool, bool], list[Teacher]] = defaultdict(list)
    for t in free:
        classes[kind(t)].append(t)
    kept = [m for m in moves if m.teacher in problem.locked]
    moved_by_class: dict[tuple[int, str, bool, bool], list[Move]] = defaultdict(list)
    for m in moves:
        if m.teacher not in problem.locked:
            moved_by_class[kind(problem.teacher_by_id[m.teacher])].append(m)
    for key, class_moves in moved_by_class.items():
        ranked = sorted(classes[key], key=lambda t: (-t.priority, t.id))
        destinations = sorted(m.destination for m in class_moves)
        kept += [Move(t.id, t.school, d) for t, d in zip(ranked, destinations, strict=False)]
    return sorted(kept, key=lambda m: m.teacher)


def _move_variables(solver: pywraplp.Solver, problem: Problem,
                    counts: Mapping[tuple[int, str], int]) -> dict[tuple[int, int], Var]:
    x: dict[tuple[int, int], Var] = {}
    before = counts_after(problem, ())
    for t in problem.eligible:
        if t.id in problem.excluded or t.id in problem.locked:
            continue
        allowed = [s for s in problem.schools if problem.destination_allowed(t, s, counts)]
        for s in _candidates(problem, t, allowed, counts, before):
            x[t.id, s.id] = solver.BoolVar(f"x_{t.id}_{s.id}")
    for teacher_id, school_id in problem.locked.items():
        # The official's decision stands even where the pruning would not have offered it;
        # the staffing constraints still apply and make an impossible lock infeasible.
        x[teacher_id, school_id] = solver.IntVar(1, 1, f"x_{teacher_id}_{school_id}")
    return x


def _candidates(problem: Problem, teacher: Teacher, allowed: list[School],
                counts: Mapping[tuple[int, str], int],
                before: Mapping[int, Mapping[str, int]]) -> list[School]:
    limit = problem.rules.candidates_per_teacher
    if limit is None or len(allowed) <= limit:
        return allowed
    source = problem.school_by_id[teacher.school].location

    def distance(s: School) -> float:
        return math.dist(source, s.location) if source and s.location else 0.0

    def shortage(s: School) -> int:
        return s.need.get(teacher.subject, 0) - counts.get((s.id, teacher.subject), 0)

    def scarcity(s: School) -> float:
        indicator = BACKBONE if teacher.backbone else QUALIFIED
        return before[s.id][indicator] / s.students if s.students else math.inf

    by_need = sorted(allowed, key=lambda s: (-shortage(s), distance(s)))
    by_scarcity = sorted(allowed, key=lambda s: (scarcity(s), distance(s)))
    chosen: dict[int, School] = {}
    for s in [*by_need[: limit // 2], *by_scarcity]:
        if len(chosen) >= limit:
            break
        chosen.setdefault(s.id, s)
    return list(chosen.values())


def _flows(problem: Problem, x: Mapping[tuple[int, int], Var],
           key: str) -> tuple[dict, dict]:
    """Incoming and outgoing move variables per (school, ``key``) — key is a subject or an
    indicator (the teacher's attribute)."""
    incoming: dict[tuple[int, str], list] = defaultdict(list)
    outgoing: dict[tuple[int, str], list] = defaultdict(list)
    for (t, s), var in x.items():
        teacher = problem.teacher_by_id[t]
        labels = ([teacher.subject] if key == "subject"
                  else [i for i in INDICATORS if getattr(teacher, i)])
        for label in labels:
            incoming[s, label].append(var)
            outgoing[teacher.school, label].append(var)
    return incoming, outgoing


def _staffing_constraints(solver: pywraplp.Solver, problem: Problem,
                          counts: Mapping[tuple[int, str], int],
                          x: Mapping[tuple[int, int], Var]) -> None:
    incoming, outgoing = _flows(problem, x, "subject")
    for key in set(incoming) | set(outgoing):
        before = counts.get(key, 0)
        low, high = problem.bounds(key[0], key[1], before)
        after = before + solver.Sum(incoming[key]) - solver.Sum(outgoing[key])
        solver.Add(after >= low)
        solver.Add(after <= high)


def _equity_terms(solver: pywraplp.Solver, problem: Problem,
                  x: Mapping[tuple[int, int], Var]) -> pywraplp.LinearExpr:
    incoming, outgoing = _flows(problem, x, "indicator")
    before = counts_after(problem, ())
    terms = []
    for level in {s.level for s in problem.schools}:
        here = [s for s in problem.schools if s.level == level and s.students > 0]
        level_students = sum(s.students for s in here)
        for indicator in INDICATORS:
            holders = sum(before[s.id][indicator] for s in here)
            if not holders:
                continue
            for s in here:
                ins, outs = incoming[s.id, indicator], outgoing[s.id, indicator]
                if not ins and not outs:
                    continue  # nothing can change here: a constant, irrelevant to the choice
                current = before[s.id][indicator]
                fair = holders * s.students / level_students
                # Never overshoot past the fair share (or the current value) by more than
                # the margin: every step further only adds to CV², and the window keeps the
                # secant lines few.
                low = max(current - len(outs), math.floor(min(current, fair)) - WINDOW)
                high = min(current + len(ins), math.ceil(max(current, fair)) + WINDOW)
                value = solver.NumVar(low, high, "")
                solver.Add(value == current + solver.Sum(ins) - solver.Sum(outs))

                def cost(v: int, s: School = s, holders: int = holders,
                         level_students: int = level_students) -> float:
                    return _cv_squared_cost(holders, s.students, level_students, v)

                term = solver.NumVar(0, solver.infinity(), "")
                for a in range(low, high):
                    # Secant through (a, cost(a)) and (a+1, cost(a+1)): exact at integers.
                    solver.Add(term >= cost(a) + (cost(a + 1) - cost(a)) * (value - a))
                terms.append(term)
    return solver.Sum(terms)


def _shortage_terms(solver: pywraplp.Solver, problem: Problem,
                    counts: Mapping[tuple[int, str], int],
                    x: Mapping[tuple[int, int], Var]) -> pywraplp.LinearExpr:
    """Unfilled shortage where moves can fill it, weighted against equity."""
    weight = problem.rules.shortage_weight
    incoming, outgoing = _flows(problem, x, "subject")
    terms = []
    for key, ins in incoming.items():
        before = counts.get(key, 0)
        need = problem.school_by_id[key[0]].need.get(key[1], before)
        if need <= before:
            continue
        short = solver.NumVar(0, need - before, "")
        solver.Add(short >= need - (before + solver.Sum(ins) - solver.Sum(outgoing[key])))
        terms.append(weight * short)
    return solver.Sum(terms)


# --- the baseline ----------------------------------------------------------------------

def greedy(problem: Problem) -> Plan:
    """The office's rule of thumb, the benchmark's baseline: 骨干 first (for the 20% rule),
    then the longest-serving, each to the rural or weak school of the level with the largest
    remaining shortage in their subject (or, with none, the one poorest in what they bring),
    until the quota is met. It checks neither what the sending school keeps nor whether the
    receiving school still needs the subject.
    """
    started = time.perf_counter()
    moves = [Move(t, problem.teacher_by_id[t].school, s) for t, s in problem.locked.items()]
    counts = counts_after(problem, moves)
    staff = problem.staff_counts()
    for move in moves:
        subject = problem.teacher_by_id[move.teacher].subject
        staff[move.destination, subject] += 1
    candidates = sorted((t for t in problem.eligible
                         if t.id not in problem.locked and t.id not in problem.excluded),
                        key=lambda t: (not t.backbone, -t.years, t.id))
    for t in candidates:
        if len(moves) >= problem.min_moves:
            break
        source = problem.school_by_id[t.school]
        options = [s for s in problem.schools
                   if s.receiving and s.level == source.level and s.id != source.id
                   and s.students > 0 and problem.within_commute(source.id, s.id)]
        if not options:
            continue
        indicator = BACKBONE if t.backbone else QUALIFIED

        def preference(s: School, subject: str = t.subject, indicator: str = indicator) -> tuple:
            shortage = s.need.get(subject, 0) - staff[s.id, subject]
            return (-shortage, counts[s.id][indicator] / s.students)

        destination = min(options, key=preference).id
        moves.append(Move(t.id, t.school, destination))
        staff[destination, t.subject] += 1
        for i in INDICATORS:
            if getattr(t, i):
                counts[t.school][i] -= 1
                counts[destination][i] += 1
    return Plan(moves, "greedy", time.perf_counter() - started)


def equity_greedy(problem: Problem) -> Plan:
    """A rule-blind reference, not a plan: send 骨干, then qualified teachers, from the
    schools richest in them to the school currently poorest in them, until the cap.

    It honours locks, exclusions, the level and the commute limit, but not per-subject
    staffing or receiving needs — the comparison shows what those rules cost and gain.
    """
    started = time.perf_counter()
    moves = [Move(t, problem.teacher_by_id[t].school, s) for t, s in problem.locked.items()]
    counts = counts_after(problem, moves)
    moved = set(problem.locked)

    def rate(school: int, indicator: str) -> float:
        students = problem.school_by_id[school].students
        return counts[school][indicator] / students if students else math.inf

    def order(t: Teacher) -> tuple:
        return (not t.backbone, not t.qualified,
                -rate(t.school, BACKBONE), -rate(t.school, QUALIFIED))

    candidates = sorted((t for t in problem.eligible
                         if t.id not in moved and t.id not in problem.excluded), key=order)
    for t in candidates:
        if len(moves) >= problem.max_moves:
            break
        indicator = BACKBONE if t.backbone else QUALIFIED if t.qualified else None
        destination = _poorest_destination(problem, t, indicator, rate)
        if destination is None:
            continue
        no_gain = indicator and rate(destination, indicator) >= rate(t.school, indicator)
        if no_gain and len(moves) >= problem.min_moves:
            continue  # no longer helps; only the quota would justify the move
        moves.append(Move(t.id, t.school, destination))
        for i in INDICATORS:
            if getattr(t, i):
                counts[t.school][i] -= 1
                counts[destination][i] += 1
    return Plan(moves, "greedy", time.perf_counter() - started)


def _poorest_destination(problem: Problem, teacher: Teacher, indicator: str | None,
                         rate) -> int | None:  # type: ignore[no-untyped-def]
    source = problem.school_by_id[teacher.school]
    options = [s for s in problem.schools
               if s.level == source.level and s.id != source.id and s.students > 0
               and problem.within_commute(source.id, s.id)]
    if not options:
        return None
    if indicator is None:
        # A plain teacher goes to the rural or weak school with the fewest qualified
        # teachers per student — the office's rule of thumb.
        options = [s for s in options if s.receiving] or options
        return min(options, key=lambda s: rate(s.id, QUALIFIED)).id
    return min(options, key=lambda s: rate(s.id, indicator)).id
