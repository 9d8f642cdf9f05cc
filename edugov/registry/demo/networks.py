"""教育集团 (a strong lead school with weaker members) and 结对帮扶 pairings with periods."""

from __future__ import annotations

import datetime as dt
import random

from edugov.demo.bulk import BulkWriter
from edugov.registry.choices import GroupKind, InstitutionKind, Locality
from edugov.registry.demo.geography import County
from edugov.registry.demo.plan import PlannedSchool
from edugov.registry.models import EducationGroup, GroupMembership, Pairing

K = InstitutionKind
#: Which kinds may join a lead of each kind (same stage; 教学点 join primary groups).
GROUP_SECTORS: dict[str, tuple[str, ...]] = {
    K.KINDERGARTEN: (K.KINDERGARTEN,),
    K.PRIMARY: (K.PRIMARY, K.TEACHING_POINT, K.NINE_YEAR),
    K.JUNIOR: (K.JUNIOR, K.NINE_YEAR),
}
LEAD_KINDS = tuple(GROUP_SECTORS)


def sector_of(kind: str) -> str:
    return "kindergarten" if kind == K.KINDERGARTEN else "school"


def is_strong(school: PlannedSchool) -> bool:
    return school.is_public and school.locality != Locality.RURAL


def build_groups(rng: random.Random, writer: BulkWriter, counties: list[County]) -> int:
    """A few groups per county, each school in at most one; returns the number of members."""
    groups: list[EducationGroup] = []
    memberships: list[GroupMembership] = []
    names: set[str] = set()
    for county in counties:
        taken: set[int] = set()
        leads = [s for s in county.institutions if s.kind in LEAD_KINDS and is_strong(s)]
        leads.sort(key=lambda s: -s.students)
        for lead in leads[: max(1, round(len(county.institutions) / 30))]:
            if lead.id in taken:
                continue
            members = [s for s in county.institutions
                       if s.kind in GROUP_SECTORS[lead.kind] and s.is_public
                       and s.id not in taken and s is not lead]
            rng.shuffle(members)
            members = members[: rng.randint(2, 5)]
            if not members:
                continue
            founded = dt.date(rng.randint(2016, 2023), 9, 1)
            group = EducationGroup(
                id=writer.next_id(EducationGroup), name=unique_group_name(lead.name, names),
                kind=GroupKind.CLOSE if rng.random() < 0.55 else GroupKind.LOOSE,
                lead_id=lead.id, founded=founded)
            groups.append(group)
            taken.update([lead.id, *(m.id for m in members)])
            # The lead is a member too, from the day the group was founded.
            memberships.append(GroupMembership(id=writer.next_id(GroupMembership),
                                               group_id=group.id, institution_id=lead.id,
                                               joined=founded))
            for member in members:
                memberships.append(membership(rng, writer, group, member, founded))
    EducationGroup.objects.bulk_create(groups, batch_size=2000)
    GroupMembership.objects.bulk_create(memberships, batch_size=2000)
    return len(memberships)


def unique_group_name(lead_name: str, names: set[str]) -> str:
    name, n = f"{lead_name}教育集团", 1
    while name in names:
        n += 1
        name = f"{lead_name}教育集团（{n}）"
    names.add(name)
    return name


def membership(rng: random.Random, writer: BulkWriter, group: EducationGroup,
               member: PlannedSchool, founded: dt.date) -> GroupMembership:
    joined = dt.date(min(2025, founded.year + rng.choice((0, 0, 0, 1, 2))), 9, 1)
    left = None
    if joined.year < 2025 and rng.random() < 0.1:
        left = dt.date(rng.randint(joined.year + 1, 2025), 8, 31)
    return GroupMembership(id=writer.next_id(GroupMembership), group_id=group.id,
                           institution_id=member.id, joined=joined, left=left)


def build_pairings(rng: random.Random, writer: BulkWriter, counties: list[County]) -> int:
    """Urban schools support rural ones in their county, and districts support 县 schools."""
    pairings: list[Pairing] = []
    districts = [c for c in counties if c.is_district]
    for county in counties:
        strong = [s for s in county.institutions if is_strong(s) and s.kind in LEAD_KINDS]
        weak = [s for s in county.institutions
                if s.is_public and s.locality != Locality.URBAN
                and s.kind in (*LEAD_KINDS, K.TEACHING_POINT, K.NINE_YEAR)]
        rng.shuffle(weak)
        helpers = [c for c in districts if c.city is county.city and c is not county]
        for supported in weak[: max(1, round(len(county.institutions) / 20))]:
            pool = strong
            if helpers and not county.is_district and rng.random() < 0.3:
                # 城区学校帮扶县域学校 across the city.
                pool = [s for s in rng.choice(helpers).institutions
                        if is_strong(s) and s.kind in LEAD_KINDS]
            partners = [s for s in pool if sector_of(s.kind) == sector_of(supported.kind)
                        and s is not supported]
            if partners:
                pairings.append(pairing(rng, writer, rng.choice(partners), supported))
    Pairing.objects.bulk_create(pairings, batch_size=2000)
    return len(pairings)


def pairing(rng: random.Random, writer: BulkWriter, supporter: PlannedSchool,
            supported: PlannedSchool) -> Pairing:
    start = dt.date(rng.randint(2019, 2025), 9, 1)
    # Most pairings run three school years; some are open-ended.
    end = None if rng.random() < 0.1 else dt.date(start.year + 3, 8, 31)
    return Pairing(id=writer.next_id(Pairing), supporter_id=supporter.id,
                   supported_id=supported.id, start=start, end=end)
