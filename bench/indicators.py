"""Benchmarks of the indicator catalog.

    .venv/bin/python bench/indicators.py [--scale province|city] [--dir DIR] [--skip-baseline]
    .venv/bin/python bench/indicators.py --live DATA_DIR [--scale city] [--skip-baseline]

``--live DATA_DIR``: the demo database of ``edugov demo --scale SCALE`` in DATA_DIR
(``EDUGOV_DATA_DIR``; built first when it has no database; ``DATABASE_URL`` picks another
database), on the live engine (Django's connection: SQLite by default). Times ``compute``
of every indicator of the database's catalog (all apps) for every unit at every level,
then, in the same run, a naive baseline on the same engine: one ``compute`` per indicator
(no scan shared between indicators, as a script per indicator would), checked to give
the same values, with the slowest indicators listed.

Without ``--live``: builds a synthetic Parquet warehouse with a fixed seed (same tables
and columns as ``edugov warehouse export``), then times (1) the DuckDB engine over the
whole catalog and (2) a naive pandas baseline over the same rows and the same catalog:
every fact joined in memory, each measure reference filtered and grouped separately at
each level. Checks that both give the same values, and prints wall and CPU time (the
machine is shared: CPU seconds do not depend on the other load), the ratio and the maximum
resident memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edugov.settings")
# --live DATA_DIR must be the data directory before Django reads its settings.
_live = argparse.ArgumentParser(add_help=False)
_live.add_argument("--live", type=Path)
if (_live_dir := _live.parse_known_args()[0].live) is not None:
    os.environ["EDUGOV_DATA_DIR"] = str(_live_dir.resolve())
os.environ.setdefault("EDUGOV_DEBUG", "1")

import django  # noqa: E402

django.setup()

from edugov.metrics.builtin import BUILTIN_INDICATORS  # noqa: E402
from edugov.metrics.catalog import measures  # noqa: E402
from edugov.metrics.engine.backends import open_source  # noqa: E402
from edugov.metrics.engine.compute import (  # noqa: E402
    Computation,
    IndicatorDef,
    compute,
    distinct_refs,
    evaluate_catalog,
)

SCALES = {"province": (12, 9, 92_000), "city": (1, 9, 33_000)}
YEAR = 2025
KINDS = np.array(["kindergarten", "primary", "junior", "nine_year", "senior"])
KIND_SHARE = [0.25, 0.4, 0.15, 0.1, 0.1]
GRADES = {"kindergarten": [-2, -1, 0], "primary": [1, 2, 3, 4, 5, 6], "junior": [7, 8, 9],
          "nine_year": list(range(1, 10)), "senior": [10, 11, 12]}


def write(directory: Path, name: str, columns: dict[str, object]) -> None:
    pq.write_table(pa.table(columns), directory / f"{name}.parquet")


def generate(directory: Path, scale: str, seed: int = 20250901) -> int:
    """A synthetic warehouse; returns the number of enrolments."""
    rng = np.random.default_rng(seed)
    cities, counties_per_city, per_county = SCALES[scale]
    codes, names, levels = ["980000"], ["示范省"], ["province"]
    paths: list[str] = ["/980000/"]
    parents: list[int | None] = [None]
    county_ids = []
    for c in range(cities):
        city_code = f"98{c + 1:02d}00"
        codes.append(city_code)
        names.append(f"市{c + 1}")
        levels.append("city")
        paths.append(f"/980000/{city_code}/")
        parents.append(1)
        city_id = len(codes)
        for k in range(counties_per_city):
            code = f"98{c + 1:02d}{k + 1:02d}"
            codes.append(code)
            names.append(f"县{c + 1}-{k + 1}")
            levels.append("county")
            paths.append(f"/980000/{city_code}/{code}/")
            parents.append(city_id)
            county_ids.append(len(codes))
    write(directory, "registry_region", {
        "id": np.arange(1, len(codes) + 1), "code": codes, "name": names, "level": levels,
        "path": paths, "parent_id": pa.array(parents, pa.int64())})
    # Schools: ~550 pupils each on average.
    per_school = 550
    n_schools = len(county_ids) * per_county // per_school
    kind = rng.choice(KINDS, n_schools, p=KIND_SHARE)
    inst_ids = np.arange(1, n_schools + 1)
    region = rng.choice(county_ids, n_schools)
    write(directory, "registry_institution", {
        "id": inst_ids, "code": [f"{3100000000 + i}" for i in inst_ids],
        "name": [f"学校{i}" for i in inst_ids], "kind": kind,
        "ownership": rng.choice(["public", "private"], n_schools, p=[0.8, 0.2]),
        "inclusive": (kind == "kindergarten") & (rng.random(n_schools) < 0.5),
        "rating": rng.choice(["none", "provincial", "city", "county"], n_schools),
        "locality": rng.choice(["urban", "town", "rural"], n_schools),
        "status": np.where(rng.random(n_schools) < 0.01, "closed", "active"),
        "standardized": rng.random(n_schools) < 0.7, "region_id": region,
        "teaching_area_m2": rng.uniform(1000, 20000, n_schools),
        "sports_area_m2": rng.uniform(2000, 30000, n_schools),
        "equipment_value_yuan": rng.uniform(2e5, 5e6, n_schools),
        "multimedia_classrooms": rng.integers(2, 60, n_schools),
        "books": rng.integers(5000, 90000, n_schools),
        "music_rooms": rng.integers(0, 4, n_schools), "art_rooms": rng.integers(0, 4, n_schools)})
    write(directory, "registry_academicyear", {"id": np.array([1, 2]),
                                               "start_year": np.array([YEAR - 1, YEAR]),
                                               "is_current": np.array([False, True])})
    # Students: each school gets a share of its county's pupils, spread over its grades.
    n_students = len(county_ids) * per_county
    school_of = rng.integers(1, n_schools + 1, n_students)
    grade_choice = rng.random(n_students)
    grades = np.empty(n_students, dtype=np.int64)
    for k, g in GRADES.items():
        mask = kind[school_of - 1] == k
        grades[mask] = np.array(g)[(grade_choice[mask] * len(g)).astype(int)]
    # Classes of ~45 (some larger): class number per (school, grade).
    class_no = rng.integers(0, 12, n_students)
    class_key = (school_of.astype(np.int64) * 100 + (grades + 2)) * 16 + class_no
    unique_keys, class_index = np.unique(class_key, return_inverse=True)
    class_ids = np.arange(1, len(unique_keys) + 1)
    write(directory, "registry_schoolclass", {
        "id": class_ids, "institution_id": unique_keys // 16 // 100,
        "academic_year_id": np.full(len(class_ids), 2),
        "grade": (unique_keys // 16) % 100 - 2, "number": unique_keys % 16 + 1})
    ids = np.arange(1, n_students + 1)
    write(directory, "registry_student", {
        "id": ids, "sex": rng.choice(["M", "F"], n_students),
        "hukou_type": rng.choice(["local", "migrant"], n_students, p=[0.8, 0.2]),
        "left_behind": rng.random(n_students) < 0.05, "disabled": rng.random(n_students) < 0.01,
        "hardship": rng.random(n_students) < 0.05, "current_institution_id": school_of})
    write(directory, "registry_enrolment", {
        "id": ids, "student_id": ids, "academic_year_id": np.full(n_students, 2),
        "institution_id": school_of, "grade": grades, "school_class_id": class_ids[class_index],
        "status": np.where(rng.random(n_students) < 0.98, "active", "transferred")})
    n_staff = n_students // 14
    staff_ids = np.arange(1, n_staff + 1)
    write(directory, "registry_staff", {
        "id": staff_ids, "sex": rng.choice(["M", "F"], n_staff),
        "education": rng.choice(["postgraduate", "bachelor", "associate", "senior_secondary"],
                                n_staff, p=[0.1, 0.6, 0.25, 0.05]),
        "title": rng.choice(["senior", "first", "second", "none"], n_staff),
        "certified": rng.random(n_staff) < 0.95,
        "subject": rng.choice(["math", "chinese", "english", "pe", "music", "art", ""], n_staff),
        "backbone_level": rng.choice(["none", "county", "city", "province"], n_staff,
                                     p=[0.85, 0.1, 0.04, 0.01]),
        "establishment": rng.choice(["on", "contract"], n_staff, p=[0.9, 0.1]),
        "current_institution_id": rng.integers(1, n_schools + 1, n_staff),
        "current_post": np.full(n_staff, "teacher")})
    start = pa.array(np.full(n_staff, np.datetime64("2015-09-01")).astype("datetime64[D]"))
    write(directory, "registry_assignment", {
        "id": staff_ids, "staff_id": staff_ids,
        "institution_id": rng.integers(1, n_schools + 1, n_staff),
        "post": rng.choice(["teacher", "admin", "support"], n_staff, p=[0.85, 0.1, 0.05]),
        "start": start, "end": pa.nulls(n_staff, pa.date32())})
    n_groups = n_schools // 20
    write(directory, "registry_educationgroup", {
        "id": np.arange(1, n_groups + 1), "name": [f"集团{i}" for i in range(n_groups)],
        "kind": rng.choice(["close", "loose"], n_groups),
        "lead_id": rng.integers(1, n_schools + 1, n_groups)})
    members = n_groups * 4
    write(directory, "registry_groupmembership", {
        "id": np.arange(1, members + 1), "group_id": rng.integers(1, n_groups + 1, members),
        "institution_id": rng.integers(1, n_schools + 1, members),
        "joined": pa.array(np.full(members, np.datetime64("2020-09-01")).astype("datetime64[D]")),
        "left": pa.nulls(members, pa.date32())})
    write(directory, "metrics_datavalue", {
        "id": np.arange(1, len(county_ids) + 1), "state": np.full(len(county_ids), "approved"),
        "measure": np.full(len(county_ids), "places.added"),
        "year": np.full(len(county_ids), YEAR), "value": rng.uniform(100, 3000, len(county_ids)),
        "institution_id": pa.nulls(len(county_ids), pa.int64()),
        "region_id": np.array(county_ids)})
    return n_students


def level_of(grade: pd.Series) -> pd.Series:
    return pd.Series(np.select([grade <= 0, grade <= 6, grade <= 9],
                               ["kindergarten", "primary", "junior"], "senior"),
                     index=grade.index, dtype="category")


def pandas_facts(directory: Path) -> dict[str, pd.DataFrame]:
    """The measures' facts built the obvious way: every join done in memory."""

    def read(name: str, columns: list[str] | None = None) -> pd.DataFrame:
        # Strings as categories: the baseline is naive in method, not careless with memory
        # (ten million rows of object strings would not fit the 4 GB budget).
        frame = pd.read_parquet(directory / f"{name}.parquet", columns=columns)
        for column in frame.columns:
            if frame[column].dtype == object or str(frame[column].dtype).startswith("str"):
                frame[column] = frame[column].astype("category")
        return frame

    inst = read("registry_institution")
    inst = inst[inst["status"] == "active"].rename(columns={"id": "institution_id"})
    inst_dims = inst[["institution_id", "kind", "ownership", "inclusive", "rating",
                      "standardized", "locality"]]
    enrol = read("registry_enrolment")
    enrol = enrol[(enrol["status"] == "active") & (enrol["academic_year_id"] == 2)]
    students = read("registry_student", ["id", "sex", "hukou_type", "disabled",
                                         "left_behind"])
    facts = enrol[["student_id", "institution_id", "grade", "school_class_id"]].merge(
        students, left_on="student_id", right_on="id").merge(inst_dims, on="institution_id")
    del enrol, students
    facts = facts.drop(columns=["student_id", "id"])
    facts["level"] = level_of(facts["grade"])
    members = read("registry_groupmembership").merge(
        read("registry_educationgroup", ["id", "kind"]).rename(
            columns={"id": "group_id", "kind": "group_kind"}), on="group_id")
    close = members.assign(close=members["group_kind"] == "close").groupby(
        "institution_id")["close"].max()
    group_kind = close.map({True: "close", False: "loose"}).rename("group_kind")
    facts = facts.join(group_kind, on="institution_id")
    facts["value"] = 1.0
    member_students = facts[facts["group_kind"].notna()]
    klass = read("registry_schoolclass")
    sizes = facts.groupby("school_class_id").size().rename("size")
    klass = klass.join(sizes, on="id").fillna({"size": 0}).merge(inst_dims, on="institution_id")
    klass["level"] = level_of(klass["grade"])
    bands = [25, 30, 35, 40, 45, 50, 55, 60, 65]
    labels = ["<=25", "26-30", "31-35", "36-40", "41-45", "46-50", "51-55", "56-60", "61-65"]
    klass["size_band"] = np.select([klass["size"] <= b for b in bands], labels, ">=66")
    klass["size_category"] = np.select(
        [klass["size"] <= 45, klass["size"] <= 55, klass["size"] <= 65],
        ["normal", "oversize", "large"], "huge")
    klass["value"] = 1.0
    over = klass.copy()
    over["value"] = (((over["level"] == "primary") & (over["size"] > 45))
                     | ((over["level"] == "junior") & (over["size"] > 50))).astype(float)
    posts = read("registry_assignment")
    on = pd.Timestamp(f"{YEAR}-09-01")
    posts = posts[(pd.to_datetime(posts["start"]) <= on)
                  & (posts["end"].isna() | (pd.to_datetime(posts["end"]) >= on))]
    posts = posts.merge(read("registry_staff").drop(
        columns=["current_institution_id"]), left_on="staff_id", right_on="id")
    posts = posts.merge(inst_dims, on="institution_id")
    posts["value"] = 1.0
    schools = inst.copy()
    schools["value"] = 1.0
    member_schools = schools.join(group_kind, on="institution_id", how="inner")
    result = {"students.enrolled": facts, "classes.count": klass,
              "classes.over_standard": over, "staff.count": posts,
              "institutions.count": schools, "groups.member_schools": member_schools,
              "groups.member_students": member_students}
    for column in ("teaching_area_m2", "sports_area_m2", "equipment_value_yuan",
                   "multimedia_classrooms", "books", "music_rooms", "art_rooms"):
        result[f"facilities.{column}"] = schools.assign(value=schools[column].astype(float))
    return result


def pandas_baseline(directory: Path, defs: list[IndicatorDef]) -> tuple[float, pd.DataFrame]:
    """Naive pandas over the same rows, the whole catalog: every measure reference is
    filtered and grouped separately at each level (school, county, city, province), as a
    script per indicator would; formulas then evaluated on the sums. Returns the time and
    the values (levels × units), which must equal the engine's."""
    started = time.perf_counter()
    facts = pandas_facts(directory)
    regions = pd.read_parquet(directory / "registry_region.parquet")
    county_of = facts["institutions.count"].set_index("institution_id")["region_id"]
    parent = dict(zip(regions["id"], regions["parent_id"], strict=True))
    keys = {"institution": lambda f: f["institution_id"],
            "county": lambda f: f["institution_id"].map(county_of),
            "city": lambda f: f["institution_id"].map(county_of).map(parent),
            "province": lambda f: pd.Series(1, index=f.index)}
    sums: dict[str, dict[str, pd.Series]] = {level: {} for level in keys}
    for name, name_refs in distinct_refs(defs).items():
        if name not in facts:  # data measures: entered figures, nothing to scan
            continue
        fact = facts[name]
        for ref in name_refs:
            mask = pd.Series(True, index=fact.index)
            for f in ref.filters:
                values = [int(v) if isinstance(v, bool) else v for v in f.values]
                column = fact[f.dimension].astype(object) if f.dimension == "level" \
                    else fact[f.dimension]
                term = column.isin(values)
                mask &= ~term if f.op == "!=" else term
            rows = fact[mask]
            for level, key in keys.items():
                sums[level][ref.key] = rows.groupby(key(rows))["value"].sum()
    values = {}
    for level, by_ref in sums.items():
        frame = pd.DataFrame(by_ref).fillna(0.0)
        computed = evaluate_catalog(defs, frame, pd.Series(level, index=frame.index))
        values[level] = computed
    return time.perf_counter() - started, pd.concat(values)


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system time of every thread of this process (DuckDB's workers included):
    the figure that does not depend on what else the shared machine is running."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def agreement(result: Computation, baseline: pd.DataFrame) -> str:
    """Check the engine against the baseline on every school and county value."""
    mismatched = 0
    compared = 0
    for level, unit_type in (("institution", "institution"), ("county", "region")):
        units = result.units[result.units["level"] == level]
        engine = result.values.loc[units.index]
        engine.index = units["unit_id"].to_numpy()
        naive = baseline.loc[level].reindex(engine.index)[engine.columns]
        places_added = [c for c in engine.columns if c == "places_added"]
        engine, naive = engine.drop(columns=places_added), naive.drop(columns=places_added)
        close = np.isclose(engine.to_numpy(), naive.to_numpy(), equal_nan=True, rtol=1e-9)
        mismatched += int((~close).sum())
        compared += close.size
        del unit_type
    return f"{compared:,} values compared, {mismatched} differ"


def live(scale: str, skip_baseline: bool) -> None:
    """The demo database's whole catalog on the live engine (see the module's doc)."""
    from django.core.management import call_command
    from django.db import connection

    from edugov.metrics.models import Indicator
    from edugov.metrics.services import indicator_defs
    from edugov.registry.models import Enrolment, Institution, Student

    if "registry_enrolment" not in connection.introspection.table_names() \
            or not Enrolment.objects.exists():
        started = time.perf_counter()
        call_command("demo", scale=scale, no_serve=True)
        print(f"demo --scale {scale} built in {time.perf_counter() - started:.0f} s")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}: "
          f"{Institution.objects.count():,} institutions, {Student.objects.count():,} "
          f"students, {Enrolment.objects.count():,} enrolments")
    defs = indicator_defs(Indicator.objects.order_by("code"))
    year = YEAR
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    started, cpu = time.perf_counter(), cpu_seconds()
    with open_source("live") as source:
        result = compute(source, measures(), defs, year=year)
    wall, used = time.perf_counter() - started, cpu_seconds() - cpu
    print(f"live engine: {len(defs)} indicators × {len(result.units):,} units (every level) "
          f"in {wall:.2f} s wall, {used:.2f} s CPU (max RSS so far {max_rss_mb():.0f} MB)")
    if not skip_baseline:
        started, cpu = time.perf_counter(), cpu_seconds()
        times: dict[str, float] = {}
        columns = []
        with open_source("live") as source:
            for d in defs:
                begun = time.perf_counter()
                alone = compute(source, measures(), [d], year=year)
                times[d.code] = time.perf_counter() - begun
                columns.append(alone.values[d.code].reindex(result.values.index))
        naive, naive_cpu = time.perf_counter() - started, cpu_seconds() - cpu
        print(f"naive baseline (one compute per indicator, nothing shared): {naive:.2f} s wall, "
              f"{naive_cpu:.2f} s CPU")
        engine = result.values[[d.code for d in defs]].to_numpy()
        alone_values = pd.concat(columns, axis=1).to_numpy()
        close = np.isclose(engine, alone_values, equal_nan=True, rtol=1e-9)
        print(f"engine vs baseline: {close.size:,} values compared, {int((~close).sum())} differ")
        print(f"ratio baseline / engine: {naive / wall:.1f}× wall, {naive_cpu / used:.1f}× CPU")
        slowest = sorted(times.items(), key=lambda kv: -kv[1])[:5]
        print("slowest indicators alone: " + ", ".join(f"{c} {t:.2f} s" for c, t in slowest))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"max RSS: {max_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=SCALES, default=None)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--live", type=Path, metavar="DATA_DIR")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    if args.live is not None:
        live(args.scale or "city", args.skip_baseline)
        return
    args.scale = args.scale or "province"
    directory = args.dir or Path(tempfile.mkdtemp(prefix="edugov-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "registry_enrolment.parquet").exists():
        started = time.perf_counter()
        rows = generate(directory, args.scale)
        print(f"synthetic {args.scale} warehouse: {rows:,} enrolments in "
              f"{time.perf_counter() - started:.1f} s at {directory}")
    defs = [IndicatorDef(r["code"], r["formula"], r["factor"], tuple(r["levels"]))
            for r in BUILTIN_INDICATORS]
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    started, cpu = time.perf_counter(), cpu_seconds()
    with open_source("duckdb", warehouse=directory) as source:
        result = compute(source, measures(), defs, year=YEAR)
    duck, duck_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print(f"duckdb engine: {len(defs)} indicators × {len(result.units):,} units "
          f"in {duck:.2f} s wall, {duck_cpu:.2f} s CPU (max RSS so far {max_rss_mb():.0f} MB)")
    if args.skip_baseline:
        return
    cpu = cpu_seconds()
    baseline, values = pandas_baseline(directory, defs)
    baseline_cpu = cpu_seconds() - cpu
    print(f"pandas baseline (whole catalog, every reference at every level): "
          f"{baseline:.2f} s wall, {baseline_cpu:.2f} s CPU")
    print(f"engine vs baseline: {agreement(result, values)}")
    print(f"ratio baseline / duckdb: {baseline / duck:.1f}× wall, "
          f"{baseline_cpu / duck_cpu:.1f}× CPU")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(f"max RSS: {max_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
