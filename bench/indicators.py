"""Benchmark: the full built-in catalog for every unit of a province on DuckDB.

    .venv/bin/python bench/indicators.py [--scale province|city] [--dir DIR] [--keep]

Builds a synthetic Parquet warehouse with a fixed seed (same tables and columns as
``edugov warehouse export``), then times (1) the DuckDB engine over the whole catalog and
(2) a naive pandas baseline: each measure reference filtered and grouped separately
over the joined rows in memory. Prints both, the ratio and the maximum resident memory.
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
os.environ.setdefault("EDUGOV_DEBUG", "1")

import django

django.setup()

from edugov.metrics.builtin import BUILTIN_INDICATORS  # noqa: E402
from edugov.metrics.catalog import measures  # noqa: E402
from edugov.metrics.engine.backends import open_source  # noqa: E402
from edugov.metrics.engine.compute import IndicatorDef, compute  # noqa: E402

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


def pandas_baseline(directory: Path) -> float:
    """Naive: join the rows in pandas, then filter + group once per reference and level."""
    started = time.perf_counter()
    inst = pd.read_parquet(directory / "registry_institution.parquet")
    inst = inst[inst["status"] == "active"]
    regions = pd.read_parquet(directory / "registry_region.parquet")
    enrol = pd.read_parquet(directory / "registry_enrolment.parquet",
                            columns=["student_id", "institution_id", "grade", "status"])
    enrol = enrol[enrol["status"] == "active"]
    students = pd.read_parquet(directory / "registry_student.parquet",
                               columns=["id", "sex", "hukou_type"])
    facts = enrol.merge(students, left_on="student_id", right_on="id").merge(
        inst[["id", "kind", "ownership", "inclusive", "rating", "region_id"]],
        left_on="institution_id", right_on="id", suffixes=("", "_inst"))
    region_path = dict(zip(regions["id"], regions["path"], strict=True))
    county_to_city = {rid: p.strip("/").split("/")[1] for rid, p in region_path.items()
                      if p.count("/") == 4}
    facts["city"] = facts["region_id"].map(county_to_city)
    levels = ["institution_id", "region_id", "city"]
    kinds = {"primary", "junior", "nine_year"}
    filters = [
        facts["kind"] == "kindergarten", (facts["kind"] == "kindergarten")
        & (facts["ownership"] == "public"), (facts["kind"] == "kindergarten")
        & (facts["rating"] != "none"), facts["hukou_type"] == "migrant",
        facts["kind"] == "primary", facts["kind"] == "junior", facts["kind"] == "senior",
        facts["kind"].isin(kinds), facts["sex"] == "F",
    ]
    for mask in filters:  # one pass per reference and level, as a per-indicator script does
        for level in levels:
            facts[mask].groupby(level).size()
    return time.perf_counter() - started


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=SCALES, default="province")
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="edugov-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "registry_enrolment.parquet").exists():
        started = time.perf_counter()
        rows = generate(directory, args.scale)
        print(f"synthetic {args.scale} warehouse: {rows:,} enrolments in "
              f"{time.perf_counter() - started:.1f} s at {directory}")
    defs = [IndicatorDef(r["code"], r["formula"], r["factor"], tuple(r["levels"]))
            for r in BUILTIN_INDICATORS]
    started = time.perf_counter()
    with open_source("duckdb", warehouse=directory) as source:
        result = compute(source, measures(), defs, year=YEAR)
    duck = time.perf_counter() - started
    print(f"duckdb engine: {len(defs)} indicators × {len(result.units):,} units "
          f"in {duck:.2f} s (max RSS so far {max_rss_mb():.0f} MB)")
    baseline = pandas_baseline(directory)
    print(f"pandas baseline (9 student references only, a subset of the catalog): "
          f"{baseline:.2f} s")
    print(f"ratio baseline / duckdb: {baseline / duck:.1f}×")
    print(f"max RSS: {max_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
