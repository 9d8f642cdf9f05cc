"""Home-page summaries: a few aggregate queries over the registry's scoped selectors.

Every figure starts from a ``registry.selectors`` queryset, so scoping stays in one place;
here we only aggregate. Each summary is a fixed, small number of queries whatever the
size of the jurisdiction (a city of 300k students costs the same four queries as a county).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from edugov.registry import selectors
from edugov.registry.choices import EnrolmentStatus, Grade, InstitutionKind, Post
from edugov.registry.models import AcademicYear, Institution, SchoolClass
from edugov.registry.rules.class_size import BANDS, band_counts


@dataclass
class BureauSummary:
    institutions_by_kind: list[tuple[str, str, int]]
    institutions: int
    students: int
    staff: int
    classes: int
    class_bands: list[tuple[str, str, int]]
    year: AcademicYear | None


def bureau_summary(user: Any) -> BureauSummary:
    kinds = dict(InstitutionKind.choices)
    by_kind = [
        (row["kind"], kinds.get(row["kind"], row["kind"]), row["n"])
        for row in selectors.institutions_for(user).order_by()
        .values("kind").annotate(n=Count("pk")).order_by("kind")
    ]
    # classes_for()'s size is a per-row subquery: right for a page of 50 classes, but an
    # aggregate would repeat it once per band. Over a whole city one JOIN + GROUP BY of the
    # same count (active enrolments) is 4x cheaper: 160 ms for 8,500 classes on SQLite.
    sizes = selectors.classes_for(user).values("pk").annotate(
        n=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE)))
    classes = sizes.aggregate(
        total=Count("pk"),
        **{key: Count("pk", filter=Q(n__gte=least)) for key, (least, _label) in BANDS.items()},
    )
    return BureauSummary(
        institutions_by_kind=by_kind,
        institutions=sum(n for _kind, _label, n in by_kind),
        students=selectors.students_for(user).order_by().count(),
        staff=selectors.staff_for(user).order_by().count(),
        classes=classes["total"],
        class_bands=[(key, label, classes[key]) for key, (_n, label) in BANDS.items()],
        year=selectors.current_year(),
    )


@dataclass
class GradeRow:
    grade: int
    label: str
    classes: int = 0
    students: int = 0
    largest: int = 0


@dataclass
class SchoolSummary:
    institutions: list[Institution]
    grades: list[GradeRow]
    staff_by_post: list[tuple[str, int]]
    students: int
    classes: int
    staff: int
    year: AcademicYear | None = None
    class_bands: list[tuple[str, str, int]] = field(default_factory=list)


def school_summary(user: Any) -> SchoolSummary:
    """Grades, classes and staff of the school(s) a school administrator runs."""
    year = selectors.current_year()
    labels = dict(Grade.choices)
    grades: dict[int, GradeRow] = {}
    # A school has at most a few hundred classes: one row each is cheap and gives sizes.
    sizes = list(selectors.classes_for(user, year=year)
                 .values_list("grade", "size"))  # type: ignore[misc]  # size: annotation
    for grade, size in sizes:
        row = grades.setdefault(grade, GradeRow(grade, labels.get(grade, str(grade))))
        row.classes += 1
        row.largest = max(row.largest, size)
    enrolled = selectors.enrolments_for(user).filter(status=EnrolmentStatus.ACTIVE)
    if year is not None:
        enrolled = enrolled.filter(academic_year=year)
    for r in enrolled.order_by().values("grade").annotate(n=Count("pk")):
        row = grades.setdefault(r["grade"], GradeRow(r["grade"], labels.get(r["grade"], "")))
        row.students = r["n"]
    posts = dict(Post.choices)
    staff_by_post = [
        (posts.get(r["current_post"], r["current_post"] or "—"), r["n"])
        for r in selectors.staff_for(user).order_by()
        .values("current_post").annotate(n=Count("pk")).order_by("current_post")
    ]
    counts = band_counts(size for _grade, size in sizes)
    bands = [(key, label, counts[key]) for key, (_n, label) in BANDS.items()]
    rows = sorted(grades.values(), key=lambda g: g.grade)
    return SchoolSummary(
        institutions=list(selectors.institutions_for(user)),
        grades=rows,
        staff_by_post=staff_by_post,
        students=sum(g.students for g in rows),
        classes=len(sizes),
        staff=sum(n for _p, n in staff_by_post),
        year=year,
        class_bands=bands,
    )


@dataclass
class TeacherSummary:
    institutions: list[Institution]
    head_of: list[SchoolClass]
    linked: bool


def teacher_summary(user: Any) -> TeacherSummary:
    """The teacher's school(s) and the classes they are head teacher of this year."""
    head_of: list[SchoolClass] = []
    if user.staff_id is not None:
        head_of = list(selectors.classes_for(user).filter(head_teacher_id=user.staff_id))
    return TeacherSummary(
        institutions=list(selectors.institutions_for(user)),
        head_of=head_of,
        linked=user.staff_id is not None,
    )
