#!/usr/bin/env python3
"""Pool the times of several hyperfine runs of the same commands into one --export-json file.

bench/run's `measure_rounds` runs the commands of one comparison in several hyperfine runs,
every other one in reverse order, so that a drift in the machine's speed falls on every tool
alike. This writes OUT in hyperfine's own format (the order of the first run, every
statistic recomputed over the pooled times), so bench/report.py reads it like any other run,
and adds `round_medians`: each run's median, to show the spread.

    merge-rounds.py OUT RUN.json...
"""

import json
import statistics
import sys


def main(out, paths):
    runs = [json.load(open(p))["results"] for p in paths]
    names = [r["command"] for r in runs[0]]
    merged = []
    for name in names:
        parts = [next(r for r in run if r["command"] == name) for run in runs]
        times = [t for p in parts for t in p["times"]]
        weight = [len(p["times"]) for p in parts]
        merged.append({
            "command": name,
            "mean": statistics.mean(times),
            "stddev": statistics.stdev(times) if len(times) > 1 else 0.0,
            "median": statistics.median(times),
            "user": sum(p["user"] * n for p, n in zip(parts, weight)) / sum(weight),
            "system": sum(p["system"] * n for p, n in zip(parts, weight)) / sum(weight),
            "min": min(times),
            "max": max(times),
            "times": times,
            "exit_codes": [c for p in parts for c in p.get("exit_codes", [])],
            "round_medians": [p["median"] for p in parts],
        })
    with open(out, "w") as f:
        json.dump({"results": merged}, f)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
