"""The indicator formula language: parsed, checked, never ``eval``-ed.

A formula is arithmetic over measures and other indicators::

    students.enrolled{kind="kindergarten", inclusive=true} / students.enrolled{kind="kindergarten"}
    100 * staff.count{post="teacher", backbone_level in ("county", "city", "province")}
        / students.enrolled
    @student_teacher_ratio_primary * 2

``name{dim=value, dim!=value, dim in (v1, v2)}`` is a measure with filters, ``@code`` another
indicator. Semantics (DESIGN §5): measures are summed over the unit first and the formula is
applied to the sums (ratio of sums); a division whose denominator is 0 or missing has no value
(None), never 0 or infinity.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

Value = str | int | float | bool


class FormulaError(ValueError):
    """A formula that cannot be used, with the 0-based character span of the problem."""

    def __init__(self, message: str, start: int, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = start + 1 if end is None else end

    def __str__(self) -> str:
        return f"第{self.start + 1}个字符处：{self.message}"


# -- syntax tree -------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    start: int = field(compare=False)
    end: int = field(compare=False)


@dataclass(frozen=True)
class Number(Node):
    value: float


@dataclass(frozen=True)
class Filter:
    dimension: str
    op: str  # "=", "!=", "in"
    values: tuple[Value, ...]
    start: int = field(compare=False)
    end: int = field(compare=False)


@dataclass(frozen=True)
class MeasureRef(Node):
    name: str
    filters: tuple[Filter, ...] = ()

    @property
    def key(self) -> str:
        """Canonical text: equal for the same measure and filters in any order."""
        parts = [canonical_filter(f) for f in sorted(self.filters, key=canonical_filter)]
        return self.name + ("{" + ", ".join(parts) + "}" if parts else "")


@dataclass(frozen=True)
class IndicatorRef(Node):
    code: str


@dataclass(frozen=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True)
class BinOp(Node):
    op: str
    left: Node
    right: Node


def canonical_filter(f: Filter) -> str:
    def text(v: Value) -> str:
        return ("true" if v else "false") if isinstance(v, bool) else repr(v)

    if f.op == "in":
        return f"{f.dimension} in ({', '.join(text(v) for v in sorted(f.values, key=str))})"
    return f"{f.dimension}{f.op}{text(f.values[0])}"


# -- tokens ------------------------------------------------------------------------------

TOKEN_RE = re.compile(
    r"""(?P<ws>\s+)
      | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<string>"[^"\n]*"|'[^'\n]*')
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
      | (?P<op>!=|[-+*/(){}=,@])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def tokenize(source: str) -> Iterator[Token]:
    pos = 0
    while pos < len(source):
        match = TOKEN_RE.match(source, pos)
        if match is None:
            raise FormulaError(f"无法识别的字符“{source[pos]}”", pos)
        kind = match.lastgroup or ""
        if kind != "ws":
            yield Token(kind, match.group(), pos)
        pos = match.end()
    yield Token("end", "", len(source))


# -- parser ------------------------------------------------------------------------------


class Parser:
    """Recursive descent: expr := term (+|- term)*; term := unary (*|/ unary)*."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = list(tokenize(source))
        self.i = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def take(self, kind: str, text: str | None = None) -> Token | None:
        tok = self.token
        if tok.kind == kind and (text is None or tok.text == text):
            self.i += 1
            return tok
        return None

    def expect(self, kind: str, text: str, what: str) -> Token:
        tok = self.take(kind, text)
        if tok is None:
            raise FormulaError(f"此处应为{what}", self.token.start, max(self.token.end,
                                                                     self.token.start + 1))
        return tok

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise FormulaError("公式为空", 0)
        node = self.expr()
        if self.token.kind != "end":
            raise FormulaError(f"多余的内容“{self.token.text}”", self.token.start, self.token.end)
        return node

    def expr(self) -> Node:
        node = self.term()
        while (tok := self.take("op", "+") or self.take("op", "-")) is not None:
            right = self.term()
            node = BinOp(node.start, right.end, tok.text, node, right)
        return node

    def term(self) -> Node:
        node = self.unary()
        while (tok := self.take("op", "*") or self.take("op", "/")) is not None:
            right = self.unary()
            node = BinOp(node.start, right.end, tok.text, node, right)
        return node

    def unary(self) -> Node:
        if (tok := self.take("op", "-")) is not None:
            operand = self.unary()
            return Negate(tok.start, operand.end, operand)
        if self.take("op", "+") is not None:
            return self.unary()
        return self.atom()

    def atom(self) -> Node:
        tok = self.token
        if self.take("number"):
            return Number(tok.start, tok.end, float(tok.text))
        if self.take("op", "("):
            node = self.expr()
            close = self.expect("op", ")", "右括号“)”")
            return replace(node, start=tok.start, end=close.end)
        if self.take("op", "@"):
            name = self.take("name")
            if name is None:
                raise FormulaError("“@”后应为指标代码", self.token.start)
            return IndicatorRef(tok.start, name.end, name.text)
        if self.take("name"):
            filters: tuple[Filter, ...] = ()
            end = tok.end
            if self.take("op", "{"):
                filters = self.filters()
                end = self.expect("op", "}", "右花括号“}”").end
            return MeasureRef(tok.start, end, tok.text, filters)
        if tok.kind == "end":
            raise FormulaError("公式不完整", tok.start)
        raise FormulaError(f"此处不应出现“{tok.text}”", tok.start, tok.end)

    def filters(self) -> tuple[Filter, ...]:
        found = [self.filter()]
        while self.take("op", ","):
            found.append(self.filter())
        return tuple(found)

    def filter(self) -> Filter:
        dim = self.take("name")
        if dim is None or "." in dim.text:
            raise FormulaError("此处应为筛选维度名", self.token.start)
        if (op := self.take("op", "=") or self.take("op", "!=")) is not None:
            value, end = self.value()
            return Filter(dim.text, op.text, (value,), dim.start, end)
        if self.take("name", "in"):
            self.expect("op", "(", "左括号“(”")
            values = [self.value()[0]]
            while self.take("op", ","):
                values.append(self.value()[0])
            end = self.expect("op", ")", "右括号“)”").end
            return Filter(dim.text, "in", tuple(values), dim.start, end)
        raise FormulaError("筛选条件应为 维度=值、维度!=值 或 维度 in (值, …)", self.token.start)

    def value(self) -> tuple[Value, int]:
        tok = self.token
        if self.take("string"):
            return tok.text[1:-1], tok.end
        if self.take("number"):
            number = float(tok.text)
            return (int(number) if number.is_integer() else number), tok.end
        if self.take("name") and tok.text in ("true", "false"):
            return tok.text == "true", tok.end
        if tok.kind == "name":
            return tok.text, tok.end  # bare word: a code such as kindergarten
        raise FormulaError("此处应为筛选值", tok.start, max(tok.end, tok.start + 1))


def parse(source: str) -> Node:
    return Parser(source).parse()


# -- checking against a catalog ---------------------------------------------------------


@dataclass(frozen=True)
class MeasureSpec:
    """What the checker knows of a measure: its dimensions and their allowed values."""

    name: str
    dimensions: Mapping[str, frozenset[Value]]


def check(node: Node, *, measures: Mapping[str, MeasureSpec],
          indicators: frozenset[str] | set[str] = frozenset()) -> None:
    """Raise FormulaError at the first unknown name, bad filter, or division by constant 0."""
    for sub in walk(node):
        if isinstance(sub, MeasureRef):
            check_measure(sub, measures)
        elif isinstance(sub, IndicatorRef) and sub.code not in indicators:
            raise FormulaError(f"未知指标“@{sub.code}”", sub.start, sub.end)
        elif isinstance(sub, BinOp) and sub.op == "/" and constant_value(sub.right) == 0:
            raise FormulaError("除数为常数0", sub.right.start, sub.right.end)


def check_measure(ref: MeasureRef, measures: Mapping[str, MeasureSpec]) -> None:
    spec = measures.get(ref.name)
    if spec is None:
        raise FormulaError(f"未知度量“{ref.name}”", ref.start, ref.start + len(ref.name))
    seen: set[str] = set()
    for f in ref.filters:
        allowed = spec.dimensions.get(f.dimension)
        if allowed is None:
            known = "、".join(sorted(spec.dimensions)) or "无"
            raise FormulaError(f"度量“{ref.name}”没有维度“{f.dimension}”（可用：{known}）",
                               f.start, f.start + len(f.dimension))
        if f.dimension in seen:
            raise FormulaError(f"维度“{f.dimension}”重复筛选", f.start, f.end)
        seen.add(f.dimension)
        for v in f.values:
            if v not in allowed:
                known = "、".join(map(str, sorted(allowed, key=str)))
                raise FormulaError(f"维度“{f.dimension}”没有取值“{v}”（可用：{known}）",
                                   f.start, f.end)


def walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, BinOp):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Negate):
        yield from walk(node.operand)


def constant_value(node: Node) -> float | None:
    """The value of a subtree without references, or None if it has any."""
    return evaluate(node, lambda ref: None, lambda code: None) if is_constant(node) else None


def is_constant(node: Node) -> bool:
    return not any(isinstance(n, (MeasureRef, IndicatorRef)) for n in walk(node))


def measure_refs(node: Node) -> list[MeasureRef]:
    return [n for n in walk(node) if isinstance(n, MeasureRef)]


def indicator_refs(node: Node) -> list[IndicatorRef]:
    return [n for n in walk(node) if isinstance(n, IndicatorRef)]


# -- scalar evaluation -------------------------------------------------------------------


def evaluate(
    node: Node,
    measure: Callable[[MeasureRef], float | None],
    indicator: Callable[[str], float | None],
) -> float | None:
    """The formula's value; None propagates, and x/0 is None (no value, not 0)."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, MeasureRef):
        return measure(node)
    if isinstance(node, IndicatorRef):
        return indicator(node.code)
    if isinstance(node, Negate):
        v = evaluate(node.operand, measure, indicator)
        return None if v is None else -v
    assert isinstance(node, BinOp)
    left = evaluate(node.left, measure, indicator)
    right = evaluate(node.right, measure, indicator)
    if left is None or right is None:
        return None
    return apply(node.op, left, right)


def apply(op: str, left: float, right: float) -> float | None:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0 or math.isnan(right):
        return None
    return left / right


def dependency_order(formulas: Mapping[str, Node]) -> list[str]:
    """Indicator codes ordered so each comes after those it uses; a cycle is an error."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(code: str, trail: tuple[str, ...]) -> None:
        if state.get(code) == "done":
            return
        if state.get(code) == "visiting":
            cycle = " → ".join((*trail[trail.index(code):], code))
            raise FormulaError(f"指标循环引用：{cycle}", 0)
        state[code] = "visiting"
        for ref in indicator_refs(formulas[code]):
            if ref.code in formulas:
                visit(ref.code, (*trail, code))
        state[code] = "done"
        order.append(code)

    for code in sorted(formulas):
        visit(code, ())
    return order


# -- vectorised evaluation ---------------------------------------------------------------


def evaluate_arrays(
    node: Node,
    measure: Callable[[MeasureRef], Any],
    indicator: Callable[[str], Any],
) -> Any:
    """The formula over aligned numpy arrays (one element per unit); NaN means no value.

    Same semantics as :func:`evaluate`: missing propagates, and a division whose
    denominator is 0 or missing is missing, never 0 or infinity.
    """
    import numpy as np

    if isinstance(node, Number):
        return np.float64(node.value)
    if isinstance(node, MeasureRef):
        return np.asarray(measure(node), dtype="float64")
    if isinstance(node, IndicatorRef):
        return np.asarray(indicator(node.code), dtype="float64")
    if isinstance(node, Negate):
        return -evaluate_arrays(node.operand, measure, indicator)
    assert isinstance(node, BinOp)
    left = evaluate_arrays(node.left, measure, indicator)
    right = evaluate_arrays(node.right, measure, indicator)
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(right == 0, np.nan, right)
        return left / safe
