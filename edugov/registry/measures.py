"""The registry's measures for the data center (DESIGN §5): students, classes, staff,
facilities, institutions and groups, each as of the statistics date 1 September.

Each ``fact`` returns one ibis row per counted thing (an enrolment, a class, a post, a
school) with ``institution_id``, ``value`` and the dimension columns; the data center
sums them per institution and rolls them up to every region level. Facility figures and
an institution's attributes have no history in the registry, so every year sees their
current values; stored results keep what each year looked like.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from edugov.metrics.catalog import (
    Dimension,
    RecordMeasure,
    Tables,
    boolean_dimension,
    choices_dimension,
    register,
    snapshot_date,
)
from edugov.registry import models as m
from edugov.registry.choices import (
    BackboneLevel,
    Education,
    EnrolmentStatus,
    Establishment,
    Grade,
    GroupKind,
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

REGION = m.Region._meta.db_table
INSTITUTION = m.Institution._meta.db_table
YEAR = m.AcademicYear._meta.db_table
ENROLMENT = m.Enrolment._meta.db_table
STUDENT = m.Student._meta.db_table
CLASS = m.SchoolClass._meta.db_table
STAFF = m.Staff._meta.db_table
ASSIGNMENT = m.Assignment._meta.db_table
GROUP = m.EducationGroup._meta.db_table
MEMBERSHIP = m.GroupMembership._meta.db_table

#: 学段 derived from the grade, so a 九年一贯制 school's pupils count at both levels.
LEVELS = ("kindergarten", "primary", "junior", "senior")
#: Class-size bands of the 班额 form (policy-rules §3: ≤25, 26–30, …, 61–65, ≥66).
SIZE_BANDS = ("<=25", "26-30", "31-35", "36-40", "41-45", "46-50", "51-55", "56-60",
              "61-65", ">=66")
#: 教育部统计口径 (policy-rules §3): ≤45 正常, 46–55 偏大, 56–65 大班额, ≥66 超大班额.
SIZE_CATEGORIES = ("normal", "oversize", "large", "huge")
#: Standard class size by level (建标102-2002 / 建标109-2008; 优质均衡 item 5): 小学 45, 初中 50.
STANDARD_CLASS_SIZE = {"primary": 45, "junior": 50}

# -- dimensions -------------------------------------------------------------------------

KIND = choices_dimension("kind", "办学类型", InstitutionKind)
OWNERSHIP = choices_dimension("ownership", "举办者", Ownership)
INCLUSIVE = boolean_dimension("inclusive", "普惠性")
RATING = choices_dimension("rating", "等级", Rating)
STANDARDIZED = boolean_dimension("standardized", "标准化学校")
LOCALITY = choices_dimension("locality", "城乡分类", Locality)
LEVEL = Dimension("level", "学段", frozenset(LEVELS))
GRADE = choices_dimension("grade", "年级", Grade)
SEX = choices_dimension("sex", "性别", Sex)
INSTITUTION_DIMENSIONS = (KIND, OWNERSHIP, INCLUSIVE, RATING, STANDARDIZED, LOCALITY)


def level_of(grade: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases((grade <= 0, "kindergarten"), (grade <= 6, "primary"),
                      (grade <= 9, "junior"), else_="senior")


def as_double(value: Any) -> ir.FloatingValue:
    # Spark reads a bare 1.0 as DECIMAL(2,1); every measured value is DOUBLE everywhere.
    return ibis.literal(value).cast("float64") if not isinstance(value, ir.Value) \
        else value.cast("float64")


def summed(rows: ir.Table, keys: list[str], values: tuple[str, ...] = ("value",),
           ) -> ir.Table:
    """``rows`` summed per institution and the columns in ``keys``.

    A fact whose builder is told the columns its references need (``columns=``) returns
    rows weighted by ``value`` instead of one row per thing: sums are the same, and a
    province's ten million enrolments become some ten thousand rows before the schools'
    attributes are joined and the conditional sums evaluated.
    """
    return rows.group_by(["institution_id", *keys]).aggregate(
        **{v: rows[v].sum() for v in values})


def institution_columns(tables: Tables) -> ir.Table:
    """Institutions that exist and teach: their attributes as dimension columns."""
    inst = tables[INSTITUTION]
    inst = inst.filter(inst.status == InstitutionStatus.ACTIVE.value)
    return inst.select(
        institution_id=inst.id.cast("int64"), kind=inst.kind, ownership=inst.ownership,
        inclusive=inst.inclusive.cast("int32"), rating=inst.rating,
        standardized=inst.standardized.cast("int32"), locality=inst.locality,
    )


def year_id(tables: Tables, year: int) -> ir.Table:
    years = tables[YEAR]
    return years.filter(years.start_year == year).select(year_id=years.id)


def active_enrolments(tables: Tables, year: int) -> ir.Table:
    enrol = tables[ENROLMENT]
    enrol = enrol.filter(enrol.status == EnrolmentStatus.ACTIVE.value)
    years = year_id(tables, year)
    return enrol.inner_join(years, enrol.academic_year_id == years.year_id)


# -- students ---------------------------------------------------------------------------


#: Dimensions read from the student row: the enrolment → student join is the most
#: expensive step of a province computation, so it is made only when a reference needs it.
STUDENT_DIMENSIONS = frozenset({"sex", "hukou_type", "disabled", "left_behind"})
GROUP_COLUMNS = frozenset({"group_kind", "group_value"})


def students_fact(tables: Tables, year: int, columns: frozenset[str] | None = None,
                  ) -> ir.Table:
    """Active enrolments with their student's and school's attributes.

    With ``columns`` (the engine's call) the student join is made only when a reference
    filters by a student's attribute, rows are summed per school, grade and those
    attributes first (see :func:`summed`), and the group membership columns that
    ``groups.member_students`` sums (``group_value``: the pupils of a group member
    school, else 0) are added only when asked for.
    """
    enrol = active_enrolments(tables, year)
    rows = enrol.select(institution_id=enrol.institution_id.cast("int64"),
                        grade=enrol.grade, student_id=enrol.student_id, value=as_double(1.0))
    wanted = STUDENT_DIMENSIONS if columns is None else STUDENT_DIMENSIONS & columns
    if wanted:
        student = tables[STUDENT]
        picked = {"sex": student.sex, "hukou_type": student.hukou_type,
                  "disabled": student.disabled.cast("int32"),
                  "left_behind": student.left_behind.cast("int32")}
        student = student.select(student_id=student.id,
                                 **{k: v for k, v in picked.items() if k in wanted})
        rows = rows.inner_join(student, "student_id")
    rows = rows.drop("student_id")
    if columns is not None:
        rows = summed(rows, ["grade", *sorted(wanted)])
    facts = rows.inner_join(institution_columns(tables), "institution_id")
    if columns is None or columns & GROUP_COLUMNS:
        facts = facts.left_join(group_schools(tables, year), "institution_id")
        facts = facts.drop("institution_id_right")
        facts = facts.mutate(group_value=facts.group_kind.notnull().ifelse(
            facts.value, as_double(0.0)))
    return facts.mutate(level=level_of(facts.grade))


register(RecordMeasure(
    name="students.enrolled", label="在校生数（在读学籍）", unit="人",
    dimensions=(*INSTITUTION_DIMENSIONS, LEVEL, GRADE, SEX,
                choices_dimension("hukou_type", "户籍类型", HukouType),
                boolean_dimension("disabled", "残疾"),
                boolean_dimension("left_behind", "留守儿童")),
    fact=students_fact, tables=(ENROLMENT, STUDENT, INSTITUTION, YEAR, MEMBERSHIP, GROUP),
    takes_columns=True, costly=STUDENT_DIMENSIONS,
))


# -- classes ----------------------------------------------------------------------------


def size_band(size: ir.IntegerValue) -> ir.StringValue:
    upper = [(25, "<=25"), (30, "26-30"), (35, "31-35"), (40, "36-40"), (45, "41-45"),
             (50, "46-50"), (55, "51-55"), (60, "56-60"), (65, "61-65")]
    return ibis.cases(*((size <= limit, band) for limit, band in upper), else_=">=66")


def size_category(size: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases((size <= 45, "normal"), (size <= 55, "oversize"), (size <= 65, "large"),
                      else_="huge")


def classes_fact(tables: Tables, year: int, columns: frozenset[str] | None = None,
                 ) -> ir.Table:
    """Classes of the year with their size (active enrolments placed in them): ``value``
    1 per class and ``over_standard`` 1 when over the level's standard size.

    Both class measures sum this one fact, so the class sizes are counted once; with
    ``columns`` classes are summed per school, grade and size first (see :func:`summed`).
    """
    klass = tables[CLASS]
    years = year_id(tables, year)
    klass = klass.inner_join(years, klass.academic_year_id == years.year_id)
    enrol = active_enrolments(tables, year)
    sizes = (enrol.filter(enrol.school_class_id.notnull())
             .group_by(class_id=enrol.school_class_id).aggregate(size=ibis._.count()))
    joined = klass.left_join(sizes, klass.id == sizes.class_id)
    rows = joined.select(institution_id=joined.institution_id.cast("int64"),
                         grade=joined.grade, size=joined.size.fill_null(0),
                         value=as_double(1.0))
    if columns is not None:
        rows = summed(rows, ["grade", "size"])
    facts = rows.inner_join(institution_columns(tables), "institution_id")
    facts = facts.mutate(level=level_of(facts.grade), size_band=size_band(facts.size),
                         size_category=size_category(facts.size))
    over = ((facts.level == "primary") & (facts.size > STANDARD_CLASS_SIZE["primary"])) | (
        (facts.level == "junior") & (facts.size > STANDARD_CLASS_SIZE["junior"]))
    return facts.mutate(over_standard=over.ifelse(facts.value, as_double(0.0)))


CLASS_DIMENSIONS = (*INSTITUTION_DIMENSIONS, LEVEL, GRADE,
                    Dimension("size_band", "班额段", frozenset(SIZE_BANDS)),
                    Dimension("size_category", "班额类别", frozenset(SIZE_CATEGORIES)))
CLASS_TABLES = (CLASS, ENROLMENT, INSTITUTION, YEAR)

register(RecordMeasure(
    name="classes.count", label="班级数", unit="个", dimensions=CLASS_DIMENSIONS,
    fact=classes_fact, tables=CLASS_TABLES,
))
register(RecordMeasure(
    name="classes.over_standard", label="超标准班额班级数（小学>45人，初中>50人）", unit="个",
    dimensions=CLASS_DIMENSIONS, fact=classes_fact, tables=CLASS_TABLES, takes_columns=True,
    value="over_standard",
))


# -- staff ------------------------------------------------------------------------------


STAFF_DIMENSIONS = ("post", "education", "title", "backbone_level", "subject", "certified",
                    "establishment", "sex")


def staff_fact(tables: Tables, year: int, columns: frozenset[str] | None = None) -> ir.Table:
    """Posts held on the statistics date, from the assignment history (not today's post).

    With ``columns``, posts are summed per school and the staff attributes asked for.
    """
    on = ibis.date(snapshot_date(year).isoformat())
    posts = tables[ASSIGNMENT]
    posts = posts.filter((posts.start <= on) & (posts.end.isnull() | (posts.end >= on)))
    staff = tables[STAFF]
    joined = posts.inner_join(staff, posts.staff_id == staff.id)
    rows = joined.select(
        institution_id=joined.institution_id.cast("int64"), post=joined.post,
        education=joined.education, title=joined.title, backbone_level=joined.backbone_level,
        subject=joined.subject, certified=joined.certified.cast("int32"),
        establishment=joined.establishment, sex=joined.sex, value=as_double(1.0),
    )
    if columns is not None:
        rows = summed(rows, [d for d in STAFF_DIMENSIONS if d in columns])
    return rows.inner_join(institution_columns(tables), "institution_id")


register(RecordMeasure(
    name="staff.count", label="教职工数（统计时点在岗）", unit="人",
    dimensions=(*INSTITUTION_DIMENSIONS,
                choices_dimension("post", "岗位", Post),
                choices_dimension("education", "最高学历", Education),
                choices_dimension("title", "职称", Title),
                choices_dimension("backbone_level", "骨干教师级别", BackboneLevel),
                # Staff without a main subject (administrators, workers) store "".
                Dimension("subject", "主要任教学科",
                          frozenset({*(s.value for s in Subject), ""})),
                boolean_dimension("certified", "持有教师资格证"),
                choices_dimension("establishment", "编制情况", Establishment),
                SEX),
    fact=staff_fact, tables=(ASSIGNMENT, STAFF, INSTITUTION), takes_columns=True,
))


# -- facilities and institutions ---------------------------------------------------------


FACILITIES = {
    "facilities.teaching_area_m2": ("teaching_area_m2", "教学及辅助用房面积", "m²"),
    "facilities.sports_area_m2": ("sports_area_m2", "体育运动场馆面积", "m²"),
    "facilities.equipment_value_yuan": ("equipment_value_yuan", "教学仪器设备值", "元"),
    "facilities.multimedia_classrooms": ("multimedia_classrooms", "网络多媒体教室数", "间"),
    "facilities.books": ("books", "图书册数", "册"),
    "facilities.music_rooms": ("music_rooms", "音乐专用教室数", "间"),
    "facilities.art_rooms": ("art_rooms", "美术专用教室数", "间"),
}


def institutions_fact(tables: Tables, year: int) -> ir.Table:
    """Each active school once: ``value`` 1 and its facility figures, all in one scan."""
    inst = tables[INSTITUTION]
    figures = inst.select(institution_id=inst.id.cast("int64"),
                          **{column: as_double(inst[column])
                             for column, _label, _unit in FACILITIES.values()})
    facts = figures.inner_join(institution_columns(tables), "institution_id")
    return facts.mutate(value=as_double(1.0))


for _name, (_column, _label, _unit) in FACILITIES.items():
    register(RecordMeasure(name=_name, label=_label, unit=_unit,
                           dimensions=INSTITUTION_DIMENSIONS, fact=institutions_fact,
                           tables=(INSTITUTION,), value=_column))


register(RecordMeasure(
    name="institutions.count", label="学校（园）数", unit="所",
    dimensions=INSTITUTION_DIMENSIONS, fact=institutions_fact, tables=(INSTITUTION,),
))


# -- education groups -------------------------------------------------------------------


def group_schools(tables: Tables, year: int) -> ir.Table:
    """Institutions in at least one group on the statistics date, each once, with
    ``group_kind`` close when any of their groups is close-knit (紧密型)."""
    on = ibis.date(snapshot_date(year).isoformat())
    members = tables[MEMBERSHIP]
    members = members.filter((members.joined <= on)
                             & (members.left.isnull() | (members.left >= on)))
    groups = tables[GROUP]
    joined = members.inner_join(groups, members.group_id == groups.id)
    schools = (joined.group_by(institution_id=joined.institution_id.cast("int64"))
               .aggregate(close=(joined.kind == GroupKind.CLOSE.value).cast("int32").max()))
    return schools.select("institution_id",
                          group_kind=(schools.close == 1).ifelse("close", "loose"))


GROUP_KIND = Dimension("group_kind", "集团类型（任一紧密型即为紧密型）",
                       frozenset(k.value for k in GroupKind))


def group_schools_fact(tables: Tables, year: int) -> ir.Table:
    facts = group_schools(tables, year).inner_join(institution_columns(tables),
                                                   "institution_id")
    return facts.mutate(value=as_double(1.0))


GROUP_TABLES = (MEMBERSHIP, GROUP, INSTITUTION)
register(RecordMeasure(
    name="groups.member_schools", label="集团化办学成员学校数", unit="所",
    dimensions=(*INSTITUTION_DIMENSIONS, GROUP_KIND), fact=group_schools_fact,
    tables=GROUP_TABLES,
))
# Summed from the students' fact (its group_value column), so counting member pupils
# shares the one scan of the enrolments with students.enrolled.
register(RecordMeasure(
    name="groups.member_students", label="集团化办学成员学校在校生数", unit="人",
    dimensions=(*INSTITUTION_DIMENSIONS, LEVEL, GRADE, SEX, GROUP_KIND),
    fact=students_fact, tables=(*GROUP_TABLES, ENROLMENT, STUDENT, YEAR),
    value="group_value", takes_columns=True, costly=STUDENT_DIMENSIONS,
))
