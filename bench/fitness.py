"""Benchmark: score 1,000,000 fitness result rows with the vectorised scorer.

    .venv/bin/python bench/fitness.py [--rows N] [--baseline-rows N] [--seed N] [--repeats N]

Prints the vectorised time (median of ``--repeats`` runs; target ≤ 10 s), the per-row
Python baseline time and the ratio (target ≥ 50×). The baseline is the plain per-row
scorer of ``tests/health/reference_scorer.py`` (reads the standard's CSV tables into
dicts), timed on the first ``--baseline-rows`` rows and extrapolated linearly to all rows
(printed as such; pass ``--baseline-rows`` equal to ``--rows`` to time it all). Both
scorers' totals and levels are compared on the sampled rows. Rows are fixed-seed
synthetic results, grades 1–12, both sexes (``tests/health/synthetic.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edugov.health.rules.fitness import score_fitness
from edugov.health.rules.fitness_standard import ITEMS, builtin_standard
from tests.health.reference_scorer import ReferenceScorer
from tests.health.synthetic import synthetic_rows

TARGET_SECONDS = 10.0
TARGET_RATIO = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20250901)
    parser.add_argument("--repeats", type=int, default=5, help="vectorised runs (median)")
    args = parser.parse_args()

    rows = synthetic_rows(args.rows, seed=args.seed)
    results = {item: rows[item] for item in ITEMS}
    standard = builtin_standard()

    timings = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        scored = score_fitness(standard, sex=rows["sex"], grade=rows["grade"],
                               height_cm=rows["height_cm"], weight_kg=rows["weight_kg"],
                               results=results)
        timings.append(time.perf_counter() - started)
    # The median, not the best run: on a shared machine the ratio should not flatter.
    vectorised = float(np.median(timings))

    sample = min(args.baseline_rows, args.rows)
    reference = ReferenceScorer()
    started = time.perf_counter()
    expected = [
        reference.score("MF"[rows["sex"][i]], int(rows["grade"][i]), float(rows["height_cm"][i]),
                        float(rows["weight_kg"][i]),
                        {item: float(results[item][i]) for item in ITEMS})
        for i in range(sample)
    ]
    per_row_sample = time.perf_counter() - started
    per_row = per_row_sample * args.rows / sample

    disagreements = sum(1 for i, e in enumerate(expected)
                        if (e["total"], e["level"]) != (scored.total[i], scored.level[i]))
    levels, counts = np.unique(scored.level, return_counts=True)
    print(f"rows: {args.rows:,} (seed {args.seed}); levels: "
          + ", ".join(f"{lv} {c / args.rows:.1%}" for lv, c in zip(levels, counts, strict=True)))
    print(f"vectorised scorer:   {vectorised:8.2f} s  (median of {args.repeats}, best "
          f"{min(timings):.2f} s; {args.rows / vectorised:,.0f} rows/s; "
          f"target ≤ {TARGET_SECONDS:.0f} s)")
    label = "measured" if sample == args.rows else (
        f"{sample:,} rows measured in {per_row_sample:.2f} s, extrapolated to {args.rows:,}")
    print(f"per-row Python:      {per_row:8.2f} s  ({label})")
    print(f"ratio:               {per_row / vectorised:8.1f}×  (target ≥ {TARGET_RATIO:.0f}×)")
    print(f"disagreements on the {sample:,} compared rows: {disagreements}")
    if disagreements or vectorised > TARGET_SECONDS or per_row / vectorised < TARGET_RATIO:
        sys.exit(1)


if __name__ == "__main__":
    main()
