"""The registry: regions, institutions, groups, years, classes, students, staff (DESIGN §3)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

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
    RegionLevel,
    Sex,
    Subject,
    Title,
)

# Lets constraints say code__length=10 (a CHECK both SQLite and PostgreSQL enforce).
models.CharField.register_lookup(Length)


class Region(models.Model):
    """An administrative division (GB/T 2260 code); ``path`` makes a subtree one prefix filter."""

    scope_region_path = "path"

    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=128, unique=True, editable=False)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="region_code_length",
                condition=Q(code__length__in=[6, 9, 12]),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.path = region_path(self.parent.path if self.parent else "", self.code)
        super().save(*args, **kwargs)


def region_path(parent_path: str, code: str) -> str:
    return f"{parent_path or '/'}{code}/"



class Institution(models.Model):
    """A school, kindergarten or teaching point, keyed by its 学校标识码 (10 digits)."""

    scope_institution = ""

    code = models.CharField(_("学校标识码"), max_length=10, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("办学类型"), max_length=24, choices=InstitutionKind.choices)
    ownership = models.CharField(_("举办者"), max_length=8, choices=Ownership.choices)
    inclusive = models.BooleanField(_("普惠性"), default=False)
    rating = models.CharField(_("等级"), max_length=16, choices=Rating.choices,
                              default=Rating.NONE)
    locality = models.CharField(_("城乡分类"), max_length=8, choices=Locality.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="institutions")
    status = models.CharField(_("状态"), max_length=12, choices=InstitutionStatus.choices,
                              default=InstitutionStatus.ACTIVE)
    standardized = models.BooleanField(_("标准化学校"), default=False)
    boarding = models.BooleanField(_("寄宿制"), default=False)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    phone = models.CharField(_("办公电话"), max_length=20, blank=True)
    founded = models.DateField(_("成立日期"), null=True, blank=True)
    # Facility figures used by the 优质均衡 resource indicators (教督〔2017〕6号 第七条).
    teaching_area_m2 = models.DecimalField(_("教学及辅助用房面积（m²）"),
                                           max_digits=12, decimal_places=2, default=0)
    sports_area_m2 = models.DecimalField(_("体育运动场馆面积（m²）"), max_digits=12,
                                         decimal_places=2, default=0)
    equipment_value_yuan = models.DecimalField(_("教学仪器设备值（元）"),
                                               max_digits=14, decimal_places=2, default=0)
    multimedia_classrooms = models.PositiveIntegerField(_("网络多媒体教室数"), default=0)
    books = models.PositiveIntegerField(_("图书册数"), default=0)
    music_rooms = models.PositiveIntegerField(_("音乐专用教室数"), default=0)
    art_rooms = models.PositiveIntegerField(_("美术专用教室数"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(name="institution_code_10_digits",
                                   condition=Q(code__length=10)),
            models.CheckConstraint(
                name="institution_inclusive_only_kindergarten",
                condition=Q(inclusive=False) | Q(kind=InstitutionKind.KINDERGARTEN),
            ),
            models.CheckConstraint(
                name="institution_facilities_non_negative",
                condition=Q(teaching_area_m2__gte=0, sports_area_m2__gte=0,
                            equipment_value_yuan__gte=0),
            ),
        ]
        indexes = [models.Index(fields=["region", "kind"], name="institution_region_kind")]

    def __str__(self) -> str:
        return self.name


class EducationGroup(models.Model):
    """教育集团: a lead school and its members."""

    scope_institution = "lead"

    name = models.CharField(_("名称"), max_length=128, unique=True)
    kind = models.CharField(_("办学类型"), max_length=8, choices=GroupKind.choices)
    lead = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="led_groups")
    founded = models.DateField(_("成立日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("教育集团")
        verbose_name_plural = _("教育集团")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    scope_institution = "institution"

    group = models.ForeignKey(EducationGroup, on_delete=models.CASCADE, related_name="members")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE,
                                    related_name="group_memberships")
    joined = models.DateField(_("加入日期"))
    left = models.DateField(_("退出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("集团成员")
        verbose_name_plural = _("集团成员")
        constraints = [
            models.UniqueConstraint(fields=["group", "institution", "joined"],
                                    name="group_membership_unique"),
            models.CheckConstraint(name="group_membership_dates",
                                   condition=Q(left__isnull=True) | Q(left__gte=F("joined"))),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.institution}"


class Pairing(models.Model):
    """结对帮扶: a supporting school paired with a supported one for a period."""

    scope_institution = "supported"

    supporter = models.ForeignKey(Institution, on_delete=models.CASCADE,
                                  related_name="pairings_given")
    supported = models.ForeignKey(Institution, on_delete=models.CASCADE,
                                  related_name="pairings_received")
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        constraints = [
            models.CheckConstraint(name="pairing_distinct",
                                   condition=~Q(supporter=F("supported"))),
            models.CheckConstraint(name="pairing_dates",
                                   condition=Q(end__isnull=True) | Q(end__gte=F("start"))),
        ]

    def __str__(self) -> str:
        return f"{self.supporter} → {self.supported}"


class AcademicYear(models.Model):
    """学年: 1 Sep – 31 Aug; statistics snapshot on 1 Sep (教育事业统计)."""

    start_year = models.PositiveSmallIntegerField(_("起始年份"), unique=True)
    is_current = models.BooleanField(_("当前学年"), default=False)

    class Meta:
        verbose_name = _("学年")
        verbose_name_plural = _("学年")
        ordering = ["-start_year"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True),
                                    name="one_current_academic_year"),
        ]

    def __str__(self) -> str:
        return f"{self.start_year}–{self.start_year + 1}学年"

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 9, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.start_year + 1, 8, 31)


class Term(models.Model):
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(_("学期"), choices=[(1, "第一学期"), (2, "第二学期")])
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("学期")
        verbose_name_plural = _("学期")
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "number"], name="term_unique"),
            models.CheckConstraint(name="term_dates", condition=Q(end__gt=F("start"))),
        ]

    def __str__(self) -> str:
        return f"{self.academic_year} 第{self.number}学期"


class Staff(models.Model):
    """A member of staff; where they work is the Assignment history."""

    scope_institution = "current_institution"

    id_number = models.CharField(_("身份证号"), max_length=18, unique=True)
    name = models.CharField(_("姓名"), max_length=64)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    education = models.CharField(_("最高学历"), max_length=20, choices=Education.choices)
    title = models.CharField(_("职称"), max_length=20, choices=Title.choices,
                             default=Title.NONE)
    certified = models.BooleanField(_("持有教师资格证"), default=False)
    subject = models.CharField(_("主要任教学科"), max_length=16, choices=Subject.choices,
                               blank=True)
    backbone_level = models.CharField(_("骨干教师级别"), max_length=10,
                                      choices=BackboneLevel.choices, default=BackboneLevel.NONE)
    establishment = models.CharField(_("编制情况"), max_length=10,
                                     choices=Establishment.choices, default=Establishment.ON)
    # Denormalised from the open Assignment by services, so scoping is one join.
    current_institution = models.ForeignKey(Institution, null=True, blank=True,
                                            on_delete=models.SET_NULL, related_name="staff")
    current_post = models.CharField(_("现任岗位"), max_length=12, choices=Post.choices,
                                    blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("教职工")
        verbose_name_plural = _("教职工")
        ordering = ["id"]
        indexes = [models.Index(fields=["current_institution", "current_post"],
                                name="staff_institution_post")]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A post held at an institution from ``start`` to ``end`` (open while end is null)."""

    scope_institution = "institution"

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="assignments")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="assignments")
    post = models.CharField(_("岗位"), max_length=12, choices=Post.choices)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职记录")
        ordering = ["staff_id", "start"]
        constraints = [
            models.CheckConstraint(name="assignment_dates",
                                   condition=Q(end__isnull=True) | Q(end__gte=F("start"))),
            models.UniqueConstraint(fields=["staff"], condition=Q(end__isnull=True),
                                    name="one_open_assignment_per_staff"),
            models.UniqueConstraint(fields=["staff", "start"], name="assignment_staff_start"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} @ {self.institution} {self.start}–{self.end or ''}"

    def tenure_days(self, on: dt.date | None = None) -> int:
        return ((self.end or on or dt.date.today()) - self.start).days


class SchoolClass(models.Model):
    scope_institution = "institution"

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE,
                                    related_name="classes")
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT,
                                      related_name="classes")
    grade = models.SmallIntegerField(_("年级"), choices=Grade.choices)
    number = models.PositiveSmallIntegerField(_("班号"))
    name = models.CharField(_("名称"), max_length=32, blank=True)
    head_teacher = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="head_of_classes")

    class Meta:
        verbose_name = _("班级")
        verbose_name_plural = _("班级")
        ordering = ["institution_id", "grade", "number"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "academic_year", "grade", "number"],
                                    name="class_unique"),
            models.CheckConstraint(name="class_number_positive", condition=Q(number__gte=1)),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_grade_display()}({self.number})班"


class Student(models.Model):
    scope_institution = "current_institution"

    student_no = models.CharField(_("学籍号"), max_length=19, unique=True)
    id_number = models.CharField(_("身份证号"), max_length=18, null=True, blank=True,
                                 unique=True)
    name = models.CharField(_("姓名"), max_length=64)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    hukou_type = models.CharField(_("户籍类型"), max_length=8,
                                  choices=HukouType.choices)
    hukou_region_code = models.CharField(_("户籍所在地代码"),
                                         max_length=12, blank=True)
    address = models.CharField(_("现住址"), max_length=255, blank=True)
    guardian_phone = models.CharField(_("监护人电话"), max_length=20, blank=True)
    left_behind = models.BooleanField(_("留守儿童"), default=False)
    disabled = models.BooleanField(_("残疾"), default=False)
    hardship = models.BooleanField(_("家庭经济困难"), default=False)
    # Denormalised from the current Enrolment by services, so scoping is one join.
    current_institution = models.ForeignKey(Institution, null=True, blank=True,
                                            on_delete=models.SET_NULL, related_name="students")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("学生")
        verbose_name_plural = _("学生")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="student_no_19_chars", condition=Q(student_no__length=19)),
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    """A student's place in one academic year."""

    scope_institution = "institution"

    # No single-column indexes on student or academic_year: the unique (student,
    # academic_year) constraint and enrolment_year_inst_grade lead with them and serve
    # every lookup by either; the bulk import then maintains two indexes fewer.
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrolments",
                                db_index=False)
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT,
                                      related_name="enrolments", db_index=False)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="enrolments")
    grade = models.SmallIntegerField(_("年级"), choices=Grade.choices)
    school_class = models.ForeignKey(SchoolClass, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="enrolments")
    status = models.CharField(_("状态"), max_length=12, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.ACTIVE)
    entry_date = models.DateField(_("入学日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("学籍注册")
        verbose_name_plural = _("学籍注册")
        constraints = [
            models.UniqueConstraint(fields=["student", "academic_year"],
                                    name="one_enrolment_per_student_year"),
        ]
        indexes = [
            models.Index(fields=["academic_year", "institution", "grade"],
                         name="enrolment_year_inst_grade"),
            # Class rosters use the school_class foreign key's own index.
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.academic_year} {self.institution}"
