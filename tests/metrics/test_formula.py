"""The formula language: parsing, checking with positions, ratio-of-sums evaluation."""

from __future__ import annotations

import pytest

from edugov.metrics.rules.formula import (
    FormulaError,
    MeasureRef,
    MeasureSpec,
    check,
    dependency_order,
    evaluate,
    measure_refs,
    parse,
)

MEASURES = {
    "students.enrolled": MeasureSpec("students.enrolled", {
        "kind": frozenset({"kindergarten", "primary", "junior"}),
        "inclusive": frozenset({True, False}),
        "grade": frozenset(range(-2, 13)),
    }),
    "staff.count": MeasureSpec("staff.count", {"post": frozenset({"teacher", "admin"})}),
}


def error_of(source: str, indicators: set[str] | None = None) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        check(parse(source), measures=MEASURES, indicators=indicators or set())
    return info.value


def test_parses_filters_in_any_order_to_the_same_key():
    a = parse('students.enrolled{kind="kindergarten", inclusive=true}')
    b = parse("students.enrolled{inclusive = true, kind = kindergarten}")
    assert isinstance(a, MeasureRef) and isinstance(b, MeasureRef)
    assert a.key == b.key


def test_precedence_and_unary_minus():
    values = {"students.enrolled": 10.0, "staff.count": 4.0}

    def measure(ref: MeasureRef) -> float | None:
        return values[ref.name]

    node = parse("-students.enrolled + 2 * staff.count / (1 + 1)")
    assert evaluate(node, measure, lambda c: None) == -10 + 2 * 4 / 2


def test_division_by_zero_or_missing_has_no_value():
    node = parse("students.enrolled / staff.count")
    assert evaluate(node, lambda r: 5.0 if r.name == "students.enrolled" else 0.0,
                    lambda c: None) is None
    assert evaluate(node, lambda r: None if r.name == "staff.count" else 5.0,
                    lambda c: None) is None


@pytest.mark.parametrize(
    ("source", "message", "start"),
    [
        ("students.enroled / 2", "未知度量“students.enroled”", 0),
        ("staff.count{subject=math}", "没有维度“subject”", 12),
        ('students.enrolled{kind="college"}', "没有取值“college”", 18),
        ("students.enrolled / (3 - 3)", "除数为常数0", 20),
        ("100 * @missing_code", "未知指标“@missing_code”", 6),
        ("students.enrolled{kind=primary, kind=junior}", "重复筛选", 32),
        ("(students.enrolled", "右括号", 18),
        ("students.enrolled * * 2", "不应出现“*”", 20),
        ("students.enrolled # 2", "无法识别的字符“#”", 18),
        ("", "公式为空", 0),
        ("students.enrolled 2", "多余的内容“2”", 18),
    ],
)
def test_errors_name_position_and_reason(source, message, start):
    error = error_of(source)
    assert message in error.message
    assert error.start == start
    assert str(error).startswith(f"第{start + 1}个字符处")


def test_in_filter_and_indicator_reference_check():
    node = parse("staff.count{post in (teacher, admin)} / @other")
    check(node, measures=MEASURES, indicators={"other"})
    assert [r.name for r in measure_refs(node)] == ["staff.count"]


def test_dependency_order_and_cycles():
    formulas = {"a": parse("@b + 1"), "b": parse("staff.count"), "c": parse("@a * @b")}
    order = dependency_order(formulas)
    assert order.index("b") < order.index("a") < order.index("c")
    with pytest.raises(FormulaError, match="循环引用"):
        dependency_order({"a": parse("@b"), "b": parse("@a")})
