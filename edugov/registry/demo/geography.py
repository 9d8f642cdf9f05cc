"""The invented province, its cities, counties (区/县) and townships (街道/镇/乡).

Codes follow GB/T 2260's shape under the unused province prefix 98: city 98cc00,
district 98cc0k, county 98cc2k, township county + 3 digits (街道 0xx, 镇 1xx, 乡 2xx).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from edugov.demo.bulk import BulkWriter
from edugov.demo.scales import Scale
from edugov.registry.choices import RegionLevel
from edugov.registry.demo.names import PlaceNames
from edugov.registry.models import Region, region_path

if TYPE_CHECKING:
    from edugov.registry.demo.plan import PlannedSchool

PROVINCE_CODE = "980000"
PROVINCE_NAME = "示范省"

STREET, TOWN, VILLAGE = "street", "town", "village"
TOWNSHIP_SUFFIX = {STREET: "街道", TOWN: "镇", VILLAGE: "乡"}
TOWNSHIP_CODE_BASE = {STREET: 1, TOWN: 101, VILLAGE: 201}


@dataclass
class Township:
    region: Region
    kind: str

    @property
    def name(self) -> str:
        return self.region.name

    @property
    def short(self) -> str:
        return self.region.name.removesuffix(TOWNSHIP_SUFFIX[self.kind])


@dataclass
class County:
    region: Region
    city: Region
    short: str
    is_district: bool
    #: Share of the scale's students this county holds, relative to the mean county.
    weight: float
    #: The city's 主城区: a district several times the size of the others.
    is_core: bool = False
    townships: list[Township] = field(default_factory=list)
    institutions: list[PlannedSchool] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.region.code

    @property
    def name(self) -> str:
        return self.region.name

    def townships_of(self, kind: str) -> list[Township]:
        return [t for t in self.townships if t.kind == kind] or self.townships


@dataclass
class Geography:
    province: Region
    cities: list[Region]
    counties: list[County]

    @property
    def regions(self) -> list[Region]:
        rows = [self.province, *self.cities]
        for county in self.counties:
            rows.append(county.region)
            rows.extend(t.region for t in county.townships)
        return rows


class RegionMaker:
    """Unsaved Region rows with keys and paths set, for one bulk insert."""

    def __init__(self, writer: BulkWriter) -> None:
        self.writer = writer

    def make(self, code: str, name: str, level: str, parent: Region | None) -> Region:
        return Region(id=self.writer.next_id(Region), code=code, name=name, level=level,
                      parent=parent, path=region_path(parent.path if parent else "", code))


def plan_geography(scale: Scale, rng: random.Random, writer: BulkWriter) -> Geography:
    maker = RegionMaker(writer)
    names = PlaceNames(rng)
    province = maker.make(PROVINCE_CODE, PROVINCE_NAME, RegionLevel.PROVINCE, None)
    cities: list[Region] = []
    counties: list[County] = []
    for c in range(1, scale.cities + 1):
        city = maker.make(f"98{c:02d}00", f"{names.take()}市", RegionLevel.CITY, province)
        cities.append(city)
        counties.extend(plan_counties(scale, rng, maker, names, city))
    normalise_weights(counties)
    return Geography(province, cities, counties)


def plan_counties(scale: Scale, rng: random.Random, maker: RegionMaker, names: PlaceNames,
                  city: Region) -> list[County]:
    """About a third of a city's counties are urban districts (区), the rest counties (县).

    With ``scale.core_district_share`` the first district is the 主城区, holding that share
    of the city's students (the old town and the new development zones around it).
    """
    districts = max(1, round(scale.counties_per_city / 3))
    counties = []
    for k in range(scale.counties_per_city):
        is_district = k < districts
        short = names.take()
        serial = k + 2 if is_district else k - districts + 21
        code = f"{city.code[:4]}{serial:02d}"
        region = maker.make(code, short + ("区" if is_district else "县"), RegionLevel.COUNTY,
                            city)
        weight = rng.uniform(1.1, 1.45) if is_district else rng.uniform(0.6, 1.05)
        county = County(region, city, short, is_district, weight,
                        is_core=k == 0 and scale.core_district_share > 0)
        county.townships = plan_townships(rng, maker, county)
        counties.append(county)
    if counties[0].is_core:
        share = scale.core_district_share
        counties[0].weight = sum(c.weight for c in counties[1:]) * share / (1 - share)
    return counties


def plan_townships(rng: random.Random, maker: RegionMaker, county: County) -> list[Township]:
    names = PlaceNames(rng)
    names.used.add(county.short)
    if county.is_core:
        # The built-up area's 街道, and a ring of towns and villages at its edge.
        counts = {STREET: rng.randint(16, 22), TOWN: rng.randint(3, 5), VILLAGE: rng.randint(1, 2)}
    elif county.is_district:
        counts = {STREET: rng.randint(6, 10), TOWN: rng.randint(0, 2), VILLAGE: 0}
    else:
        counts = {STREET: rng.randint(2, 3), TOWN: rng.randint(6, 10), VILLAGE: rng.randint(2, 5)}
    townships = []
    for kind, count in counts.items():
        for i in range(count):
            code = f"{county.code}{TOWNSHIP_CODE_BASE[kind] + i:03d}"
            name = names.take() + TOWNSHIP_SUFFIX[kind]
            townships.append(Township(
                maker.make(code, name, RegionLevel.TOWNSHIP, county.region), kind))
    return townships


def normalise_weights(counties: list[County]) -> None:
    mean = sum(c.weight for c in counties) / len(counties)
    for county in counties:
        county.weight /= mean
