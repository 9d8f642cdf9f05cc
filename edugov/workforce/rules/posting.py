"""Competitive posting (竞聘上岗, 县管校聘): who gets which post in a round.

The county holds the posts; each school opens posts per subject, teachers apply to posts in
order of preference, and each school ranks its applicants (policy-rules §5.1, 县管校聘 —
qualitative only). A round is settled by teacher-proposing deferred acceptance: no teacher
and school would both rather have each other than what they got (stable), and no teacher can
gain by misstating their preferences. Schools' ties are broken by the teachers' points
(积分制), then by the smaller staff id, so the result is reproducible.

Teachers left without a post go to the county pool for the second round or for allocation
(组织调剂) by the bureau.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Opening:
    id: int
    places: int


@dataclass(frozen=True)
class Application:
    teacher: int
    opening: int
    preference: int  # 1 = first choice
    #: The school's rank of this applicant for this post: 1 is best; None = not ranked,
    #: i.e. the school does not accept the applicant.
    school_rank: int | None


@dataclass(frozen=True)
class Outcome:
    placed: Mapping[int, int]  # teacher → opening
    unplaced: tuple[int, ...]


def settle(openings: Sequence[Opening], applications: Sequence[Application],
           points: Mapping[int, float] | None = None) -> Outcome:
    points = points or {}
    places = {o.id: o.places for o in openings}
    choices: dict[int, list[Application]] = defaultdict(list)
    for a in applications:
        if a.opening in places and a.school_rank is not None:
            choices[a.teacher].append(a)
    for listed in choices.values():
        listed.sort(key=lambda a: (a.preference, a.opening))

    def priority(a: Application) -> tuple[int, float, int]:
        return (a.school_rank or 0, -points.get(a.teacher, 0.0), a.teacher)

    held: dict[int, list[Application]] = defaultdict(list)
    next_choice = dict.fromkeys(choices, 0)
    free = sorted(choices)
    while free:
        teacher = free.pop()
        index = next_choice[teacher]
        if index >= len(choices[teacher]):
            continue
        next_choice[teacher] = index + 1
        application = choices[teacher][index]
        holding = held[application.opening]
        holding.append(application)
        holding.sort(key=priority)
        if len(holding) > places[application.opening]:
            free.append(holding.pop().teacher)
    placed = {a.teacher: opening for opening, kept in held.items() for a in kept}
    everyone = {a.teacher for a in applications}
    return Outcome(placed, tuple(sorted(everyone - placed.keys())))


def is_stable(openings: Sequence[Opening], applications: Sequence[Application],
              outcome: Outcome, points: Mapping[int, float] | None = None) -> bool:
    """No teacher prefers a post whose school would rank them above someone it holds (or
    which has a free place) — the property tests check against."""
    points = points or {}
    places = {o.id: o.places for o in openings}
    holders: dict[int, list[Application]] = defaultdict(list)
    by_key = {(a.teacher, a.opening): a for a in applications}
    for teacher, opening in outcome.placed.items():
        holders[opening].append(by_key[teacher, opening])

    def priority(a: Application) -> tuple[int, float, int]:
        return (a.school_rank or 0, -points.get(a.teacher, 0.0), a.teacher)

    for a in applications:
        if a.school_rank is None or a.opening not in places:
            continue
        current = outcome.placed.get(a.teacher)
        if current is not None and by_key[a.teacher, current].preference <= a.preference:
            continue
        kept = holders[a.opening]
        if len(kept) < places[a.opening] or any(priority(a) < priority(k) for k in kept):
            return False
    return True
