"""Compute a catalog of indicators for every unit on any engine (DESIGN §5).

The strategy that scales to a province on one machine:

1. every distinct measure reference (name + filters) becomes one conditional sum, and all
   references to the same measure share one grouped aggregation by institution over the
   measure's fact expression — one scan of the enrolments however many student
   indicators there are;
2. the per-institution sums roll up to every region level through an
   institution → ancestor-region table built from the region paths;
3. formulas are evaluated vectorised (numpy) over that small frame, in dependency order.

Measures are summed before a formula is applied (ratio of sums); a division by 0 or by a
missing value has no value (NaN here, None once stored or shown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from edugov.metrics.catalog import DataMeasure, MeasureRegistry, RecordMeasure, Tables
from edugov.metrics.engine.backends import Source
from edugov.metrics.rules.formula import (
    Filter,
    MeasureRef,
    Node,
    canonical_filter,
    dependency_order,
    evaluate_arrays,
    measure_refs,
    parse,
)

REGION_TABLE = "registry_region"
INSTITUTION_TABLE = "registry_institution"
DATA_VALUE_TABLE = "metrics_datavalue"
APPROVED = "approved"
INSTITUTION_LEVEL = "institution"


@dataclass(frozen=True)
class IndicatorDef:
    """What the engine needs of an indicator; plain data, so the engine needs no ORM."""

    code: str
    formula: str
    factor: float = 1.0
    levels: tuple[str, ...] = ()  # empty: every level
    node: Node = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "node", parse(self.formula))


@dataclass
class Computation:
    """Units (regions and institutions) with their measure sums and indicator values."""

    year: int
    engine: str
    units: pd.DataFrame
    measures: pd.DataFrame
    values: pd.DataFrame

    def long(self, *, levels: Iterable[str] | None = None) -> pd.DataFrame:
        """One row per (indicator, unit) with a value column (NaN: no value)."""
        units = self.units
        if levels is not None:
            units = units[units["level"].isin(list(levels))]
        frame = self.values.loc[units.index].copy()
        frame.index.name = "unit"
        long = frame.reset_index().melt(id_vars="unit", var_name="indicator",
                                        value_name="value")
        long = long.join(units, on="unit")
        columns = ["indicator", "unit_type", "unit_id", "code", "name", "level", "value"]
        return long[columns].sort_values(["indicator", "unit_type", "code"],
                                         kind="stable").reset_index(drop=True)


# -- measure references → ibis ----------------------------------------------------------


def filter_predicate(fact: ir.Table, filters: Sequence[Filter],
                     measure: RecordMeasure) -> ir.BooleanValue | None:
    predicate: ir.BooleanValue | None = None
    for f in filters:
        boolean = measure.dimension(f.dimension).boolean
        column = fact[f.dimension]
        values = [int(v) if boolean else v for v in f.values]
        if f.op == "=":
            term = column == values[0]
        elif f.op == "!=":
            term = column != values[0]
        else:
            term = column.isin(values)
        predicate = term if predicate is None else predicate & term
    return predicate


@dataclass
class Scan:
    """References summed by one grouped aggregation over one fact table.

    References to measures that share a fact builder share a scan, unless they need a
    costly join the others do not (see ``RecordMeasure.costly``). Filters every reference
    of the scan has in common filter the fact once (so an engine can push them into the
    table scans) instead of being repeated in each conditional sum.
    """

    measure: RecordMeasure  # any one of the scan's measures: they share the fact builder
    refs: list[tuple[RecordMeasure, MeasureRef]]

    @property
    def common(self) -> list[Filter]:
        if not self.refs:
            return []
        shared = set.intersection(*({canonical_filter(f) for f in ref.filters}
                                    for _m, ref in self.refs))
        return sorted({canonical_filter(f): f for _m, ref in self.refs for f in ref.filters
                       if canonical_filter(f) in shared}.values(), key=canonical_filter)

    @property
    def columns(self) -> frozenset[str]:
        return frozenset({f.dimension for _m, ref in self.refs for f in ref.filters}
                         | {m.value for m, _ref in self.refs})


def plan_scans(registry: MeasureRegistry, refs: Mapping[str, list[MeasureRef]]) -> list[Scan]:
    scans: dict[tuple[object, frozenset[str]], Scan] = {}
    for name, name_refs in refs.items():
        measure = registry.get(name)
        if not isinstance(measure, RecordMeasure):
            continue
        for ref in name_refs:
            costly = frozenset({f.dimension for f in ref.filters}) & measure.costly
            scan = scans.setdefault((measure.fact, costly), Scan(measure, []))
            scan.refs.append((measure, ref))
    return list(scans.values())


def aggregate_scan(scan: Scan, tables: Tables, year: int,
                   institution_ids: Sequence[int] | None) -> ir.Table:
    """One grouped aggregation for the scan: a column ``m<i>`` per reference."""
    fact = scan.measure.build(tables, year, scan.columns)
    if institution_ids is not None:
        fact = fact.filter(fact.institution_id.isin(list(institution_ids)))
    common = scan.common
    shared = filter_predicate(fact, common, scan.measure)
    if shared is not None:
        fact = fact.filter(shared)
    done = {canonical_filter(f) for f in common}
    zero = ibis.literal(0.0).cast("float64")
    sums = {}
    for position, (measure, ref) in enumerate(scan.refs):
        rest = [f for f in ref.filters if canonical_filter(f) not in done]
        predicate = filter_predicate(fact, rest, measure)
        value = fact[measure.value]
        value = value if predicate is None else predicate.ifelse(value, zero)
        sums[f"m{position}"] = value.sum().cast("float64")
    return fact.group_by("institution_id").aggregate(**sums)


def aggregate_refs(measure: RecordMeasure, refs: Sequence[MeasureRef], tables: Tables,
                   year: int, institution_ids: Sequence[int] | None) -> ir.Table:
    """Every reference to one measure in one aggregation (used by tests and tools)."""
    scan = Scan(measure, [(measure, ref) for ref in refs])
    return aggregate_scan(scan, tables, year, institution_ids)


# -- units and roll-up ------------------------------------------------------------------


def load_units(tables: Tables, region_code: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Regions and active institutions (optionally a subtree) as small pandas frames."""
    regions = tables[REGION_TABLE].select("id", "code", "name", "level", "path").to_pandas()
    inst = tables[INSTITUTION_TABLE]
    inst = inst.filter(inst.status == "active").select(
        "id", "code", "name", "kind", "region_id").to_pandas()
    if region_code:
        regions = regions[regions["path"].str.contains(f"/{region_code}/", regex=False)]
        inst = inst[inst["region_id"].isin(regions["id"])]
    # Sorted by code, so every engine lists units in the same order.
    regions = regions.sort_values("code", kind="stable")
    inst = inst.sort_values("code", kind="stable")
    return regions.reset_index(drop=True), inst.reset_index(drop=True)


def ancestor_pairs(regions: pd.DataFrame, region_ids: pd.Series) -> pd.DataFrame:
    """(child row position, ancestor region id) for each region id, itself included."""
    path_of = dict(zip(regions["id"], regions["path"], strict=True))
    id_of = dict(zip(regions["code"], regions["id"], strict=True))
    rows: list[tuple[int, int]] = []
    for position, region_id in enumerate(region_ids):
        for code in path_of.get(region_id, "").strip("/").split("/"):
            if code in id_of:
                rows.append((position, id_of[code]))
    return pd.DataFrame(rows, columns=["position", "region_id"])


def roll_up(per_row: pd.DataFrame, pairs: pd.DataFrame, region_ids: pd.Series,
            ) -> pd.DataFrame:
    """Sum rows into every ancestor region; all-NaN stays NaN (data not entered)."""
    spread = per_row.iloc[pairs["position"].to_numpy()].copy()
    spread.index = pairs["region_id"].to_numpy()
    summed = spread.groupby(level=0).sum(min_count=1)
    return summed.reindex(region_ids)


# -- the computation -------------------------------------------------------------------


def distinct_refs(indicators: Sequence[IndicatorDef]) -> dict[str, list[MeasureRef]]:
    """Distinct references per measure name, by canonical key (filters in any order)."""
    found: dict[str, dict[str, MeasureRef]] = {}
    for ind in indicators:
        for ref in measure_refs(ind.node):
            found.setdefault(ref.name, {}).setdefault(ref.key, ref)
    return {name: list(refs.values()) for name, refs in found.items()}


def record_sums(source: Source, registry: MeasureRegistry, refs: Mapping[str, list[MeasureRef]],
                year: int, institutions: pd.DataFrame, restricted: bool) -> pd.DataFrame:
    """Per-institution sums of every record-measure reference (0 where nothing counted)."""
    index = pd.Index(institutions["id"].to_numpy(), name="institution_id")
    columns: dict[str, pd.Series] = {}
    ids = institutions["id"].tolist() if restricted else None
    for scan in plan_scans(registry, refs):
        frame = aggregate_scan(scan, source.tables, year, ids).to_pandas()
        frame = frame.set_index("institution_id").reindex(index).fillna(0.0)
        for position, (_measure, ref) in enumerate(scan.refs):
            columns[ref.key] = frame[f"m{position}"].astype("float64")
    return pd.DataFrame(columns, index=index)


def data_values(source: Source, names: Sequence[str], year: int) -> pd.DataFrame:
    """Approved aggregate data values for the year (institution_id or region_id set)."""
    if not names:
        return pd.DataFrame(columns=["measure", "institution_id", "region_id", "value"])
    table = source.tables[DATA_VALUE_TABLE]
    table = table.filter((table.state == APPROVED) & (table.year == year)
                         & table.measure.isin(list(names)))
    return table.select(
        "measure", institution_id=table.institution_id.cast("int64"),
        region_id=table.region_id.cast("int64"), value=table.value.cast("float64"),
    ).to_pandas()


def data_columns(values: pd.DataFrame, refs: Mapping[str, list[MeasureRef]],
                 registry: MeasureRegistry, index: pd.Index, key: str) -> pd.DataFrame:
    """A column per data-measure reference for units in ``index`` keyed by ``key``."""
    columns: dict[str, pd.Series] = {}
    for name, name_refs in refs.items():
        if not isinstance(registry.get(name), DataMeasure):
            continue
        rows = values[(values["measure"] == name) & values[key].notna()]
        series = rows.groupby(rows[key].astype("int64"))["value"].sum()
        for ref in name_refs:
            columns[ref.key] = series.reindex(index).astype("float64")
    return pd.DataFrame(columns, index=index)


def compute(source: Source, registry: MeasureRegistry, indicators: Sequence[IndicatorDef], *,
            year: int, region_code: str | None = None) -> Computation:
    tables = source.tables
    regions, institutions = load_units(tables, region_code)
    refs = distinct_refs(indicators)
    per_inst = record_sums(source, registry, refs, year, institutions,
                           restricted=region_code is not None)
    record_keys = list(per_inst.columns)
    data_names = [n for n in refs if isinstance(registry.get(n), DataMeasure)]
    entered = data_values(source, data_names, year)
    inst_index = pd.Index(institutions["id"].to_numpy(), name="institution_id")
    region_index = pd.Index(regions["id"].to_numpy(), name="region_id")
    per_inst = per_inst.join(data_columns(entered, refs, registry, inst_index,
                                          "institution_id"))
    # Institutions count towards every region on their region's path ...
    inst_pairs = ancestor_pairs(regions, institutions["region_id"])
    per_region = roll_up(per_inst.reset_index(drop=True), inst_pairs, regions["id"])
    # A region without schools counted nothing: 0, whereas data never entered stays NaN.
    per_region[record_keys] = per_region[record_keys].fillna(0.0)
    # ... and figures entered for a region count towards it and every region above it.
    region_entered = data_columns(entered, refs, registry, region_index, "region_id")
    if not region_entered.empty:
        region_pairs = ancestor_pairs(regions, regions["id"])
        from_regions = roll_up(region_entered.reset_index(drop=True), region_pairs,
                               regions["id"])
        for column in from_regions.columns:
            per_region[column] = per_region[column].add(from_regions[column], fill_value=0)
    units = unit_frame(regions, institutions)
    measures = pd.concat([per_region.reset_index(drop=True),
                          per_inst.reset_index(drop=True)], ignore_index=True)
    measures.index = units.index
    values = evaluate_catalog(indicators, measures, units["level"])
    return Computation(year, source.engine, units, measures, values)


def unit_frame(regions: pd.DataFrame, institutions: pd.DataFrame) -> pd.DataFrame:
    region_units = pd.DataFrame({
        "unit_type": "region", "unit_id": regions["id"].astype("int64"),
        "code": regions["code"], "name": regions["name"], "level": regions["level"],
        "kind": "",
    })
    inst_units = pd.DataFrame({
        "unit_type": "institution", "unit_id": institutions["id"].astype("int64"),
        "code": institutions["code"], "name": institutions["name"],
        "level": INSTITUTION_LEVEL, "kind": institutions["kind"],
    })
    units = pd.concat([region_units, inst_units], ignore_index=True)
    units.index = pd.Index([f"{t}:{i}" for t, i in zip(units["unit_type"], units["unit_id"],
                                                        strict=True)], name="unit")
    return units


def evaluate_catalog(indicators: Sequence[IndicatorDef], measures: pd.DataFrame,
                     levels: pd.Series) -> pd.DataFrame:
    """Every indicator's value per unit, in dependency order; NaN outside its levels."""
    by_code = {ind.code: ind for ind in indicators}
    raw: dict[str, np.ndarray] = {}
    empty = np.full(len(measures), np.nan)

    def measure(ref: MeasureRef) -> np.ndarray:
        return measures[ref.key].to_numpy() if ref.key in measures else empty

    def indicator(code: str) -> np.ndarray:
        return raw.get(code, empty)

    for code in dependency_order({c: ind.node for c, ind in by_code.items()}):
        ind = by_code[code]
        raw[code] = np.broadcast_to(
            evaluate_arrays(ind.node, measure, indicator) * ind.factor, (len(measures),))
    shown = {}
    for code, ind in by_code.items():
        applies = levels.isin(ind.levels).to_numpy() if ind.levels else True
        shown[code] = np.where(applies, raw[code], np.nan)
    return pd.DataFrame(shown, index=measures.index)
