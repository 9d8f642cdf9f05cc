"""The built-in indicator catalog, with the policy document each one comes from.

Loaded by the data migration ``0002_builtin_indicators`` and refreshed by
``edugov indicators load-builtin`` (built-in rows are updated in place; indicators a
bureau defined itself are never touched). Every formula is checked against the measure
registry by the tests.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

KG = 'kind="kindergarten"'
#: 义务教育学校 for the 优质均衡 resource indicators (教督〔2017〕6号: 不含特殊教育学校).
COMPULSORY = 'kind in ("primary", "junior", "nine_year", "teaching_point")'
TEACHER = 'post="teacher"'
STATE_OR_INCLUSIVE = "普及普惠: 教督〔2020〕1号 (沈教督发〔2021〕11号); policy-rules §2.3"
BALANCED = "优质均衡: 教督〔2017〕6号 资源配置; policy-rules §2.1"
CLASS_SIZE = "班额: 国发〔2016〕40号, 教育部统计口径; policy-rules §3"
ALL_LEVELS = ["city", "county", "township", "institution"]
REGIONS = ["city", "county", "township"]


def indicator(code: str, name: str, formula: str, unit: str, *, factor: float = 1.0,
              direction: str = "higher", decimals: int = 2, levels: list[str] | None = None,
              source: str = "", description: str = "") -> dict[str, Any]:
    return {"code": code, "name": name, "formula": formula, "unit": unit, "factor": factor,
            "direction": direction, "decimals": decimals,
            "levels": ALL_LEVELS if levels is None else levels, "policy_source": source,
            "description": description}


def per_hundred(code: str, name: str, numerator: str, students: str, *, unit: str = "人/百生",
                ) -> dict[str, Any]:
    return indicator(code, name, f"{numerator} / students.enrolled{{{students}}}", unit,
                     factor=100, source=BALANCED)


def per_student(code: str, name: str, facility: str, unit: str) -> dict[str, Any]:
    return indicator(code, name,
                     f"facilities.{facility}{{{COMPULSORY}}} / students.enrolled{{{COMPULSORY}}}",
                     unit, source=BALANCED)


def student_teacher(code: str, name: str, kind: str) -> dict[str, Any]:
    return indicator(code, name,
                     f'students.enrolled{{kind="{kind}"}}'
                     f' / staff.count{{{TEACHER}, kind="{kind}"}}',
                     "比", direction="lower", source="中央编办发〔2014〕72号; policy-rules §4",
                     description="在校生数 ÷ 专任教师数（学生数:1）")


BUILTIN_INDICATORS: list[dict[str, Any]] = [
    # -- 学前教育普及普惠 ------------------------------------------------------------------
    indicator("kg_inclusive_coverage", "普惠性幼儿园覆盖率",
              f'(students.enrolled{{{KG}, ownership="public"}}'
              f' + students.enrolled{{{KG}, ownership="private", inclusive=true}})'
              f" / students.enrolled{{{KG}}}",
              "%", factor=100, source=STATE_OR_INCLUSIVE,
              description="（公办园＋普惠性民办园在园幼儿数）÷ 在园幼儿总数"),
    indicator("kg_public_share", "公办园在园幼儿占比",
              f'students.enrolled{{{KG}, ownership="public"}} / students.enrolled{{{KG}}}',
              "%", factor=100, source=STATE_OR_INCLUSIVE),
    indicator("kg_rated_coverage", "等级幼儿园覆盖面",
              f'students.enrolled{{{KG}, rating!="none"}} / students.enrolled{{{KG}}}',
              "%", factor=100, source="各省幼儿园等级评定办法",
              description="在等级幼儿园就读的幼儿占在园幼儿的比例"),
    indicator("kg_children_per_teacher", "幼儿园专任教师与幼儿比（1:N）",
              f"students.enrolled{{{KG}}} / staff.count{{{TEACHER}, {KG}}}",
              "比", direction="lower", source=STATE_OR_INCLUSIVE + "（≥1:15）",
              description="在园幼儿数 ÷ 幼儿园专任教师数"),
    # -- 义务教育入学 ---------------------------------------------------------------------
    indicator("migrant_public_share", "随迁子女在公办学校就读比例",
              'students.enrolled{hukou_type="migrant", ownership="public",'
              ' level in ("primary", "junior")}'
              ' / students.enrolled{hukou_type="migrant", level in ("primary", "junior")}',
              "%", factor=100, source="教督〔2017〕6号 政府保障 第15项（≥85%）"),
    # -- 班额 ----------------------------------------------------------------------------
    indicator("large_classes", "大班额（56人及以上）班级数",
              'classes.count{size_category in ("large", "huge")}', "个", direction="lower",
              decimals=0, source=CLASS_SIZE),
    indicator("large_class_share", "大班额（56人及以上）班级占比",
              'classes.count{size_category in ("large", "huge"),'
              ' level in ("primary", "junior", "senior")}'
              ' / classes.count{level in ("primary", "junior", "senior")}',
              "%", factor=100, direction="lower", source=CLASS_SIZE),
    indicator("huge_classes", "超大班额（66人及以上）班级数",
              'classes.count{size_category="huge"}', "个", direction="lower", decimals=0,
              source=CLASS_SIZE),
    indicator("over_standard_classes", "超标准班额班级数（小学>45人、初中>50人）",
              "classes.over_standard", "个", direction="lower", decimals=0,
              source="教督〔2017〕6号 政府保障 第5项; policy-rules §3"),
    # -- 师资 ----------------------------------------------------------------------------
    student_teacher("student_teacher_primary", "小学生师比", "primary"),
    student_teacher("student_teacher_junior", "初中生师比", "junior"),
    student_teacher("student_teacher_senior", "普通高中生师比", "senior"),
    per_hundred("qualified_teachers_primary", "每百名学生拥有高于规定学历教师数（小学）",
                f'staff.count{{{TEACHER}, kind="primary",'
                ' education in ("postgraduate", "bachelor", "associate")}',
                'kind="primary"'),
    per_hundred("qualified_teachers_junior", "每百名学生拥有高于规定学历教师数（初中）",
                f'staff.count{{{TEACHER}, kind="junior",'
                ' education in ("postgraduate", "bachelor")}',
                'kind="junior"'),
    per_hundred("backbone_teachers", "每百名学生拥有县级以上骨干教师数",
                f'staff.count{{{TEACHER}, {COMPULSORY},'
                ' backbone_level in ("county", "city", "province")}', COMPULSORY),
    per_hundred("pe_art_teachers", "每百名学生拥有体育艺术专任教师数",
                f'staff.count{{{TEACHER}, {COMPULSORY}, subject in ("pe", "music", "art")}}',
                COMPULSORY),
    indicator("certified_teachers", "专任教师持证率",
              f"staff.count{{{TEACHER}, certified=true}} / staff.count{{{TEACHER}}}",
              "%", factor=100, source="教督〔2017〕6号 政府保障 第12项（100%）"),
    # -- 办学条件 ------------------------------------------------------------------------
    per_student("teaching_area_per_student", "生均教学及辅助用房面积", "teaching_area_m2", "m²"),
    per_student("sports_area_per_student", "生均体育运动场馆面积", "sports_area_m2", "m²"),
    per_student("equipment_value_per_student", "生均教学仪器设备值", "equipment_value_yuan",
                "元"),
    per_hundred("multimedia_rooms", "每百名学生拥有网络多媒体教室数",
                f"facilities.multimedia_classrooms{{{COMPULSORY}}}", COMPULSORY,
                unit="间/百生"),
    indicator("standardized_school_share", "义务教育标准化学校比例",
              f"institutions.count{{{COMPULSORY}, standardized=true}}"
              f" / institutions.count{{{COMPULSORY}}}",
              "%", factor=100, levels=REGIONS, source="义务教育学校办学基本标准（各省）"),
    # -- 集团化办学 ----------------------------------------------------------------------
    indicator("group_member_schools", "集团化办学覆盖学校数", "groups.member_schools", "所",
              decimals=0, levels=REGIONS, source="教育部关于推进集团化办学的指导意见"),
    indicator("group_student_share", "集团化办学覆盖学生占比",
              "groups.member_students / students.enrolled", "%", factor=100, levels=REGIONS,
              source="教育部关于推进集团化办学的指导意见"),
    # -- 汇总数据 ------------------------------------------------------------------------
    indicator("places_added", "新增学位数", "places.added", "个", decimals=0,
              levels=["city", "county"], source="年度民生实事项目",
              description="来自县（区）填报、市局审核锁定的汇总数据"),
]


def load_rows(indicator_model: Any, rows: list[dict[str, Any]]) -> int:
    """Create or update built-in rows (model passed in, so data migrations can use it)."""
    for row in rows:
        indicator_model.objects.update_or_create(
            code=row["code"], defaults={**{k: v for k, v in row.items() if k != "code"},
                                        "builtin": True})
    return len(rows)


def load_builtin(indicator_model: Any) -> int:
    return load_rows(indicator_model, BUILTIN_INDICATORS)


def all_builtin_rows() -> list[dict[str, Any]]:
    """The data center's own rows plus every app's ``indicators.INDICATORS``, found the way
    measures are (an app's ``indicators`` module), so metrics names no scenario."""
    from django.apps import apps

    rows = list(BUILTIN_INDICATORS)
    for config in apps.get_app_configs():
        if config.name == "edugov.metrics" or not config.name.startswith("edugov."):
            continue
        if importlib.util.find_spec(f"{config.name}.indicators") is not None:
            rows += importlib.import_module(f"{config.name}.indicators").INDICATORS
    return rows


def load_all_builtin(indicator_model: Any) -> int:
    """Every app's built-in indicators: what `edugov indicators load-builtin` restores."""
    return load_rows(indicator_model, all_builtin_rows())
