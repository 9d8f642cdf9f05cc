"""Aggregate measures the data center itself holds: figures no record carries.

Values are entered per region or institution (``metrics.DataValue``) and count once the
city has approved them. Other apps may declare further ``DataMeasure``s in their own
``measures.py``.
"""

from __future__ import annotations

from edugov.metrics.catalog import DataMeasure, register

register(DataMeasure(name="places.added", label="新增学位数", unit="个",
                     description="当年新建、改扩建学校（幼儿园）新增的学位数"))
register(DataMeasure(name="projects.investment_yuan", label="教育项目投资额", unit="元",
                     description="当年教育基本建设及改薄项目完成投资额"))
register(DataMeasure(name="outreach.sessions", label="政策宣讲活动场次", unit="场",
                     description="当年开展的招生及资助政策宣讲活动场次"))
