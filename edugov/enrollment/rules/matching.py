"""Multi-choice admission: deferred acceptance, Boston and serial dictatorship.

Plain data in, plain data out. An :class:`Instance` is schools (capacity and a priority
list, best first) and students (choices, most wanted first). A school admits only the
students on its priority list: an applicant the school may not take (not eligible, or
not verified) is simply absent from it.

* **Deferred acceptance** (student-proposing, Gale–Shapley 1962): every unplaced student
  proposes to their next choice; each school keeps the best students up to capacity and
  rejects the rest; repeat until nobody proposes. The result is stable (no student and
  school both prefer each other to what they got) and strategy-proof for students:
  ranking schools truthfully is always best (Dubins–Freedman 1981, Roth 1982). This is the
  mechanism a round uses.
* **Boston** (直接录取, "first choice first"): round k admits, permanently, students
  whose k-th choice still has seats. Not stable, and a student can gain by ranking a
  less popular school first; kept for comparison.
* **Serial dictatorship**: students in one global order (e.g. the lottery order) each
  take their most wanted school that still has a seat and will have them.

Policy: 公民同招, 电脑随机录取 (policy-rules.md §6.2); the school's priority order
(categories, points, lottery) is built by :mod:`edugov.enrollment.rules.priority`.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MECHANISMS = ("da", "boston", "serial")


class InstanceError(ValueError):
    """The instance is malformed; the message names the problem, in Chinese."""


@dataclass(frozen=True)
class School:
    code: str
    capacity: int
    priority: tuple[str, ...]


@dataclass(frozen=True)
class Student:
    id: str
    choices: tuple[str, ...]


@dataclass(frozen=True)
class Instance:
    schools: tuple[School, ...]
    students: tuple[Student, ...]
    #: rank of each student at each school (0 = best), built once for the mechanisms.
    ranks: Mapping[str, Mapping[str, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = list(_problems(self.schools, self.students))
        if problems:
            raise InstanceError("；".join(problems))
        ranks = {s.code: {sid: i for i, sid in enumerate(s.priority)} for s in self.schools}
        object.__setattr__(self, "ranks", ranks)

    @property
    def capacity(self) -> dict[str, int]:
        return {s.code: s.capacity for s in self.schools}

    def acceptable(self, student_id: str, school: str) -> bool:
        return student_id in self.ranks[school]


def _problems(schools: Sequence[School], students: Sequence[Student]) -> Iterable[str]:
    codes = [s.code for s in schools]
    for dup in sorted(_duplicates(codes)):
        yield f"学校代码重复：{dup}"
    ids = [s.id for s in students]
    for dup in sorted(_duplicates(ids)):
        yield f"学生编号重复：{dup}"
    known_schools, known_students = set(codes), set(ids)
    for school in schools:
        if not isinstance(school.capacity, int) or school.capacity < 0:
            yield f"学校 {school.code} 的招生计划数无效：{school.capacity}"
        for dup in sorted(_duplicates(school.priority)):
            yield f"学校 {school.code} 的排序中学生 {dup} 出现多次"
        for sid in school.priority:
            if sid not in known_students:
                yield f"学校 {school.code} 的排序中有未知学生：{sid}"
    for student in students:
        for dup in sorted(_duplicates(student.choices)):
            yield f"学生 {student.id} 重复填报学校 {dup}"
        for code in student.choices:
            if code not in known_schools:
                yield f"学生 {student.id} 填报了未知学校：{code}"


def _duplicates(values: Iterable[str]) -> set[str]:
    return {v for v, n in Counter(values).items() if n > 1}


def instance_from_json(data: Any) -> Instance:
    """Build an instance from the simulation file's shape (docs/enrollment.md)."""
    if not isinstance(data, dict):
        raise InstanceError("输入应为 JSON 对象，包含 schools 和 students")
    try:
        schools = tuple(
            School(code=str(s["code"]), capacity=_capacity(s),
                   priority=tuple(str(x) for x in s.get("priority", [])))
            for s in data["schools"])
        students = tuple(
            Student(id=str(s["id"]), choices=tuple(str(c) for c in s.get("choices", [])))
            for s in data["students"])
    except (KeyError, TypeError) as exc:
        raise InstanceError(f"输入格式错误：缺少或无效的字段 {exc}") from exc
    return Instance(schools=schools, students=students)


def _capacity(school: Mapping[str, Any]) -> int:
    value = school["capacity"]
    # bool is an int in Python; a capacity of "true" is a typo, not one seat.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstanceError(f"学校 {school.get('code')} 的招生计划数应为整数：{value!r}")
    return value


Assignment = dict[str, str | None]


def deferred_acceptance(instance: Instance) -> Assignment:
    """Student-proposing deferred acceptance; the student-optimal stable matching."""
    capacity = instance.capacity
    ranks = instance.ranks
    next_choice = {s.id: 0 for s in instance.students}
    choices = {s.id: s.choices for s in instance.students}
    # Each school's tentative admits as a max-heap on rank (worst admitted on top).
    held: dict[str, list[tuple[int, str]]] = {code: [] for code in capacity}
    free = [s.id for s in reversed(instance.students)]
    while free:
        student = free.pop()
        while next_choice[student] < len(choices[student]):
            school = choices[student][next_choice[student]]
            next_choice[student] += 1
            rank = ranks[school].get(student)
            if rank is None or capacity[school] == 0:
                continue
            heap = held[school]
            if len(heap) < capacity[school]:
                heapq.heappush(heap, (-rank, student))
                break
            worst_rank, worst = -heap[0][0], heap[0][1]
            if rank < worst_rank:
                heapq.heapreplace(heap, (-rank, student))
                free.append(worst)
                break
    assignment: Assignment = {s.id: None for s in instance.students}
    for school, heap in held.items():
        for _, student in heap:
            assignment[student] = school
    return assignment


def boston(instance: Instance) -> Assignment:
    """Immediate acceptance: round k admits for good by priority among k-th choices."""
    seats = dict(instance.capacity)
    assignment: Assignment = {s.id: None for s in instance.students}
    longest = max((len(s.choices) for s in instance.students), default=0)
    for k in range(longest):
        applicants: dict[str, list[str]] = {}
        for student in instance.students:
            if assignment[student.id] is None and k < len(student.choices):
                school = student.choices[k]
                if instance.acceptable(student.id, school):
                    applicants.setdefault(school, []).append(student.id)
        for school, ids in applicants.items():
            ids.sort(key=instance.ranks[school].__getitem__)
            for sid in ids[: seats[school]]:
                assignment[sid] = school
            seats[school] -= min(seats[school], len(ids))
    return assignment


def serial_dictatorship(instance: Instance, order: Sequence[str] | None = None) -> Assignment:
    """Students in ``order`` (default: as listed) each take their best school with a seat."""
    seats = dict(instance.capacity)
    by_id = {s.id: s for s in instance.students}
    sequence = list(order) if order is not None else list(by_id)
    if sorted(sequence) != sorted(by_id):
        raise InstanceError("序列独裁的顺序必须恰好包含每位学生一次")
    assignment: Assignment = {sid: None for sid in by_id}
    for sid in sequence:
        for school in by_id[sid].choices:
            if seats[school] > 0 and instance.acceptable(sid, school):
                assignment[sid] = school
                seats[school] -= 1
                break
    return assignment


def run(instance: Instance, mechanism: str = "da") -> Assignment:
    if mechanism == "da":
        return deferred_acceptance(instance)
    if mechanism == "boston":
        return boston(instance)
    if mechanism == "serial":
        return serial_dictatorship(instance)
    raise InstanceError(f"未知的录取机制：{mechanism}（可选 da、boston、serial）")


def blocking_pairs(instance: Instance, assignment: Mapping[str, str | None]
                   ) -> list[tuple[str, str]]:
    """(student, school) pairs that would both rather have each other: instability."""
    admitted: dict[str, list[str]] = {code: [] for code in instance.capacity}
    for sid, school in assignment.items():
        if school is not None:
            admitted[school].append(sid)
    pairs = []
    for student in instance.students:
        current = assignment[student.id]
        for school in student.choices:
            if school == current:
                break
            rank = instance.ranks[school].get(student.id)
            if rank is None:
                continue
            held = admitted[school]
            has_seat = len(held) < instance.capacity[school]
            if has_seat or any(instance.ranks[school][o] > rank for o in held):
                pairs.append((student.id, school))
    return pairs


def choice_rank(instance: Instance, student_id: str, school: str | None) -> int | None:
    """1 for a first choice, 2 for a second, …; None when unplaced."""
    if school is None:
        return None
    student = next(s for s in instance.students if s.id == student_id)
    return student.choices.index(school) + 1


def statistics(instance: Instance, assignment: Mapping[str, str | None]) -> dict[str, Any]:
    """Placed by choice rank, unplaced, seats left per school."""
    rank_of = {s.id: {c: i + 1 for i, c in enumerate(s.choices)} for s in instance.students}
    by_rank: Counter[int] = Counter()
    load: Counter[str] = Counter()
    for sid, school in assignment.items():
        if school is not None:
            by_rank[rank_of[sid][school]] += 1
            load[school] += 1
    placed = sum(by_rank.values())
    return {
        "students": len(instance.students),
        "placed": placed,
        "unplaced": len(instance.students) - placed,
        "placed_by_choice_rank": {str(k): by_rank[k] for k in sorted(by_rank)},
        "seats_left": {s.code: s.capacity - load[s.code] for s in instance.schools},
    }


def unplaced_reasons(instance: Instance, assignment: Mapping[str, str | None]
                     ) -> dict[str, list[dict[str, str]]]:
    """For each unplaced student, each choice and why it did not admit them (Chinese)."""
    admitted: dict[str, list[int]] = {code: [] for code in instance.capacity}
    for sid, school in assignment.items():
        if school is not None:
            admitted[school].append(instance.ranks[school][sid])
    report: dict[str, list[dict[str, str]]] = {}
    for student in instance.students:
        if assignment[student.id] is not None:
            continue
        reasons = []
        for school in student.choices:
            rank = instance.ranks[school].get(student.id)
            if rank is None:
                why = "不符合该校招生条件"
            elif instance.capacity[school] == 0:
                why = "该校无招生计划"
            elif not admitted[school]:
                why = "未被录取（该校仍有空余学位，可统筹安排）"
            else:
                why = (f"学位已满：本校排序第 {rank + 1} 位，"
                       f"录取末位为第 {max(admitted[school]) + 1} 位")
            reasons.append({"school": school, "reason": why})
        if not student.choices:
            reasons.append({"school": "", "reason": "未填报志愿"})
        report[student.id] = reasons
    return report
