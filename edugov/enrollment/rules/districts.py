"""Catchment districts (学区, 免试就近入学 / 就近划片, policy-rules.md §6.2).

A district map is a list of rules, each pointing a residential community (小区/社区 code)
or an address pattern to one school. Patterns are shell-style (``*`` any text, ``?`` one
character) matched against the whole normalised address, e.g. ``示范市东城区人民路*号``.
A community code match wins over a pattern match, because the code is the precise record.

Before a round opens the map is checked against the register of communities: a community
no rule covers is a **gap** (its children would have no district school); one covered by
rules naming different schools is an **overlap** (two district schools).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    school: str
    community: str = ""
    pattern: str = ""


@dataclass(frozen=True)
class Community:
    code: str
    name: str = ""
    address: str = ""


_SPACES = re.compile(r"\s+")


def normalise(address: str) -> str:
    """Drop whitespace and turn full-width digits/letters into ASCII (１２号 → 12号)."""
    text = _SPACES.sub("", address or "")
    return "".join(chr(ord(ch) - 0xFEE0) if "！" <= ch <= "～" else ch for ch in text)


def schools_for(rules: Sequence[Rule], *, community: str = "", address: str = "") -> set[str]:
    """Every school a home maps to: by community code if any rule has it, else by address."""
    if community:
        by_code = {r.school for r in rules if r.community and r.community == community}
        if by_code:
            return by_code
    text = normalise(address)
    if not text:
        return set()
    return {r.school for r in rules
            if r.pattern and fnmatch.fnmatchcase(text, normalise(r.pattern))}


def district_school(rules: Sequence[Rule], *, community: str = "", address: str = ""
                    ) -> str | None:
    """The one district school, or None when the home is uncovered or ambiguous."""
    found = schools_for(rules, community=community, address=address)
    return next(iter(found)) if len(found) == 1 else None


@dataclass(frozen=True)
class CoverageReport:
    gaps: tuple[Community, ...]
    overlaps: tuple[tuple[Community, tuple[str, ...]], ...]
    unknown_communities: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not (self.gaps or self.overlaps)

    def messages(self) -> list[str]:
        lines = [f"未划入学区：{c.name or c.code}（{c.code}）" for c in self.gaps]
        lines += [f"重复划片：{c.name or c.code}（{c.code}）同时属于 {'、'.join(s)}"
                  for c, s in self.overlaps]
        lines += [f"学区规则引用了不存在的小区代码：{code}" for code in self.unknown_communities]
        return lines


def coverage(rules: Sequence[Rule], communities: Iterable[Community]) -> CoverageReport:
    """Gaps and overlaps of the map over the register of communities."""
    gaps, overlaps = [], []
    known = set()
    for community in communities:
        known.add(community.code)
        schools = schools_for(rules, community=community.code, address=community.address)
        if not schools:
            gaps.append(community)
        elif len(schools) > 1:
            overlaps.append((community, tuple(sorted(schools))))
    unknown = sorted({r.community for r in rules if r.community and r.community not in known})
    return CoverageReport(gaps=tuple(gaps), overlaps=tuple(overlaps),
                          unknown_communities=tuple(unknown))


def changes(old: Sequence[Rule], new: Sequence[Rule]) -> dict[str, list[Rule]]:
    """Rules added and removed between two versions of a map (for the change log)."""
    before, after = set(old), set(new)
    return {"added": sorted(after - before, key=_rule_key),
            "removed": sorted(before - after, key=_rule_key)}


def _rule_key(rule: Rule) -> tuple[str, str, str]:
    return (rule.school, rule.community, rule.pattern)
