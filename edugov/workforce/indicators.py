"""The workforce's built-in indicators, with the policy each comes from (policy-rules §4, §5).

Loaded by the migration ``workforce/0003_workforce_indicators`` the way the data center
loads its own catalog (``metrics/builtin.py``): built-in rows are created or updated in
place. 生师比 by level and 专任教师持证率 are already in the data center's catalog
(``student_teacher_*``, ``certified_teachers``).
"""

from __future__ import annotations

from typing import Any

from edugov.metrics.builtin import REGIONS, indicator

ROTATION = "教师〔2014〕4号; policy-rules §5.1"
TRAINING = "优质均衡 G9（5年360学时培训完成率100%）; 教师〔2011〕1号; policy-rules §5.2"
TEACHERS = 'staff.count{post="teacher"}'

WORKFORCE_INDICATORS: list[dict[str, Any]] = [
    indicator("workforce_rotation_share", "交流轮岗教师比例",
              "workforce.rotated / workforce.rotation_eligible", "%", factor=100,
              source=ROTATION,
              description="已调动的交流轮岗教师 ÷ 符合交流条件的教师（每学年不低于10%）"),
    indicator("workforce_backbone_rotation_share", "骨干教师占交流轮岗教师比例",
              "workforce.rotated{backbone=true} / workforce.rotated", "%", factor=100,
              source=ROTATION, description="交流轮岗教师中县级及以上骨干教师的比例（不低于20%）"),
    indicator("workforce_training_completion", "教师5年360学时培训完成率",
              f"workforce.training_complete / {TEACHERS}", "%", factor=100, source=TRAINING,
              description="本周期培训学时达到360学时的专任教师占专任教师总数的比例"),
    indicator("workforce_training_hours_per_teacher", "专任教师人均培训学时",
              f"workforce.training_hours / {TEACHERS}", "学时", source=TRAINING,
              description="学年内完成的培训学时 ÷ 专任教师数"),
    indicator("workforce_establishment_shortage", "编制缺口",
              "workforce.establishment_shortage", "人", direction="lower", decimals=0,
              source="中央编办发〔2014〕72号; policy-rules §4",
              description="各校按标准核定的编制数超过在编教职工数的部分之和"),
    indicator("workforce_establishment_fill", "在编教职工占标准编制比例",
              "staff.count{establishment=\"on\"} / workforce.establishment", "%", factor=100,
              levels=REGIONS, source="中央编办发〔2014〕72号; policy-rules §4",
              description="在编教职工数 ÷ 按生师比标准核定的编制数"),
    indicator("workforce_conduct_cases", "师德违规处理案件数", "workforce.conduct_cases", "件",
              direction="lower", decimals=0, levels=REGIONS,
              source="教师〔2019〕10号; 《新时代中小学教师职业行为十项准则》; policy-rules §5.3"),
]


#: Found by edugov.metrics.builtin.all_builtin_rows.
INDICATORS = WORKFORCE_INDICATORS


def load_indicators(indicator_model: Any) -> int:
    """Create or update this app's built-in rows (model passed in, for data migrations)."""
    from edugov.metrics.builtin import load_rows

    return load_rows(indicator_model, INDICATORS)
