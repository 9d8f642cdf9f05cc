"""Matching mechanisms as pure functions: stability, capacity, strategy-proofness, Boston."""

from __future__ import annotations

import itertools
import random

import pytest

from edugov.enrollment.rules.matching import (
    Instance,
    InstanceError,
    School,
    Student,
    blocking_pairs,
    boston,
    deferred_acceptance,
    instance_from_json,
    serial_dictatorship,
    statistics,
    unplaced_reasons,
)


def random_instance(rng: random.Random, *, students: int = 30, schools: int = 5) -> Instance:
    ids = [f"s{i}" for i in range(students)]
    codes = [f"c{j}" for j in range(schools)]
    school_rows = []
    for code in codes:
        # Some students are not eligible at some schools (absent from the priority list).
        eligible = [s for s in ids if rng.random() < 0.85]
        rng.shuffle(eligible)
        school_rows.append(School(code=code, capacity=rng.randint(0, 8), priority=tuple(eligible)))
    student_rows = [Student(id=s, choices=tuple(rng.sample(codes, rng.randint(0, schools))))
                    for s in ids]
    return Instance(schools=tuple(school_rows), students=tuple(student_rows))


def load(assignment: dict[str, str | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for school in assignment.values():
        if school is not None:
            counts[school] = counts.get(school, 0) + 1
    return counts


@pytest.mark.parametrize("seed", range(40))
def test_da_is_stable_respects_capacity_eligibility_and_choices(seed):
    inst = random_instance(random.Random(seed))
    result = deferred_acceptance(inst)
    assert blocking_pairs(inst, result) == []
    for school, n in load(result).items():
        assert n <= inst.capacity[school]
    for student in inst.students:
        school = result[student.id]
        if school is not None:
            assert school in student.choices and inst.acceptable(student.id, school)


@pytest.mark.parametrize("seed", range(40))
def test_boston_and_serial_respect_capacity(seed):
    inst = random_instance(random.Random(seed))
    for result in (boston(inst), serial_dictatorship(inst)):
        for school, n in load(result).items():
            assert n <= inst.capacity[school]


@pytest.mark.parametrize("seed", range(15))
def test_da_strategy_proofness_spot_check(seed):
    """No student gains by any reordering or truncation of their list (small instances)."""
    rng = random.Random(1000 + seed)
    inst = random_instance(rng, students=7, schools=3)
    truthful = deferred_acceptance(inst)
    for liar in inst.students:
        true_rank = {c: i for i, c in enumerate(liar.choices)}
        got = true_rank.get(truthful[liar.id], len(liar.choices))  # type: ignore[arg-type]
        codes = [s.code for s in inst.schools]
        for length in range(len(codes) + 1):
            for report in itertools.permutations(codes, length):
                students = tuple(Student(s.id, report) if s.id == liar.id else s
                                 for s in inst.students)
                lie = deferred_acceptance(Instance(inst.schools, students))
                outcome = lie[liar.id]
                assert true_rank.get(outcome, len(liar.choices)) >= got  # type: ignore[arg-type]


def example() -> Instance:
    return instance_from_json({
        "schools": [{"code": "A", "capacity": 1, "priority": ["bob", "amy", "cat"]},
                    {"code": "B", "capacity": 1, "priority": ["amy", "cat", "bob"]},
                    {"code": "C", "capacity": 1, "priority": ["amy", "bob", "cat"]}],
        "students": [{"id": "amy", "choices": ["A", "B", "C"]},
                     {"id": "bob", "choices": ["B", "A", "C"]},
                     {"id": "cat", "choices": ["B", "A", "C"]}],
    })


def test_boston_differs_from_da_and_is_unstable():
    inst = example()
    assert deferred_acceptance(inst) == {"amy": "B", "bob": "A", "cat": "C"}
    result = boston(inst)
    # Round 1 fixes amy at A and cat at B for good; bob, refused by B, finds A full.
    assert result == {"amy": "A", "bob": "C", "cat": "B"}
    # bob prefers A and has better priority there than amy: a justified complaint.
    assert blocking_pairs(inst, result) == [("bob", "A")]


def test_boston_rewards_misreporting_where_da_does_not():
    """cat's true list is A then B; under Boston cat gains by putting B first."""
    schools = [{"code": "A", "capacity": 1, "priority": ["amy", "cat"]},
               {"code": "B", "capacity": 1, "priority": ["dan", "cat"]}]
    truthful = {"schools": schools,
                "students": [{"id": "amy", "choices": ["A"]},
                             {"id": "cat", "choices": ["A", "B"]},
                             {"id": "dan", "choices": ["A", "B"]}]}
    lie = {**truthful, "students": [{"id": "amy", "choices": ["A"]},
                                    {"id": "cat", "choices": ["B"]},
                                    {"id": "dan", "choices": ["A", "B"]}]}
    assert boston(instance_from_json(truthful))["cat"] is None
    assert boston(instance_from_json(lie))["cat"] == "B"
    assert deferred_acceptance(instance_from_json(truthful))["cat"] is None
    assert deferred_acceptance(instance_from_json(lie))["cat"] is None


def test_serial_dictatorship_follows_the_given_order():
    inst = example()
    assert serial_dictatorship(inst, ["cat", "bob", "amy"]) == {
        "cat": "B", "bob": "A", "amy": "C"}
    with pytest.raises(InstanceError):
        serial_dictatorship(inst, ["cat"])


def test_statistics_and_unplaced_reasons():
    inst = instance_from_json({
        "schools": [{"code": "A", "capacity": 1, "priority": ["x", "y"]},
                    {"code": "B", "capacity": 0, "priority": ["y"]}],
        "students": [{"id": "x", "choices": ["A"]}, {"id": "y", "choices": ["A", "B"]},
                     {"id": "z", "choices": ["A"]}],
    })
    result = deferred_acceptance(inst)
    stats = statistics(inst, result)
    assert stats["placed_by_choice_rank"] == {"1": 1} and stats["unplaced"] == 2
    reasons = unplaced_reasons(inst, result)
    assert reasons["y"][0]["reason"].startswith("学位已满：本校排序第 2 位")
    assert reasons["y"][1]["reason"] == "该校无招生计划"
    assert reasons["z"][0]["reason"] == "不符合该校招生条件"


@pytest.mark.parametrize(("data", "message"), [
    ({"schools": [{"code": "A", "capacity": 1}], "students": [{"id": "x", "choices": ["Q"]}]},
     "未知学校：Q"),
    ({"schools": [], "students": [{"id": "x"}, {"id": "x"}]}, "学生编号重复：x"),
    ({"schools": [{"code": "A", "capacity": -1}], "students": []}, "招生计划数无效"),
    ({"schools": [{"code": "A", "capacity": 2, "priority": ["x", "x"]}],
      "students": [{"id": "x"}]}, "学生 x 出现多次"),
    ({"schools": [{"code": "A", "capacity": "3"}], "students": []}, "应为整数"),
    ({"schools": [{"capacity": 3}], "students": []}, "缺少或无效的字段"),
    ([], "JSON 对象"),
])
def test_malformed_instances_are_refused_with_the_reason(data, message):
    with pytest.raises(InstanceError, match=message):
        instance_from_json(data)


def test_da_handles_a_large_instance_quickly():
    inst = random_instance(random.Random(7), students=5000, schools=40)
    result = deferred_acceptance(inst)
    assert blocking_pairs(inst, result) == []
