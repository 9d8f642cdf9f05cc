"""Enumerations of the registry (教育事业统计 categories)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县（区）")
    TOWNSHIP = "township", _("乡镇（街道）")


class InstitutionKind(models.TextChoices):
    KINDERGARTEN = "kindergarten", "幼儿园"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    NINE_YEAR = "nine_year", "九年一贯制学校"
    COMPLETE_SECONDARY = "complete_secondary", "完全中学"
    SENIOR = "senior", "高级中学"
    TWELVE_YEAR = "twelve_year", "十二年一贯制学校"
    VOCATIONAL = "vocational", "中等职业学校"
    SPECIAL = "special", "特殊教育学校"
    TEACHING_POINT = "teaching_point", "教学点"


class Ownership(models.TextChoices):
    PUBLIC = "public", "公办"
    PRIVATE = "private", "民办"


class Locality(models.TextChoices):
    URBAN = "urban", "城区"
    TOWN = "town", "镇区"
    RURAL = "rural", "乡村"


class InstitutionStatus(models.TextChoices):
    ACTIVE = "active", "正常办学"
    SUSPENDED = "suspended", "停办"
    CLOSED = "closed", "撤销"


class Rating(models.TextChoices):
    """等级 (kindergartens and schools are rated by provinces; national default ladder)."""

    NONE = "none", "未定级"
    PROVINCIAL = "provincial", "省级示范/一级"
    CITY = "city", "市级示范/二级"
    COUNTY = "county", "县级/三级"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class HukouType(models.TextChoices):
    LOCAL = "local", "本地"
    MIGRANT = "migrant", "随迁"


class Grade(models.IntegerChoices):
    """Grades 1–12 as in 教育事业统计; kindergarten years below 1 so ordering holds."""

    KG_SMALL = -2, "小班"
    KG_MIDDLE = -1, "中班"
    KG_LARGE = 0, "大班"
    G1 = 1, "一年级"
    G2 = 2, "二年级"
    G3 = 3, "三年级"
    G4 = 4, "四年级"
    G5 = 5, "五年级"
    G6 = 6, "六年级"
    G7 = 7, "七年级"
    G8 = 8, "八年级"
    G9 = 9, "九年级"
    G10 = 10, "高一"
    G11 = 11, "高二"
    G12 = 12, "高三"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", "在读"
    TRANSFERRED = "transferred", "转出"
    SUSPENDED = "suspended", "休学"
    GRADUATED = "graduated", "毕业"


class Education(models.TextChoices):
    """最高学历."""

    POSTGRADUATE = "postgraduate", "研究生"
    BACHELOR = "bachelor", "本科"
    ASSOCIATE = "associate", "专科"
    SENIOR_SECONDARY = "senior_secondary", "高中及以下"


class Title(models.TextChoices):
    """职称 (中小学教师职称, 人社部发〔2015〕79号)."""

    SENIOR_PROFESSOR = "senior_professor", "正高级教师"
    SENIOR = "senior", "高级教师"
    FIRST = "first", "一级教师"
    SECOND = "second", "二级教师"
    THIRD = "third", "三级教师"
    NONE = "none", "未评"


class BackboneLevel(models.TextChoices):
    NONE = "none", "无"
    COUNTY = "county", "县级"
    CITY = "city", "市级"
    PROVINCE = "province", "省级"


class Establishment(models.TextChoices):
    """编制 status."""

    ON = "on", "在编"
    CONTRACT = "contract", "合同制"
    TEMPORARY = "temporary", "临时聘用"


class Post(models.TextChoices):
    PRINCIPAL = "principal", "校长/园长"
    TEACHER = "teacher", "专任教师"
    ADMIN = "admin", "行政人员"
    SUPPORT = "support", "教辅人员"
    WORKER = "worker", "工勤人员"
    CAREGIVER = "caregiver", "保育员"


class Subject(models.TextChoices):
    CHINESE = "chinese", "语文"
    MATH = "math", "数学"
    ENGLISH = "english", "英语"
    PHYSICS = "physics", "物理"
    CHEMISTRY = "chemistry", "化学"
    BIOLOGY = "biology", "生物"
    HISTORY = "history", "历史"
    GEOGRAPHY = "geography", "地理"
    POLITICS = "politics", "道德与法治/思想政治"
    PE = "pe", "体育与健康"
    MUSIC = "music", "音乐"
    ART = "art", "美术"
    SCIENCE = "science", "科学"
    IT = "it", "信息技术"
    PRESCHOOL = "preschool", "学前教育"
    VOCATIONAL = "vocational", "专业课"
    SPECIAL = "special", "特殊教育"
    OTHER = "other", "其他"


class GroupKind(models.TextChoices):
    CLOSE = "close", "紧密型"
    LOOSE = "loose", "松散型"
