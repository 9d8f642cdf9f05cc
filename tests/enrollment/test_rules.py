"""Lottery, points, class placement, districts and priority as pure functions."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from decimal import Decimal

import pytest

from edugov.enrollment.rules import districts, lottery, placement, points, priority

SEED = "4f1c0a9e" * 8


def test_lottery_commitment_and_order_are_exactly_as_documented():
    ids = ["A003", "A001", "A002"]
    assert lottery.commitment(SEED) == hashlib.sha256(SEED.encode()).hexdigest()
    expected = sorted(ids, key=lambda a: hashlib.sha256(f"{SEED}:{a}".encode()).hexdigest())
    assert lottery.draw_order(SEED, ids) == expected
    # Input order does not matter; a different seed gives a different order (here).
    assert lottery.draw_order(SEED, reversed(ids)) == expected
    assert lottery.winners(SEED, ids, 2) == expected[:2]


def test_lottery_known_answer_pins_the_algorithm():
    # A fixed vector so that any change to the algorithm breaks this test loudly.
    assert lottery.commitment("seed") == (
        "19b25856e1c150ca834cffc8b59b23adbd0ec0389e58eb22b3b64768098d002b")
    assert lottery.draw_order("seed", ["1", "2", "3", "4", "5"]) == sorted(
        ["1", "2", "3", "4", "5"],
        key=lambda a: hashlib.sha256(f"seed:{a}".encode()).hexdigest())


def test_lottery_verify_accepts_the_record_and_catches_tampering():
    record = lottery.draw_record(seed=SEED, applicant_ids=[f"P{i}" for i in range(20)],
                                 places=5)
    assert lottery.verify(record) == []
    swapped = {**record, "order": [record["order"][1], record["order"][0],
                                   *record["order"][2:]]}
    assert lottery.verify(swapped) == ["公布的顺序自第 1 位起与重新计算的结果不符"]
    assert "承诺值" in lottery.verify({**record, "commitment": "0" * 64})[0]
    assert "中签名单" in lottery.verify({**record, "winners": record["order"][1:6]})[0]
    assert "名单不一致" in lottery.verify({**record, "order": record["order"][:-1]})[0]
    with pytest.raises(ValueError, match="重复"):
        lottery.draw_order(SEED, ["a", "a"])


def test_lottery_is_roughly_uniform():
    firsts = {a: 0 for a in "abcd"}
    for i in range(2000):
        firsts[lottery.draw_order(f"seed-{i}", "abcd")[0]] += 1
    assert all(400 < n < 600 for n in firsts.values())


TABLE = points.parse_table(points.SAMPLE_TABLE)


def test_points_are_itemised_with_caps_and_decimal_arithmetic():
    result = points.score(TABLE, {"residence_permit_years": 30, "social_insurance_months": 37,
                                  "rented_home_months": 7, "violations": 0})
    items = {i.code: i for i in result.items}
    assert items["residence_permit_years"].points == Decimal(100)
    assert items["residence_permit_years"].capped
    assert items["social_insurance_months"].points == Decimal("18.5")
    assert items["rented_home_months"].points == Decimal("1.4")
    assert result.total == Decimal("119.9") and result.eligible
    assert result.as_dict()["items"][0]["points"] == "100"


def test_points_threshold_and_deductions():
    result = points.score(TABLE, {"residence_permit_years": 0, "social_insurance_months": 6,
                                  "violations": 9})
    assert not result.eligible
    assert result.shortfalls == ("居住证年限不足 1年", "社保缴费月数不足 12月")
    assert {i.code: i.points for i in result.items}["violations"] == Decimal(-100)


def test_points_options_and_table_errors():
    table = points.parse_table([{"code": "edu", "name": "学历",
                                 "options": {"本科": 20, "专科": 10}}])
    assert points.score(table, {"edu": "本科"}).total == 20
    assert points.score(table, {}).total == 0
    with pytest.raises(points.PointsTableError, match="重复"):
        points.parse_table([{"code": "a"}, {"code": "a"}])
    with pytest.raises(points.PointsTableError, match="有效数字"):
        points.parse_table([{"code": "a", "points_per_unit": "x"}])


def pupils(n: int, seed: int, *, with_score: bool = False) -> list[placement.Pupil]:
    rng = random.Random(seed)
    return [placement.Pupil(id=f"p{i:03d}", sex=rng.choice("MMF"),
                            birth_date=dt.date(2018, 9, 1) + dt.timedelta(days=rng.randint(0, 364)),
                            score=round(rng.uniform(60, 100), 1) if with_score else None)
            for i in range(n)]


@pytest.mark.parametrize(("n", "classes"), [(180, 4), (133, 3), (45, 1), (7, 3), (0, 2)])
def test_placement_is_balanced_and_never_exceeds_class_size(n, classes):
    group = pupils(n, n)
    result = placement.place(group, classes=classes, class_size=45, seed="s1")
    assert sorted(i for c in result for i in c) == sorted(p.id for p in group)
    report = placement.balance(group, result)
    assert all(row["size"] <= 45 for row in report["classes"])
    if n:
        assert report["spread"]["size"] <= 1
        assert report["spread"]["male"] <= 1
        assert report["spread"]["female"] <= 2


def test_placement_balances_scores_and_birth_months():
    group = pupils(200, 3, with_score=True)
    by_score = placement.balance(group, placement.place(
        group, classes=4, class_size=50, seed="x", use_score=True))
    assert by_score["spread"]["mean_score"] < 1.5
    by_birth = placement.balance(group, placement.place(group, classes=4, class_size=50,
                                                        seed="x"))
    assert by_birth["spread"]["mean_birth_month"] < 0.6


def test_placement_is_reproducible_and_seeded():
    group = pupils(90, 5)
    first = placement.place(group, classes=2, class_size=45, seed="abc")
    assert placement.place(list(reversed(group)), classes=2, class_size=45, seed="abc") == first
    assert placement.place(group, classes=2, class_size=45, seed="abd") != first


def test_placement_refuses_overfull_classes():
    with pytest.raises(placement.PlacementError, match="超过"):
        placement.place(pupils(91, 1), classes=2, class_size=45, seed="s")
    assert placement.classes_needed(91, 45) == 3


RULES = [
    districts.Rule(school="S1", community="C01"),
    districts.Rule(school="S1", pattern="示范市东城区人民路*号"),
    districts.Rule(school="S2", pattern="示范市东城区解放路*"),
    districts.Rule(school="S2", community="C03"),
    districts.Rule(school="S3", community="C03"),
]


def test_district_lookup_by_community_then_address():
    assert districts.district_school(RULES, community="C01") == "S1"
    assert districts.district_school(RULES, address="示范市东城区 人民路１２号") == "S1"
    assert districts.district_school(RULES, community="C99",
                                     address="示范市东城区解放路8号") == "S2"
    assert districts.district_school(RULES, community="C03") is None  # ambiguous
    assert districts.district_school(RULES, address="示范市西城县") is None


def test_district_coverage_reports_gaps_overlaps_and_unknown_codes():
    register = [districts.Community("C01", "阳光小区"),
                districts.Community("C02", "解放新村", "示范市东城区解放路3号"),
                districts.Community("C03", "幸福里"),
                districts.Community("C04", "河畔花园")]
    report = districts.coverage(RULES, register)
    assert not report.ok
    assert [c.code for c in report.gaps] == ["C04"]
    assert [(c.code, s) for c, s in report.overlaps] == [("C03", ("S2", "S3"))]
    assert report.messages()[0] == "未划入学区：河畔花园（C04）"
    changes = districts.changes(RULES, RULES[:-1])
    assert changes["removed"] == [RULES[-1]] and changes["added"] == []


def test_priority_categories_points_and_lottery():
    cat = priority.category_for
    assert cat(school="S1", lottery_only=False, hukou_school="S1", property_school="S1",
               residence_school=None, migrant=False) == priority.HUKOU_AND_PROPERTY
    assert cat(school="S1", lottery_only=False, hukou_school="S2", property_school="S1",
               residence_school=None, migrant=False) == priority.PROPERTY_ONLY
    assert cat(school="S1", lottery_only=False, hukou_school=None, property_school=None,
               residence_school="S1", migrant=True) == priority.MIGRANT_POINTS
    assert cat(school="P", lottery_only=True, hukou_school="P", property_school="P",
               residence_school=None, migrant=False) == priority.LOTTERY
    candidates = [
        priority.Candidate("m1", priority.MIGRANT_POINTS, Decimal(80)),
        priority.Candidate("m2", priority.MIGRANT_POINTS, Decimal(95)),
        priority.Candidate("h1", priority.HUKOU_ONLY),
        priority.Candidate("hp", priority.HUKOU_AND_PROPERTY),
        priority.Candidate("o1", priority.OTHER),
        priority.Candidate("m3", priority.MIGRANT_POINTS, Decimal(80)),
    ]
    lot = {"m1": 5, "m2": 4, "h1": 3, "hp": 2, "o1": 1, "m3": 0}
    assert priority.priority_order(candidates, categories=priority.DEFAULT_CATEGORIES,
                                   lottery_position=lot) == ["hp", "h1", "m2", "m3", "m1", "o1"]
    # A round that leaves "other" out makes those applicants ineligible at the school.
    assert "o1" not in priority.priority_order(
        candidates, categories=priority.DEFAULT_CATEGORIES[:-1], lottery_position=lot)
