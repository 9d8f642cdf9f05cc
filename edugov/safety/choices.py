"""Enumerations of campus safety (labels are the terms county forms use)."""

from __future__ import annotations

from django.db import models

from edugov.safety.rules import grading, grid, schedule


class Domain(models.TextChoices):
    FIRE = "fire", "消防安全"
    DROWNING = "drowning", "防溺水"
    TRAFFIC = "traffic", "交通安全"
    FOOD = "food", "食品安全（阳光厨房）"
    EPIDEMIC = "epidemic", "传染病防控"
    BUILDING = "building", "校舍建筑"
    ELECTRICITY = "electricity", "用电安全（智慧用电）"
    LABORATORY = "laboratory", "实验室危化品"
    SURROUNDINGS = "surroundings", "校园周边"
    PSYCHOLOGY = "psychology", "心理危机"
    OTHER = "other", "其他"


# The three below mirror the codes of the pure rules (rules/), which cannot import Django.


class Grade(models.TextChoices):
    MAJOR = grading.MAJOR, "重大"
    SIGNIFICANT = grading.SIGNIFICANT, "较大"
    GENERAL = grading.GENERAL, "一般"


class Frequency(models.TextChoices):
    DAILY = schedule.DAILY, "每日巡查"
    WEEKLY = schedule.WEEKLY, "每周检查"
    MONTHLY = schedule.MONTHLY, "每月自查"
    TERMLY = schedule.TERMLY, "学期检查"
    CAMPAIGN = schedule.CAMPAIGN, "专项检查"


class PostLevel(models.TextChoices):
    BUREAU_LEAD = grid.BUREAU_LEAD, "教育局分管领导"
    COUNTY_SECTION = grid.COUNTY_SECTION, "县区安全股室"
    PRINCIPAL = grid.PRINCIPAL, "校长（第一责任人）"
    SAFETY_OFFICER = grid.SAFETY_OFFICER, "学校安全专干"
    AREA_OWNER = grid.AREA_OWNER, "楼栋/区域责任人"


class Evidence(models.TextChoices):
    YES_NO = "yes_no", "是/否"
    READING = "reading", "读数"
    PHOTO = "photo", "照片"


class HazardSource(models.TextChoices):
    INSPECTION = "inspection", "检查发现"
    STAFF = "staff", "教职工上报"
    PUBLIC = "public", "群众举报"


class SupervisionLevel(models.IntegerChoices):
    SCHOOL = 0, "学校"
    COUNTY = 1, "县（区）"
    CITY = 2, "市"


class InspectionKind(models.TextChoices):
    SELF = "self", "学校自查"
    COUNTY = "county", "县区检查"
    CAMPAIGN = "campaign", "专项检查"


class AreaKind(models.TextChoices):
    TEACHING = "teaching", "教学楼"
    DORMITORY = "dormitory", "宿舍楼"
    CANTEEN = "canteen", "食堂"
    LAB = "lab", "实验室"
    SPORTS = "sports", "运动场地"
    GATE = "gate", "校门及周边"
    OTHER = "other", "其他区域"


class IncidentSeverity(models.TextChoices):
    """Levels of 《生产安全事故报告和调查处理条例》: I 特别重大 … IV 一般."""

    EXTREME = "I", "特别重大"
    MAJOR = "II", "重大"
    SIGNIFICANT = "III", "较大"
    GENERAL = "IV", "一般"


SERIOUS_INCIDENT = frozenset({IncidentSeverity.EXTREME, IncidentSeverity.MAJOR,
                              IncidentSeverity.SIGNIFICANT})


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", "隐患交办"
    APPROACHING = "approaching", "即将到期"
    OVERDUE = "overdue", "已逾期"
    ESCALATED = "escalated", "升级督办"
    DIGEST = "digest", "每日摘要"
