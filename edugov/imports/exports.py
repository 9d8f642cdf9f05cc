"""What an export holds: the import template's columns (so an unmasked export re-imports),
filled from rows the acting user may see, personal fields masked unless asked otherwise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from edugov.core.masking import mask_address, mask_id_number, mask_phone, mask_student_no
from edugov.imports import labels
from edugov.imports.entities import IMPORTERS
from edugov.imports.entities.lookups import chunks
from edugov.imports.selectors import within_reach
from edugov.registry.models import (
    AcademicYear,
    Assignment,
    Enrolment,
    Institution,
    SchoolClass,
    Staff,
    Student,
)

#: Rows fetched per query while streaming; enrolments are looked up per chunk.
CHUNK = 5000


def _labels(mapping: dict[str, str]) -> dict[Any, str]:
    return {value: label for label, value in mapping.items()}


SEX_LABEL = _labels(labels.SEX)
HUKOU_LABEL = _labels(labels.HUKOU)


@dataclass
class Sheet:
    headers: list[str]
    rows: Iterator[list[Any]]
    date_columns: frozenset[int]
    #: Whether the sheet holds personal data (the audit row says so).
    personal: bool


def _headers(entity: str) -> list[str]:
    return [c.header for c in IMPORTERS[entity].columns]


def _date_columns(entity: str) -> frozenset[int]:
    return frozenset(i for i, c in enumerate(IMPORTERS[entity].columns) if c.kind == "date")


def _identity(value: str | None) -> str:
    return value or ""


def _student_no_masker(unmasked: bool) -> Callable[[str], str]:
    # A G-prefixed 学籍号 is G + 身份证号: masking one and not the other would leak it.
    return _identity if unmasked else mask_student_no


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def students(actor: Any, year: AcademicYear | None, unmasked: bool) -> Sheet:
    assert year is not None
    masked_no = _student_no_masker(unmasked)
    id_number = _identity if unmasked else mask_id_number
    address = _identity if unmasked else mask_address
    queryset = within_reach(actor, Student.objects.all()).order_by("id").values_list(
        "id", "student_no", "name", "sex", "birth_date", "id_number",
        "current_institution__code", "hukou_type", "hukou_region_code", "address")

    def rows() -> Iterator[list[Any]]:
        for batch in chunks(queryset.iterator(chunk_size=CHUNK), CHUNK):
            enrolled = {e[0]: e[1:] for e in Enrolment.objects.filter(
                academic_year=year, student_id__in=[s[0] for s in batch]).values_list(
                "student_id", "institution__code", "grade", "school_class__number",
                "entry_date")}
            for pk, no, name, sex, birth, number, code, hukou, hukou_code, addr in batch:
                school, grade, klass, entry = enrolled.get(pk, (code, None, None, None))
                yield [masked_no(no), name, SEX_LABEL.get(sex, sex), birth, id_number(number),
                       school or "", labels.GRADE_LABEL.get(grade, "") if grade is not None
                       else "", klass, HUKOU_LABEL.get(hukou, hukou), hukou_code,
                       address(addr), entry]

    return Sheet(_headers("students"), rows(), _date_columns("students"), personal=True)


def staff(actor: Any, year: AcademicYear | None, unmasked: bool) -> Sheet:
    id_number = _identity if unmasked else mask_id_number
    phone = _identity if unmasked else mask_phone
    queryset = within_reach(actor, Staff.objects.all()).order_by("id").values_list(
        "id", "id_number", "name", "sex", "birth_date", "phone", "education", "title",
        "certified", "subject", "backbone_level", "establishment", "current_institution__code",
        "current_post")
    education, title = _labels(labels.EDUCATION), _labels(labels.TITLE)
    subject, backbone = _labels(labels.SUBJECT), _labels(labels.BACKBONE)
    establishment, post = _labels(labels.ESTABLISHMENT), _labels(labels.POST)

    def rows() -> Iterator[list[Any]]:
        for batch in chunks(queryset.iterator(chunk_size=CHUNK), CHUNK):
            starts = dict(Assignment.objects.filter(
                staff_id__in=[s[0] for s in batch], end__isnull=True).values_list(
                "staff_id", "start"))
            for (pk, number, name, sex, birth, tel, edu, ttl, certified, subj, level, est,
                 code, current_post) in batch:
                yield [id_number(number), name, SEX_LABEL.get(sex, sex), birth, phone(tel),
                       education.get(edu, edu), title.get(ttl, ttl), _yes_no(certified),
                       subject.get(subj, subj), backbone.get(level, level),
                       establishment.get(est, est), code or "", post.get(current_post, ""),
                       starts.get(pk)]

    return Sheet(_headers("staff"), rows(), _date_columns("staff"), personal=True)


def classes(actor: Any, year: AcademicYear | None, unmasked: bool) -> Sheet:
    assert year is not None
    id_number = _identity if unmasked else mask_id_number
    queryset = within_reach(actor, SchoolClass.objects.filter(academic_year=year)).order_by(
        "institution__code", "grade", "number").values_list(
        "institution__code", "grade", "number", "name", "head_teacher__id_number")

    def rows() -> Iterator[list[Any]]:
        for code, grade, number, name, teacher in queryset.iterator(chunk_size=CHUNK):
            yield [code, labels.GRADE_LABEL.get(grade, grade), number, name,
                   id_number(teacher) if teacher else ""]

    return Sheet(_headers("classes"), rows(), _date_columns("classes"), personal=True)


def institutions(actor: Any, year: AcademicYear | None, unmasked: bool) -> Sheet:
    kind, ownership = _labels(labels.KIND), _labels(labels.OWNERSHIP)
    rating, locality = _labels(labels.RATING), _labels(labels.LOCALITY)
    status = _labels(labels.INSTITUTION_STATUS)
    queryset = within_reach(actor, Institution.objects.all()).order_by("code").values_list(
        "code", "name", "kind", "ownership", "inclusive", "rating", "locality", "region__code",
        "status", "standardized", "boarding", "address", "phone", "founded", "teaching_area_m2",
        "sports_area_m2", "equipment_value_yuan", "multimedia_classrooms", "books",
        "music_rooms", "art_rooms")

    def rows() -> Iterator[list[Any]]:
        for (code, name, k, own, inclusive, rate, loc, region, st, standard, boarding,
             *rest) in queryset.iterator(chunk_size=CHUNK):
            yield [code, name, kind.get(k, k), ownership.get(own, own), _yes_no(inclusive),
                   rating.get(rate, rate), locality.get(loc, loc), region, status.get(st, st),
                   _yes_no(standard), _yes_no(boarding), *rest]

    return Sheet(_headers("institutions"), rows(), _date_columns("institutions"),
                 personal=False)


SHEETS: dict[str, Callable[[Any, AcademicYear | None, bool], Sheet]] = {
    "institutions": institutions, "classes": classes, "students": students, "staff": staff,
}


def sheet_for(entity: str, *, actor: Any, year: AcademicYear | None, unmasked: bool) -> Sheet:
    return SHEETS[entity](actor, year, unmasked)
