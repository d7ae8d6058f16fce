#!/usr/bin/python3
"""Do two builds of blockade give the same distribution of the default scenario's outcomes?

Runs replications 0..N-1 of the embedded default scenario with two CLI binaries (`blockade run
--json --replication R`), takes the headline outcomes of each replication, and compares the two
samples outcome by outcome with two two-sample tests:
  - Kolmogorov-Smirnov: D = sup |F_old - F_new|, p-value from the asymptotic Kolmogorov law with
    the small-sample correction of Stephens (1970), lambda = (sqrt(ne) + 0.12 + 0.11 / sqrt(ne)) D,
    ne = n m / (n + m). Outcomes with many ties (counts, days) make it conservative.
  - Mann-Whitney U (Wilcoxon rank-sum): mid-ranks for ties, normal approximation with the tie
    correction of the variance and a continuity correction, two-sided.
A change that keeps the model's statistics gives p-values spread uniformly on (0, 1); a p-value
below 0.01 on an outcome is a difference worth looking at (with six outcomes and two tests,
about one p-value in ten falls below 0.1 by chance).

"Never" (no stock-out within the horizon) counts as day horizon + 1.

Usage: compare_outcomes.py OLD_BLOCKADE NEW_BLOCKADE [--replications N] [--first R] [--jobs J]
Prints one line per outcome:
  bench=outcome_compare outcome=<name> n=<N> mean_old=... mean_new=... ks_d=... ks_p=... mw_p=...
"""
import argparse
import concurrent.futures
import json
import math
import subprocess
import sys

OUTCOMES = ["first_stockout_day", "deliveries", "tankers_lost", "attacks_attempted",
            "blackout_hours", "school_closed_days"]


def outcomes(binary, rep):
    out = subprocess.run([binary, "run", "--json", "--no-store", "--quiet", "--replication",
                          str(rep)], check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    t = j["totals"]
    fs = t.get("first_stockout_day")
    if fs is None or fs < 0:
        fs = j["days"] + 1
    return {
        "first_stockout_day": fs,
        "deliveries": t["deliveries"],
        "tankers_lost": t["tankers_destroyed"] + t["tankers_captured"],
        "attacks_attempted": t["attacks_attempted"],
        "blackout_hours": t["blackout_hours"],
        "school_closed_days": t["school_closed_days"],
    }


def ks_two_sample(x, y):
    x, y = sorted(x), sorted(y)
    n, m = len(x), len(y)
    i = j = 0
    d = 0.0
    while i < n and j < m:
        v = min(x[i], y[j])
        while i < n and x[i] == v:
            i += 1
        while j < m and y[j] == v:
            j += 1
        d = max(d, abs(i / n - j / m))
    ne = n * m / (n + m)
    lam = (math.sqrt(ne) + 0.12 + 0.11 / math.sqrt(ne)) * d
    if lam < 1e-3:
        return d, 1.0
    p = 2.0 * sum((-1) ** (k - 1) * math.exp(-2.0 * k * k * lam * lam) for k in range(1, 101))
    return d, min(max(p, 0.0), 1.0)


def mann_whitney(x, y):
    n, m = len(x), len(y)
    allv = sorted([(v, 0) for v in x] + [(v, 1) for v in y])
    ranks_x = 0.0
    tie_term = 0.0
    i = 0
    N = n + m
    while i < N:
        j = i
        while j < N and allv[j][0] == allv[i][0]:
            j += 1
        mid = (i + 1 + j) / 2.0  # mid-rank of positions i+1..j
        t = j - i
        tie_term += t ** 3 - t
        ranks_x += mid * sum(1 for k in range(i, j) if allv[k][1] == 0)
        i = j
    u = ranks_x - n * (n + 1) / 2.0
    mu = n * m / 2.0
    var = n * m / 12.0 * ((N + 1) - tie_term / (N * (N - 1)))
    if var <= 0:
        return 1.0
    z = (abs(u - mu) - 0.5) / math.sqrt(var)
    z = max(z, 0.0)
    return math.erfc(z / math.sqrt(2.0))


def sample(binary, first, n, jobs):
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        return list(ex.map(lambda r: outcomes(binary, r), range(first, first + n)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--replications", "-n", type=int, default=1000)
    ap.add_argument("--first", type=int, default=0, help="first replication number (default 0)")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    old = sample(a.old, a.first, a.replications, a.jobs)
    new = sample(a.new, a.first, a.replications, a.jobs)
    same = sum(1 for o, w in zip(old, new) if o == w)
    for k in OUTCOMES:
        x = [r[k] for r in old]
        y = [r[k] for r in new]
        d, pks = ks_two_sample(x, y)
        pmw = mann_whitney(x, y)
        print("bench=outcome_compare outcome=%s n=%d mean_old=%.4g mean_new=%.4g ks_d=%.4f "
              "ks_p=%.3f mw_p=%.3f" % (k, a.replications, sum(x) / len(x), sum(y) / len(y), d,
                                       pks, pmw), flush=True)
    print("bench=outcome_compare_identical n=%d value=%d unit=replications" % (a.replications,
                                                                               same))
    return 0


if __name__ == "__main__":
    sys.exit(main())
