"""Chinese labels ↔ stored values, from registry.choices (the import's vocabulary)."""

from __future__ import annotations

from django.db import models

from edugov.registry.choices import (
    BackboneLevel,
    Education,
    Establishment,
    Grade,
    HukouType,
    InstitutionKind,
    InstitutionStatus,
    Locality,
    Ownership,
    Post,
    Rating,
    Sex,
    Subject,
    Title,
)


def by_label(choices: type[models.Choices]) -> dict[str, str]:
    """{"男": "M", …}: the label a user types → the stored value."""
    return {str(label): value for value, label in choices.choices}


def to_label(choices: type[models.Choices]) -> dict[object, str]:
    return {value: str(label) for value, label in choices.choices}


SEX = by_label(Sex)
HUKOU = by_label(HukouType)
KIND = by_label(InstitutionKind)
OWNERSHIP = by_label(Ownership)
RATING = by_label(Rating)
LOCALITY = by_label(Locality)
INSTITUTION_STATUS = by_label(InstitutionStatus)
EDUCATION = by_label(Education)
TITLE = by_label(Title)
BACKBONE = by_label(BackboneLevel)
ESTABLISHMENT = by_label(Establishment)
POST = by_label(Post)
SUBJECT = by_label(Subject)

#: 年级 labels, plus the names schools commonly use for the same grades.
GRADE: dict[str, int] = {
    **{str(label): int(value) for value, label in Grade.choices},
    "初一": 7, "初二": 8, "初三": 9, "高中一年级": 10, "高中二年级": 11, "高中三年级": 12,
    "七年级（初一）": 7, "八年级（初二）": 8, "九年级（初三）": 9,
    "幼儿园小班": -2, "幼儿园中班": -1, "幼儿园大班": 0,
}
GRADE_RANGE = (min(Grade.values), max(Grade.values))
GRADE_LABEL = to_label(Grade)
