"""Reads of competitive posting: rounds (through their county), openings, applications
(visible to the school offering the post and to the applicant's own school), the pool."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from edugov.core.scoping import visible_to
from edugov.registry.models import Staff
from edugov.workforce.models import PoolEntry, PostingApplication, PostingRound, PostOpening
from edugov.workforce.selectors.regions import regions_reaching


def rounds_for(user: Any) -> QuerySet[PostingRound]:
    return PostingRound.objects.filter(county__in=regions_reaching(user)).select_related(
            "county", "academic_year")


def openings_for(user: Any) -> QuerySet[PostOpening]:
    return visible_to(user, PostOpening.objects.select_related("round", "institution"))


def posting_applications_for(user: Any) -> QuerySet[PostingApplication]:
    offered = visible_to(user, PostingApplication.objects.all()).values("pk")
    own_staff = visible_to(user, Staff.objects.all()).values("pk")
    return PostingApplication.objects.filter(
        Q(pk__in=offered) | Q(staff__in=own_staff)).select_related(
            "staff", "opening", "opening__institution", "opening__round")


def pool_for(user: Any) -> QuerySet[PoolEntry]:
    return visible_to(user, PoolEntry.objects.select_related("staff", "round", "destination"))


def round_openings(user: Any, posting_round: PostingRound) -> QuerySet[PostOpening]:
    """Every post of a round the user can see: posts are advertised county-wide (a teacher
    applies across schools), unlike ``openings_for``, which is the offering schools' view."""
    if not rounds_for(user).filter(pk=posting_round.pk).exists():
        return PostOpening.objects.none()
    return PostOpening.objects.filter(round=posting_round).select_related("institution")


def county_pool(user: Any, posting_round: PostingRound) -> QuerySet[PoolEntry]:
    """The county pool of the round's county and year, as far as the user sees it: the first
    round fills it, the second round and 组织调剂 draw on it, so both rounds show it."""
    return pool_for(user).filter(round__county=posting_round.county_id,
                                 round__academic_year=posting_round.academic_year_id)
