#!/usr/bin/env python3
"""metrics_quantiles.py BEFORE AFTER [BEFORE AFTER ...]

Millrace's own view of the requests between two scrapes of its /metrics (or between each pair,
added up): the difference of the
millrace_serving_request_duration_seconds histogram (summed over model versions) and its p50 and
p99, estimated as Prometheus' histogram_quantile() does (linear inside the bucket: the bounds
near a few ms are 2, 3, 5 and 7.5 ms, so this is coarse next to wrk's microsecond percentiles).
Prints "count N mean_ms M p50_ms A p99_ms B passes P rows_per_pass R", the last two from
millrace_serving_pass_rows (forward passes, and the rows each held on average: above 1 when
requests that queued were scored together). Standard library only.
"""
import math
import re
import sys

SAMPLE = re.compile(r'^millrace_serving_request_duration_seconds_(bucket|sum|count)\{([^}]*)\}\s+(\S+)$')
PASSES = re.compile(r'^millrace_serving_pass_rows_(sum|count)\s+(\S+)$')


def read(path):
    buckets, total, count, passes = {}, 0.0, 0, {"sum": 0.0, "count": 0.0}
    with open(path) as f:
        for line in f:
            pass_match = PASSES.match(line.strip())
            if pass_match:
                passes[pass_match.group(1)] = float(pass_match.group(2))
                continue
            match = SAMPLE.match(line.strip())
            if not match:
                continue
            kind, labels, value = match.group(1), match.group(2), float(match.group(3))
            if kind == "bucket":
                bound = re.search(r'le="([^"]*)"', labels).group(1)
                bound = math.inf if bound == "+Inf" else float(bound)
                buckets[bound] = buckets.get(bound, 0) + value
            elif kind == "sum":
                total += value
            else:
                count += int(value)
    return buckets, total, count, passes


def quantile(share, bounds, cumulative):
    if not cumulative or cumulative[-1] == 0:
        return 0.0
    rank = share * cumulative[-1]
    for i, bound in enumerate(bounds):
        if cumulative[i] >= rank:
            if math.isinf(bound):  # in +Inf: the largest finite bound is all that is known
                return bounds[i - 1]
            lower = bounds[i - 1] if i > 0 else 0.0
            below = cumulative[i - 1] if i > 0 else 0
            inside = cumulative[i] - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0)
    return bounds[-2]


def main():
    paths = sys.argv[1:]
    if not paths or len(paths) % 2:
        raise SystemExit("usage: metrics_quantiles.py BEFORE AFTER [BEFORE AFTER ...]")
    differences, total, count, passes, pass_rows = {}, 0.0, 0, 0.0, 0.0
    for before_path, after_path in zip(paths[::2], paths[1::2]):
        before, after = read(before_path), read(after_path)
        passes += after[3]["count"] - before[3]["count"]
        pass_rows += after[3]["sum"] - before[3]["sum"]
        for bound, value in after[0].items():
            differences[bound] = differences.get(bound, 0) + value - before[0].get(bound, 0)
        total += after[1] - before[1]
        count += after[2] - before[2]
    bounds = sorted(differences)
    cumulative = [differences[b] for b in bounds]
    mean = total / count if count else 0.0
    print(f"count {count} mean_ms {mean * 1e3:.3f} p50_ms {quantile(0.5, bounds, cumulative) * 1e3:.3f} "
          f"p99_ms {quantile(0.99, bounds, cumulative) * 1e3:.3f} "
          f"passes {passes:.0f} rows_per_pass {pass_rows / passes if passes else 0.0:.2f}")


if __name__ == "__main__":
    main()
