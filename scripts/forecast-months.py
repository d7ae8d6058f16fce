#!/usr/bin/env python3
"""Monthly forecast table from replications of a scenario (docs/validation.md).

Runs `blockade run --replication i` for i = 0..N-1 over the scenario's horizon, sums the daily
columns of each replication by calendar month and prints, per month, the median and the 90 %
interval (5th and 95th percentiles, linear interpolation) of: litres delivered (ML), attacks on
tankers, tankers destroyed, escorted convoys, and the mean end-of-month city stock (ML).

    scripts/forecast-months.py BLOCKADE [SCENARIO] [-n N] [--days D]

Only the standard library is used; the runs go to a temporary directory that is removed.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

COLUMNS = [("delivered_l", "deliveries (ML)", 1e-6), ("attacks", "attacks on tankers (all, before reporting)", 1),
           ("destroyed", "tankers destroyed", 1), ("convoys", "escorted convoys", 1)]


def quantile(xs, p):
    xs = sorted(xs)
    h = (len(xs) - 1) * p
    lo = int(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("blockade")
    ap.add_argument("scenario", nargs="?")
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--days", type=int, default=0)
    a = ap.parse_args()
    months = {}  # month -> column -> [value per replication]
    stock = {}
    with tempfile.TemporaryDirectory(prefix="bk-forecast-") as tmp:
        for i in range(a.n):
            out = os.path.join(tmp, "r%d" % i)
            cmd = [a.blockade, "run"] + ([a.scenario] if a.scenario else []) + [
                "--replication", str(i), "--out", out, "--no-store", "--quiet"]
            if a.days:
                cmd += ["--days", str(a.days)]
            subprocess.run(cmd, check=True)
            sums, last_stock = {}, {}
            with open(os.path.join(out, "daily.csv"), newline="") as f:
                for row in csv.DictReader(f):
                    m = row["date"][:7]
                    s = sums.setdefault(m, {c: 0.0 for c, _, _ in COLUMNS})
                    for c, _, k in COLUMNS:
                        s[c] += float(row[c]) * k
                    last_stock[m] = float(row["stock_l"]) * 1e-6
            for m, s in sums.items():
                for c in s:
                    months.setdefault(m, {}).setdefault(c, []).append(s[c])
                stock.setdefault(m, []).append(last_stock[m])
    print("| Month | " + " | ".join(t for _, t, _ in COLUMNS) + " | city stock at month end (ML) |")
    print("|---" * (len(COLUMNS) + 2) + "|")
    for m in sorted(months):
        cells = []
        for c, _, _ in COLUMNS:
            xs = months[m][c]
            cells.append("%.3g [%.3g, %.3g]" % (quantile(xs, 0.5), quantile(xs, 0.05),
                                              quantile(xs, 0.95)))
        xs = stock[m]
        cells.append("%.3g [%.3g, %.3g]" % (quantile(xs, 0.5), quantile(xs, 0.05),
                                          quantile(xs, 0.95)))
        print("| %s | %s |" % (m, " | ".join(cells)))
    print("\n%d replications (median [5 %%, 95 %%])" % a.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
