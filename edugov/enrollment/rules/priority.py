"""A school's priority order over its applicants: category, then points, then lottery.

Categories are configured per round, best first; the default follows the common 登记入学
order (policy-rules.md §6): 户籍与房产一致且在学区 > 房产在学区 > 户籍在学区 > 随迁子女
(by 积分, §6.1) > 其他. An applicant whose category a round leaves out of its list is not
eligible for that school. Private schools under 公民同招 (§6.2) admit by lottery alone:
every applicant is in one category and only the lottery orders them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

HUKOU_AND_PROPERTY = "hukou_and_property"
PROPERTY_ONLY = "property_only"
HUKOU_ONLY = "hukou_only"
MIGRANT_POINTS = "migrant_points"
OTHER = "other"
LOTTERY = "lottery"

CATEGORY_LABELS = {
    HUKOU_AND_PROPERTY: "户籍与房产一致且在本学区",
    PROPERTY_ONLY: "房产在本学区",
    HUKOU_ONLY: "户籍在本学区",
    MIGRANT_POINTS: "随迁子女（积分）",
    OTHER: "其他",
    LOTTERY: "民办学校（电脑随机录取）",
}

DEFAULT_CATEGORIES = (HUKOU_AND_PROPERTY, PROPERTY_ONLY, HUKOU_ONLY, MIGRANT_POINTS, OTHER)


def category_for(*, school: str, lottery_only: bool, hukou_school: str | None,
                 property_school: str | None, residence_school: str | None,
                 migrant: bool) -> str:
    """The applicant's category at ``school`` given the district schools of their homes."""
    if lottery_only:
        return LOTTERY
    if hukou_school == school and property_school == school:
        return HUKOU_AND_PROPERTY
    if property_school == school:
        return PROPERTY_ONLY
    if hukou_school == school:
        return HUKOU_ONLY
    if migrant and residence_school == school:
        return MIGRANT_POINTS
    return OTHER


@dataclass(frozen=True)
class Candidate:
    id: str
    category: str
    points: Decimal = Decimal(0)


def priority_order(candidates: Sequence[Candidate], *, categories: Sequence[str],
                   lottery_position: Mapping[str, int]) -> list[str]:
    """IDs best first: configured category rank, then points (higher first), then lottery.

    Points order applicants only inside the 随迁 category, where the 积分方案 applies.
    """
    rank = {code: i for i, code in enumerate((*categories, LOTTERY))}
    eligible = [c for c in candidates if c.category in rank]

    def key(c: Candidate) -> tuple[int, Decimal, int]:
        points = -c.points if c.category == MIGRANT_POINTS else Decimal(0)
        return (rank[c.category], points, lottery_position[c.id])

    return [c.id for c in sorted(eligible, key=key)]
