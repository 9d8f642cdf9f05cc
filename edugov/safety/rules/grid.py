"""Grid gap detection (网格化): which levels, institutions and areas have nobody responsible.

Every region needs a bureau lead (分管领导) and, for a county, a safety section (安全股室)
post; every school a principal (校长, 第一责任人) and a safety officer (安全专干); every area
inside a school (楼栋/区域) an owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BUREAU_LEAD = "bureau_lead"
COUNTY_SECTION = "county_section"
PRINCIPAL = "principal"
SAFETY_OFFICER = "safety_officer"
AREA_OWNER = "area_owner"

LEVELS: tuple[tuple[str, str], ...] = (
    (BUREAU_LEAD, "教育局分管领导"), (COUNTY_SECTION, "县区安全股室"),
    (PRINCIPAL, "校长（第一责任人）"), (SAFETY_OFFICER, "学校安全专干"),
    (AREA_OWNER, "楼栋/区域责任人"),
)
LEVEL_LABELS = dict(LEVELS)
REGION_LEVELS = (BUREAU_LEAD, COUNTY_SECTION)
SCHOOL_LEVELS = (PRINCIPAL, SAFETY_OFFICER)


@dataclass(frozen=True)
class Post:
    level: str
    region_id: int | None = None
    institution_id: int | None = None
    area_id: int | None = None


@dataclass(frozen=True)
class Gap:
    level: str
    region_id: int | None = None
    institution_id: int | None = None
    area_id: int | None = None

    @property
    def label(self) -> str:
        return f"缺少{LEVEL_LABELS[self.level]}"


def find_gaps(*, posts: Iterable[Post], regions: Iterable[tuple[int, bool]],
              institutions: Iterable[int],
              areas: Iterable[tuple[int, int]]) -> list[Gap]:
    """Missing posts.

    ``regions`` are (region id, is_county); ``areas`` are (area id, institution id).
    """
    held = {(p.level, p.region_id, p.institution_id, p.area_id) for p in posts}
    gaps: list[Gap] = []
    for region_id, is_county in regions:
        if (BUREAU_LEAD, region_id, None, None) not in held:
            gaps.append(Gap(BUREAU_LEAD, region_id=region_id))
        if is_county and (COUNTY_SECTION, region_id, None, None) not in held:
            gaps.append(Gap(COUNTY_SECTION, region_id=region_id))
    for institution_id in institutions:
        for level in SCHOOL_LEVELS:
            if (level, None, institution_id, None) not in held:
                gaps.append(Gap(level, institution_id=institution_id))
    for area_id, institution_id in areas:
        if (AREA_OWNER, None, institution_id, area_id) not in held:
            gaps.append(Gap(AREA_OWNER, institution_id=institution_id, area_id=area_id))
    return gaps
