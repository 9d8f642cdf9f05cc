"""Rectification deadlines by hazard grade, and when a deadline counts as approaching.

Defaults follow common county practice under 《中小学幼儿园安全管理办法》 and
《学校安全隐患排查整治工作指引》-style provincial rules: 一般 hazards are rectified within 7
days, 较大 within 15, 重大 within 30 under 挂牌督办 with interim controls. Provinces set
their own, so every figure can be overridden (settings ``EDUGOV_SAFETY_RECTIFY_DAYS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from edugov.safety.rules.grading import GENERAL, MAJOR, SIGNIFICANT

DEFAULT_RECTIFY_DAYS: Mapping[str, int] = {GENERAL: 7, SIGNIFICANT: 15, MAJOR: 30}
#: Notice before a deadline ("即将到期"): a share of the allowed time, at least one day.
APPROACHING_SHARE = 0.2


def rectify_deadline(grade: str, reported: dt.datetime, *,
                     days: Mapping[str, int] | None = None) -> dt.datetime:
    table = {**DEFAULT_RECTIFY_DAYS, **(days or {})}
    if grade not in table:
        raise ValueError(f"未知隐患等级：{grade}")
    return reported + dt.timedelta(days=table[grade])


def approaching_from(deadline: dt.datetime, allowed: dt.timedelta) -> dt.datetime:
    """The moment from which a deadline is 'approaching' and its owner is reminded."""
    notice = max(allowed * APPROACHING_SHARE, dt.timedelta(days=1))
    return deadline - notice


def needs_interim_controls(grade: str) -> bool:
    """重大隐患 must carry interim controls (临时管控措施) until closed."""
    return grade == MAJOR
