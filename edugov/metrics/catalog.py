"""The measure registry: what each app contributes to the data center (DESIGN §5).

An app declares its measures in ``<app>/measures.py`` by calling :func:`register`; the
data center finds those modules like the admin finds ``admin.py`` (:func:`autodiscover`),
so adding a scenario never edits ``metrics/``.

Two kinds of measure:

* :class:`RecordMeasure` — counted or summed from records. Its ``fact`` builds an ibis
  table with one row per counted thing: ``institution_id`` (int), ``value`` (float) and
  one column per dimension. The same ibis expression runs on the live database, the
  Parquet warehouse (DuckDB) and Spark, because every engine exposes the same tables.
* :class:`DataMeasure` — a figure no record holds (新增学位, 项目投资额, 宣讲场次),
  entered or imported as approved aggregate data values (``metrics.DataValue``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from edugov.metrics.rules.formula import MeasureSpec, Value

if TYPE_CHECKING:
    import ibis.expr.types as ir


class Tables:
    """The tables an engine exposes, by database table name (``registry_enrolment``)."""

    def __init__(self, lookup: Callable[[str], ir.Table]) -> None:
        self._lookup = lookup
        self._cache: dict[str, ir.Table] = {}

    def __getitem__(self, name: str) -> ir.Table:
        if name not in self._cache:
            self._cache[name] = self._lookup(name)
        return self._cache[name]


#: fact(tables, year) → ibis table (institution_id, value, *dimensions) for that year. A
#: builder of a measure with ``costly`` dimensions also takes ``columns=`` (see below).
FactBuilder = Callable[..., "ir.Table"]


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    values: frozenset[Value]
    #: Booleans are compared as integers: SQLite stores them as 0/1 and engines disagree on
    #: boolean literals, while an integer comparison means the same everywhere.
    boolean: bool = False


def choices_dimension(name: str, label: str, choices: Iterable[Any]) -> Dimension:
    """A dimension whose values are a Django ``choices`` enumeration's values."""
    return Dimension(name, label, frozenset(c.value if hasattr(c, "value") else c
                                            for c in choices))


def boolean_dimension(name: str, label: str) -> Dimension:
    return Dimension(name, label, frozenset({True, False}), boolean=True)


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    unit: str
    dimensions: tuple[Dimension, ...] = ()

    @property
    def spec(self) -> MeasureSpec:
        return MeasureSpec(self.name, {d.name: d.values for d in self.dimensions})

    def dimension(self, name: str) -> Dimension:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise KeyError(name)


@dataclass(frozen=True)
class RecordMeasure(Measure):
    fact: FactBuilder | None = None
    #: Database tables the fact reads, so the warehouse export knows what to copy.
    tables: tuple[str, ...] = ()
    #: The fact column summed. Measures sharing one ``fact`` builder (classes.count and
    #: classes.over_standard) are summed in one scan of it, each over its own column.
    value: str = "value"
    #: The builder also takes ``columns=``: the dimensions and value columns the engine's
    #: references use. It may then leave out joins nobody needs and return rows already
    #: summed over what no reference tells apart (``value`` weighs each row).
    takes_columns: bool = False
    #: Dimensions that cost a join of their own (a student's sex behind an enrolment): the
    #: engine sums references that need them in a separate, pre-filtered scan, so the
    #: others skip the join.
    costly: frozenset[str] = frozenset()

    def build(self, tables: Tables, year: int,
              columns: frozenset[str] | None = None) -> ir.Table:
        assert self.fact is not None
        if self.takes_columns:
            return self.fact(tables, year, columns=columns)
        return self.fact(tables, year)


@dataclass(frozen=True)
class DataMeasure(Measure):
    """Aggregate figures entered per region or institution and approved by the city."""

    description: str = ""


@dataclass
class MeasureRegistry:
    measures: dict[str, Measure] = field(default_factory=dict)

    def register(self, measure: Measure) -> Measure:
        existing = self.measures.get(measure.name)
        if existing is not None and existing != measure:
            raise ValueError(f"measure {measure.name} registered twice")
        self.measures[measure.name] = measure
        return measure

    def get(self, name: str) -> Measure:
        return self.measures[name]

    def specs(self) -> Mapping[str, MeasureSpec]:
        return {name: m.spec for name, m in self.measures.items()}

    def tables(self) -> set[str]:
        return {t for m in self.measures.values() if isinstance(m, RecordMeasure)
                for t in m.tables}


registry = MeasureRegistry()
_discovered = False


def register(measure: Measure) -> Measure:
    return registry.register(measure)


def autodiscover() -> MeasureRegistry:
    """Import every installed edugov app's ``measures`` module once; returns the registry."""
    global _discovered
    if _discovered:
        return registry
    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.split(".")[0] != "edugov":
            continue
        module_name = f"{config.name}.measures"
        # find_spec first: an ImportError raised inside an existing module must surface.
        if importlib.util.find_spec(module_name) is not None:
            importlib.import_module(module_name)
    _discovered = True
    return registry


def measures() -> MeasureRegistry:
    return autodiscover()


def snapshot_date(year: int) -> dt.date:
    """教育事业统计 counts on 1 September of the academic year's start (DESIGN §3)."""
    return dt.date(year, 9, 1)
