"""Student health records: fitness test results, vision screenings, follow-up items.

One fitness result and one vision screening per student and academic year; the import
replaces them when a school uploads again. Scores, grades and classifications are stored
as the rules computed them at import, with the standard that scored them, so a later
revision of the standard never rewrites history.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edugov.health.workflow import FOLLOW_UP
from edugov.registry.choices import Grade, Sex
from edugov.workflow.models import WorkflowItem


class FitnessLevel(models.TextChoices):
    """等级 of 学年总分 (教体艺〔2014〕5号), plus 免测."""

    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    PASS = "pass", "及格"
    FAIL = "fail", "不及格"
    EXEMPT = "exempt", "免测"


#: The scorer's Chinese labels → stored codes.
LEVEL_CODES = {choice.label: choice.value for choice in FitnessLevel}
PASSING_LEVELS = (FitnessLevel.EXCELLENT, FitnessLevel.GOOD, FitnessLevel.PASS)


class Correction(models.TextChoices):
    """戴镜类型 (codes as in rules/vision.py)."""

    NONE = "none", "未戴镜"
    FRAME = "frame", "框架眼镜"
    CONTACT = "contact", "隐形眼镜"
    ORTHO_K = "ortho_k", "角膜塑形镜"


class MyopiaSeverity(models.TextChoices):
    NONE = "", "无"
    LOW = "low", "低度"
    MODERATE = "moderate", "中度"
    HIGH = "high", "高度"


class LowVisionLevel(models.TextChoices):
    NONE = "", "无"
    MILD = "mild", "轻度"
    MODERATE = "moderate", "中度"
    SEVERE = "severe", "重度"


class HealthRecord(models.Model):
    """What both records share: whose, which year, where the student was when tested."""

    scope_institution = "institution"

    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE,
                                related_name="+", verbose_name=_("学生"))
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("学年"))
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("学校"))
    school_class = models.ForeignKey("registry.SchoolClass", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("班级"))
    # Grade and sex are copied from the enrolment and student so aggregates by grade and
    # sex read one table (a city's year is 300k rows).
    grade = models.SmallIntegerField(_("年级"), choices=Grade.choices)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    imported_at = models.DateTimeField(_("导入时间"), auto_now=True)

    class Meta:
        abstract = True


class FitnessResult(HealthRecord):
    """A student's 学年 result of 《国家学生体质健康标准》: raw results, scores, total, 等级."""

    standard = models.CharField(_("评分标准"), max_length=64)
    height_cm = models.FloatField(_("身高(cm)"), null=True, blank=True)
    weight_kg = models.FloatField(_("体重(kg)"), null=True, blank=True)
    # Raw results in the table units; runs in seconds. Null: not tested / not in the band.
    vital_capacity = models.FloatField(_("肺活量"), null=True, blank=True)
    run_50m = models.FloatField(_("50米跑"), null=True, blank=True)
    sit_and_reach = models.FloatField(_("坐位体前屈"), null=True, blank=True)
    rope_skipping_1min = models.FloatField(_("1分钟跳绳"), null=True, blank=True)
    sit_up_1min = models.FloatField(_("1分钟仰卧起坐"), null=True, blank=True)
    shuttle_50mx8 = models.FloatField(_("50米×8往返跑"), null=True, blank=True)
    standing_long_jump = models.FloatField(_("立定跳远"), null=True, blank=True)
    pull_up = models.FloatField(_("引体向上"), null=True, blank=True)
    run_1000m_male = models.FloatField(_("1000米跑"), null=True, blank=True)
    run_800m_female = models.FloatField(_("800米跑"), null=True, blank=True)
    bmi = models.FloatField("BMI", null=True, blank=True)
    # Single-item scores (单项得分); null where the item was not scored.
    bmi_score = models.FloatField(_("BMI得分"), null=True, blank=True)
    vital_capacity_score = models.FloatField(_("肺活量得分"), null=True, blank=True)
    run_50m_score = models.FloatField(_("50米跑得分"), null=True, blank=True)
    sit_and_reach_score = models.FloatField(_("坐位体前屈得分"), null=True, blank=True)
    rope_skipping_1min_score = models.FloatField(_("1分钟跳绳得分"), null=True, blank=True)
    sit_up_1min_score = models.FloatField(_("1分钟仰卧起坐得分"), null=True, blank=True)
    shuttle_50mx8_score = models.FloatField(_("50米×8往返跑得分"), null=True, blank=True)
    standing_long_jump_score = models.FloatField(_("立定跳远得分"), null=True, blank=True)
    pull_up_score = models.FloatField(_("引体向上得分"), null=True, blank=True)
    run_1000m_male_score = models.FloatField(_("1000米跑得分"), null=True, blank=True)
    run_800m_female_score = models.FloatField(_("800米跑得分"), null=True, blank=True)
    standard_score = models.FloatField(_("标准分"), null=True, blank=True)
    bonus = models.FloatField(_("附加分"), null=True, blank=True)
    total = models.FloatField(_("学年总分"), null=True, blank=True)
    level = models.CharField(_("等级"), max_length=12, choices=FitnessLevel.choices)
    exempt_reason = models.CharField(_("免测原因"), max_length=128, blank=True)
    # 补测: the results above are the retest's; the first test's total is kept here.
    retested = models.BooleanField(_("补测"), default=False)
    first_total = models.FloatField(_("首次测试总分"), null=True, blank=True)

    class Meta:
        verbose_name = _("体质健康测试成绩")
        verbose_name_plural = _("体质健康测试成绩")
        ordering = ["academic_year_id", "institution_id", "grade", "student_id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "academic_year"],
                                    name="fitness_one_result_per_year"),
            models.CheckConstraint(
                name="fitness_exempt_has_reason_and_no_total",
                condition=~Q(level="exempt") | (~Q(exempt_reason="") & Q(total__isnull=True))),
            models.CheckConstraint(name="fitness_retest_keeps_first_total",
                                   condition=Q(retested=False) | Q(first_total__isnull=False)),
        ]
        indexes = [models.Index(fields=["academic_year", "institution", "grade"],
                                name="fitness_year_inst_grade")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.academic_year_id} {self.get_level_display()}"

    @property
    def has_passed(self) -> bool:
        return self.level in PASSING_LEVELS


class VisionScreening(HealthRecord):
    """视力筛查: per eye 裸眼/戴镜视力 (5 分记录), 电脑验光, and the classification."""

    screened_on = models.DateField(_("筛查日期"), null=True, blank=True)
    age = models.PositiveSmallIntegerField(_("筛查时年龄"))
    correction = models.CharField(_("戴镜类型"), max_length=8, choices=Correction.choices,
                                  default=Correction.NONE)
    right_uncorrected = models.FloatField(_("右眼裸眼视力"), null=True, blank=True)
    left_uncorrected = models.FloatField(_("左眼裸眼视力"), null=True, blank=True)
    right_corrected = models.FloatField(_("右眼戴镜视力"), null=True, blank=True)
    left_corrected = models.FloatField(_("左眼戴镜视力"), null=True, blank=True)
    right_sphere = models.FloatField(_("右眼球镜"), null=True, blank=True)
    right_cylinder = models.FloatField(_("右眼柱镜"), null=True, blank=True)
    right_axis = models.FloatField(_("右眼轴位"), null=True, blank=True)
    left_sphere = models.FloatField(_("左眼球镜"), null=True, blank=True)
    left_cylinder = models.FloatField(_("左眼柱镜"), null=True, blank=True)
    left_axis = models.FloatField(_("左眼轴位"), null=True, blank=True)
    se_right = models.FloatField(_("右眼等效球镜"), null=True, blank=True)
    se_left = models.FloatField(_("左眼等效球镜"), null=True, blank=True)
    myopia = models.BooleanField(_("筛查性近视"), default=False)
    myopia_severity = models.CharField(_("近视程度"), max_length=8, blank=True,
                                       choices=MyopiaSeverity.choices)
    high_myopia = models.BooleanField(_("高度近视"), default=False)
    pre_myopia = models.BooleanField(_("近视前期"), default=False)
    low_vision = models.BooleanField(_("视力低下"), default=False)
    low_vision_level = models.CharField(_("视力低下程度"), max_length=8, blank=True,
                                        choices=LowVisionLevel.choices)
    # 新发近视: null when the student was not at risk (no complete screening last year, or
    # already myopic then), so the rate's denominator is a count of non-null values.
    new_myopia = models.BooleanField(_("新发近视"), null=True, blank=True)
    # Drawn for 复测 (≥ 5 % of screened students, policy-rules §8).
    rescreen = models.BooleanField(_("抽取复测"), default=False)

    class Meta:
        verbose_name = _("视力筛查记录")
        verbose_name_plural = _("视力筛查记录")
        ordering = ["academic_year_id", "institution_id", "grade", "student_id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "academic_year"],
                                    name="vision_one_screening_per_year"),
            models.CheckConstraint(name="vision_high_myopia_is_myopia",
                                   condition=Q(high_myopia=False) | Q(myopia=True)),
        ]
        indexes = [models.Index(fields=["academic_year", "institution", "grade"],
                                name="vision_year_inst_grade")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.academic_year_id}"


class FollowUpReason(models.TextChoices):
    FITNESS = "fitness", "体质健康测试不及格"
    MYOPIA = "myopia", "筛查性近视"


class FollowUp(WorkflowItem):
    """A student who failed the fitness test or screened myopic: 已告知 → 已复测 → 已转诊 → 已结案.

    Visible to the school and, among teachers, to the class's head teacher only.
    """

    workflow = FOLLOW_UP
    scope_institution = "institution"

    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE,
                                related_name="+", verbose_name=_("学生"))
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("学年"))
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("学校"))
    school_class = models.ForeignKey("registry.SchoolClass", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("班级"))
    reason = models.CharField(_("跟进原因"), max_length=12, choices=FollowUpReason.choices)
    detail = models.CharField(_("情况"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("健康跟进")
        verbose_name_plural = _("健康跟进")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "academic_year", "reason"],
                                    name="follow_up_once_per_reason_year"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.get_reason_display()}"
