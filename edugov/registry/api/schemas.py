"""Input and output schemas of the registry API.

Choice fields carry a ``*_label`` (the Chinese display name) beside the code.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator, model_validator

from edugov.core.masking import mask_address, mask_id_number, mask_phone, mask_student_no
from edugov.core.pagination import PageParams
from edugov.registry.choices import (
    BackboneLevel,
    Education,
    Establishment,
    Grade,
    GroupKind,
    HukouType,
    InstitutionKind,
    InstitutionStatus,
    Locality,
    Ownership,
    Post,
    RegionLevel,
    Sex,
    Subject,
    Title,
)

REGION_CODE = r"^\d{6}(\d{3}){0,2}$"
SUBTREE = "行政区划代码（含全部下级）"
INSTITUTION_CODE = r"^\d{10}$"


def label(obj: Any, field: str) -> str:
    """The display label of a choice field (``get_FOO_display``)."""
    return str(getattr(obj, f"get_{field}_display")())


def choice_label(field: str) -> staticmethod[[Any], str]:
    """A ``resolve_<name>_label`` for ninja: the display label of the choice ``field``."""
    return staticmethod(lambda obj: label(obj, field))


def personal(obj: Any, field: str, masker: Any) -> str:
    """A personal field, masked unless the view attached an audited unmasking to ``obj``."""
    clear: dict[str, str] | None = getattr(obj, "unmasked", None)
    if clear is not None and field in clear:
        return clear[field]
    return str(masker(getattr(obj, field)))


# ---------------------------------------------------------------- references


class RegionRef(Schema):
    code: str
    name: str


class InstitutionRef(Schema):
    code: str = Field(description="学校标识码")
    name: str


class StaffRef(Schema):
    id: int
    name: str


class ClassRef(Schema):
    id: int
    name: str


# ---------------------------------------------------------------- filters


class RegionFilters(PageParams):
    level: RegionLevel | None = Field(None, description="级别")
    parent: str | None = Field(None, pattern=REGION_CODE,
                               description="上级行政区划代码（只列直接下级）")
    region: str | None = Field(None, pattern=REGION_CODE, description=SUBTREE)
    q: str | None = Field(None, max_length=64, description="名称包含")


class InstitutionFilters(PageParams):
    region: str | None = Field(None, pattern=REGION_CODE, description=SUBTREE)
    kind: InstitutionKind | None = Field(None, description="办学类型")
    ownership: Ownership | None = Field(None, description="举办者")
    locality: Locality | None = Field(None, description="城乡分类")
    status: InstitutionStatus | None = Field(None, description="办学状态")
    inclusive: bool | None = Field(None, description="普惠性（幼儿园）")
    standardized: bool | None = Field(None, description="标准化学校")
    q: str | None = Field(None, max_length=64, description="名称包含，或学校标识码开头")


class ClassFilters(PageParams):
    region: str | None = Field(None, pattern=REGION_CODE, description=SUBTREE)
    institution: str | None = Field(None, pattern=INSTITUTION_CODE, description="学校标识码")
    academic_year: int | None = Field(None, ge=1990, le=2100,
                                      description="学年起始年份，默认当前学年")
    grade: Grade | None = Field(None, description="年级（幼儿园：-2 小班，-1 中班，0 大班）")


class StudentFilters(PageParams):
    region: str | None = Field(None, pattern=REGION_CODE, description=SUBTREE)
    institution: str | None = Field(None, pattern=INSTITUTION_CODE, description="学校标识码")
    grade: Grade | None = Field(None, description="当前学年所在年级")
    sex: Sex | None = Field(None, description="性别")
    hukou_type: HukouType | None = Field(None, description="户籍类型")
    left_behind: bool | None = Field(None, description="留守儿童")
    disabled: bool | None = Field(None, description="残疾")
    hardship: bool | None = Field(None, description="家庭经济困难")
    q: str | None = Field(None, max_length=64, description="姓名包含，或学籍号")


class StaffFilters(PageParams):
    region: str | None = Field(None, pattern=REGION_CODE, description=SUBTREE)
    institution: str | None = Field(None, pattern=INSTITUTION_CODE, description="学校标识码")
    post: Post | None = Field(None, description="现任岗位")
    sex: Sex | None = Field(None, description="性别")
    education: Education | None = Field(None, description="最高学历")
    title: Title | None = Field(None, description="职称")
    subject: Subject | None = Field(None, description="主要任教学科")
    backbone_level: BackboneLevel | None = Field(None, description="骨干教师级别")
    establishment: Establishment | None = Field(None, description="编制情况")
    certified: bool | None = Field(None, description="持有教师资格证")
    q: str | None = Field(None, max_length=64, description="姓名包含")


class GroupFilters(PageParams):
    region: str | None = Field(None, pattern=REGION_CODE,
                               description="牵头学校所在行政区划（含下级）")
    institution: str | None = Field(None, pattern=INSTITUTION_CODE,
                                    description="牵头或成员学校的学校标识码")
    kind: GroupKind | None = Field(None, description="集团类型")
    q: str | None = Field(None, max_length=64, description="名称包含")


class PairingFilters(PageParams):
    region: str | None = Field(None, pattern=REGION_CODE,
                               description="受援学校所在行政区划（含下级）")
    institution: str | None = Field(None, pattern=INSTITUTION_CODE,
                                    description="支援或受援学校的学校标识码")
    active: bool | None = Field(None, description="今天是否在帮扶期内")


class AcademicYearFilters(PageParams):
    current: bool | None = Field(None, description="只看当前学年")


# ---------------------------------------------------------------- outputs


class RegionOut(Schema):
    code: str = Field(description="行政区划代码")
    name: str
    level: str
    level_label: str
    parent_code: str | None = Field(None, description="上级行政区划代码")

    resolve_level_label = choice_label("level")

    @staticmethod
    def resolve_parent_code(obj: Any) -> str | None:
        return obj.parent.code if obj.parent_id else None


class InstitutionOut(Schema):
    code: str = Field(description="学校标识码")
    name: str
    kind: str
    kind_label: str
    ownership: str
    ownership_label: str
    inclusive: bool = Field(description="普惠性")
    rating: str
    rating_label: str
    locality: str
    locality_label: str
    status: str
    status_label: str
    standardized: bool = Field(description="标准化学校")
    boarding: bool = Field(description="寄宿制")
    region: RegionRef
    address: str
    phone: str = Field(description="办公电话（单位电话，不属于个人信息）")
    founded: dt.date | None
    teaching_area_m2: float = Field(description="教学及辅助用房面积（m²）")
    sports_area_m2: float = Field(description="体育运动场馆面积（m²）")
    equipment_value_yuan: float = Field(description="教学仪器设备值（元）")
    multimedia_classrooms: int
    books: int
    music_rooms: int
    art_rooms: int
    updated_at: dt.datetime

    resolve_kind_label = choice_label("kind")
    resolve_ownership_label = choice_label("ownership")
    resolve_rating_label = choice_label("rating")
    resolve_locality_label = choice_label("locality")
    resolve_status_label = choice_label("status")


class InstitutionDetail(InstitutionOut):
    student_count: int = Field(description="在籍学生数")
    staff_count: int = Field(description="在岗教职工数")
    class_count: int = Field(description="当前学年班级数")


class InstitutionPatch(Schema):
    """Facility figures and status; only the fields sent are changed."""

    # Unknown fields are an error rather than silently ignored, so a client never
    # believes it changed something it cannot change here.
    model_config = ConfigDict(extra="forbid")

    teaching_area_m2: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2,
                                             description="教学及辅助用房面积（m²）")
    sports_area_m2: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2,
                                           description="体育运动场馆面积（m²）")
    equipment_value_yuan: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2,
                                                 description="教学仪器设备值（元）")
    multimedia_classrooms: int | None = Field(None, ge=0, description="网络多媒体教室数")
    books: int | None = Field(None, ge=0, description="图书册数")
    music_rooms: int | None = Field(None, ge=0, description="音乐专用教室数")
    art_rooms: int | None = Field(None, ge=0, description="美术专用教室数")
    status: InstitutionStatus | None = Field(None, description="办学状态")

    @field_validator("*", mode="before")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        # None is only the "not sent" default; an explicit null would blank a figure.
        if value is None:
            raise ValueError("不能为空；不修改的字段请不要发送")
        return value

    @model_validator(mode="after")
    def something_to_change(self) -> InstitutionPatch:
        if not self.model_fields_set:
            raise ValueError("请至少提供一个要修改的字段")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in sorted(self.model_fields_set)}


class ClassOut(Schema):
    id: int
    name: str = Field(description="班级名称")
    institution: InstitutionRef
    academic_year: int = Field(description="学年起始年份")
    grade: int
    grade_label: str
    number: int = Field(description="班号")
    head_teacher: StaffRef | None = Field(None, description="班主任")
    size: int = Field(description="在读学生数")

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)

    @staticmethod
    def resolve_academic_year(obj: Any) -> int:
        return int(obj.academic_year.start_year)

    resolve_grade_label = choice_label("grade")


class StudentOut(Schema):
    id: int
    student_no: str = Field(description="全国学籍号（G+身份证号，默认脱敏）")
    name: str
    sex: str
    sex_label: str
    birth_date: dt.date
    id_number: str = Field(description="身份证号（默认脱敏）")
    hukou_type: str
    hukou_type_label: str
    hukou_region_code: str
    address: str = Field(description="现住址（默认脱敏）")
    guardian_phone: str = Field(description="监护人电话（默认脱敏）")
    left_behind: bool
    disabled: bool
    hardship: bool
    institution: InstitutionRef | None = Field(None, alias="current_institution")
    grade: int | None = Field(None, description="当前学年年级")
    grade_label: str | None = None

    resolve_sex_label = choice_label("sex")
    resolve_hukou_type_label = choice_label("hukou_type")

    @staticmethod
    def resolve_student_no(obj: Any) -> str:
        return personal(obj, "student_no", mask_student_no)

    @staticmethod
    def resolve_id_number(obj: Any) -> str:
        return personal(obj, "id_number", mask_id_number)

    @staticmethod
    def resolve_address(obj: Any) -> str:
        return personal(obj, "address", mask_address)

    @staticmethod
    def resolve_guardian_phone(obj: Any) -> str:
        return personal(obj, "guardian_phone", mask_phone)

    @staticmethod
    def resolve_grade(obj: Any) -> int | None:
        return getattr(obj, "current_grade", None)

    @staticmethod
    def resolve_grade_label(obj: Any) -> str | None:
        grade = getattr(obj, "current_grade", None)
        return None if grade is None else str(Grade(grade).label)


class EnrolmentOut(Schema):
    academic_year: int = Field(description="学年起始年份")
    institution: InstitutionRef
    grade: int
    grade_label: str
    school_class: ClassRef | None = Field(None, description="班级")
    status: str
    status_label: str
    entry_date: dt.date | None = Field(None, description="入学日期")

    @staticmethod
    def resolve_academic_year(obj: Any) -> int:
        return int(obj.academic_year.start_year)

    resolve_grade_label = choice_label("grade")

    @staticmethod
    def resolve_school_class(obj: Any) -> dict[str, Any] | None:
        klass = obj.school_class
        return None if klass is None else {"id": klass.pk, "name": str(klass)}

    resolve_status_label = choice_label("status")


class StudentDetail(StudentOut):
    masked: bool = Field(description="个人信息是否已脱敏")
    enrolments: list[EnrolmentOut] = Field(
        description="学籍注册历史（仅含您管辖范围内的学校）")

    @staticmethod
    def resolve_masked(obj: Any) -> bool:
        return getattr(obj, "unmasked", None) is None

    @staticmethod
    def resolve_enrolments(obj: Any) -> list[Any]:
        return list(obj.history)


class StaffOut(Schema):
    id: int
    name: str
    sex: str
    sex_label: str
    birth_date: dt.date
    id_number: str = Field(description="身份证号（默认脱敏）")
    phone: str = Field(description="电话（默认脱敏）")
    education: str
    education_label: str
    title: str
    title_label: str
    certified: bool = Field(description="持有教师资格证")
    subject: str
    subject_label: str
    backbone_level: str
    backbone_level_label: str
    establishment: str
    establishment_label: str
    institution: InstitutionRef | None = Field(None, alias="current_institution")
    post: str = Field(alias="current_post")
    post_label: str

    resolve_sex_label = choice_label("sex")

    @staticmethod
    def resolve_id_number(obj: Any) -> str:
        return personal(obj, "id_number", mask_id_number)

    @staticmethod
    def resolve_phone(obj: Any) -> str:
        return personal(obj, "phone", mask_phone)

    resolve_education_label = choice_label("education")
    resolve_title_label = choice_label("title")
    resolve_subject_label = choice_label("subject")
    resolve_backbone_level_label = choice_label("backbone_level")
    resolve_establishment_label = choice_label("establishment")
    resolve_post_label = choice_label("current_post")


class AssignmentOut(Schema):
    institution: InstitutionRef
    post: str
    post_label: str
    start: dt.date
    end: dt.date | None
    days: int = Field(description="任职天数（在任的算到今天）")

    resolve_post_label = choice_label("post")

    @staticmethod
    def resolve_days(obj: Any) -> int:
        return int(obj.tenure_days(timezone.localdate()))


class TenureOut(Schema):
    """Continuous service at the current institution, across post changes."""

    institution: InstitutionRef
    since: dt.date
    days: int
    years: float


class StaffDetail(StaffOut):
    masked: bool = Field(description="个人信息是否已脱敏")
    assignments: list[AssignmentOut] = Field(description="任职历史（仅含您管辖范围内的学校）")
    tenure: TenureOut | None = Field(None, description="在现任学校的连续任职")

    @staticmethod
    def resolve_masked(obj: Any) -> bool:
        return getattr(obj, "unmasked", None) is None

    @staticmethod
    def resolve_assignments(obj: Any) -> list[Any]:
        return list(obj.history)

    @staticmethod
    def resolve_tenure(obj: Any) -> Any:
        return obj.tenure


class GroupOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    lead: InstitutionRef = Field(description="牵头学校")
    founded: dt.date | None
    member_count: int = Field(description="现有成员学校数")

    resolve_kind_label = choice_label("kind")


class PairingOut(Schema):
    id: int
    supporter: InstitutionRef = Field(description="支援学校")
    supported: InstitutionRef = Field(description="受援学校")
    start: dt.date
    end: dt.date | None
    active: bool = Field(description="今天是否在帮扶期内")

    @staticmethod
    def resolve_active(obj: Any) -> bool:
        today = timezone.localdate()
        return bool(obj.start <= today and (obj.end is None or obj.end >= today))


class AcademicYearOut(Schema):
    start_year: int
    name: str
    start: dt.date
    end: dt.date
    is_current: bool

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)
