"""Alternating A/B rounds of one Google Benchmark binary (or of two builds of it): per case, the
ratio after / before of each round's median, and the medians over the rounds.

usage: python3 ab_rounds.py BEFORE AFTER
  run in the folder holding BEFORE_1.json, AFTER_1.json, BEFORE_2.json, ...: each round's
  `--benchmark_format=json --benchmark_report_aggregates_only=true` output (the rounds are the
  numbers that BEFORE_<n>.json has; a case missing from either side of a round is skipped there).
"""
import collections
import glob
import json
import statistics
import sys


def medians(path, units):
    """{case: median real time} of one file; fills units[case]."""
    out = {}
    for b in json.load(open(path))["benchmarks"]:
        if b.get("aggregate_name") == "median":
            out[b["run_name"]] = b["real_time"]
            units[b["run_name"]] = b.get("time_unit", "ns")
    return out


def main(before, after):
    rounds = sorted(int(f[len(before) + 1:-len(".json")]) for f in glob.glob(before + "_*.json"))
    units = {}
    ratios, b_times, a_times = (collections.defaultdict(list) for _ in range(3))
    for r in rounds:
        b = medians(f"{before}_{r}.json", units)
        a = medians(f"{after}_{r}.json", units)
        for case in b.keys() & a.keys():
            ratios[case].append(a[case] / b[case])
            b_times[case].append(b[case])
            a_times[case].append(a[case])
    print(f"{len(rounds)} rounds; medians over rounds of each round's median of its repetitions")
    print("%-38s %10s %10s %4s %7s  %s" % ("case", "before", "after", "unit", "ratio",
                                          "per-round ratios"))
    for case in sorted(ratios):
        print("%-38s %10.1f %10.1f %4s %7.3f  %s" % (
            case.replace("/real_time", ""), statistics.median(b_times[case]),
            statistics.median(a_times[case]), units[case], statistics.median(ratios[case]),
            " ".join("%.2f" % x for x in ratios[case])))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
