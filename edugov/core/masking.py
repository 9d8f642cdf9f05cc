"""Masking of personal data (ID numbers, addresses, phones) for display and export."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """330102199001011234 -> 330102********1234 (region code and last four kept)."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 4, 0) + value[-2:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_student_no(value: str | None) -> str:
    """G330102199001011234 -> G330102********1234: a 全国学籍号 is G + the 身份证号."""
    if not value:
        return ""
    return value[0] + mask_id_number(value[1:]) if len(value) == 19 else value


def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str | None) -> str:
    """Keep the first six characters (district level), hide the rest."""
    if not value:
        return ""
    keep = min(6, max(len(value) // 3, 1))
    return value[:keep] + "*" * 6


MASKERS = {"id_number": mask_id_number, "student_no": mask_student_no, "phone": mask_phone,
           "address": mask_address}
