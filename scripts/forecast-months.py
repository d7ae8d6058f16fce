#!/usr/bin/env python3
"""Monthly forecast table from replications of a scenario (docs/validation.md).

Runs `blockade run --replication i` for i = 0..N-1 over the scenario's horizon, sums the daily
columns of each replication by calendar month and prints, per month, the median and the 90 %
interval (5th and 95th percentiles, linear interpolation) of: litres delivered (ML), attacks on
tankers, tankers destroyed, escorted convoys, and the end-of-month city stock (ML); then, in a
second table, what the city lives through each month: days with unmet demand, days on which the
priority sectors (`city.sectors[].priority`; in the default scenario, essential services and
power generation) were not fully served, the worst day's hours without electricity, the peak
informal price over the official one, and the days on which schools were closed by decision
(outside the holidays).

    scripts/forecast-months.py BLOCKADE [SCENARIO] [-n N] [--days D]
                               [--posterior POSTERIOR.csv [--continue]]

With --posterior (a posterior.csv of `blockade calibrate`), the forecast is the posterior
predictive: the calibration's particles are resampled systematically by weight to N draws, and
replication i runs the scenario with draw i's parameters set (through `blockade scenario apply`
and a patch; `observation.*` parameters, which are not the scenario's, are left out). Without
it every replication runs the scenario as it is.

With --continue as well, replication i runs draw i's accepted simulation on: the draw's
parameters with the seed it was accepted with (the posterior.csv's `seed` column, replication
0), so the forecast starts from runs that fit the record the calibration was fitted to
(docs/calibration.md, `--forecast continue`). A particle drawn twice
is the same run twice.

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

# The city's month: (title, value of one day's row, how the days combine: sum or max).
CITY = [("days with unmet demand", lambda r: float(r["shortage_share"]) > 0, sum),
        ("days with priority demand unmet", lambda r: float(r["unmet_priority_l"]) > 0, sum),
        ("worst day without electricity (h)", lambda r: float(r["blackout_hours"]), max),
        ("peak informal price (x official)", lambda r: float(r["price_ratio"]), max),
        ("days schools closed by decision (outside holidays)",
         lambda r: float(r["schools_open"]) == 0 and float(r["school_holiday"]) == 0, sum)]


def band(xs):
    """Median [5 %, 95 %] of xs."""
    return "%.3g [%.3g, %.3g]" % (quantile(xs, 0.5), quantile(xs, 0.05), quantile(xs, 0.95))


def quantile(xs, p):
    xs = sorted(xs)
    h = (len(xs) - 1) * p
    lo = int(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def posterior_draws(path, n):
    """The particles of a posterior.csv resampled systematically by weight to n draws, each a
    pair: the list of (path, value) of the scenario's parameters, and the particle's seed (None
    in a file without the seed column)."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        sys.exit("%s: cannot read (%s)" % (path, e.strerror))
    head, body = (rows[0], rows[1:]) if rows else ([], [])
    if head[:3] != ["particle", "weight", "distance"] or not body:
        sys.exit("%s: not a posterior.csv of blockade calibrate" % path)
    params = [(j, p) for j, p in enumerate(head)
              if j >= 3 and p != "seed" and not p.startswith("observation.")]
    seed_col = head.index("seed") if "seed" in head else None
    w = []
    for line, r in enumerate(body, start=2):
        try:
            if len(r) != len(head):
                raise ValueError("%d columns, expected %d" % (len(r), len(head)))
            w.append(float(r[1]))
            for k, _ in params:
                float(r[k])
            if seed_col is not None and not r[seed_col].isdigit():
                raise ValueError("the seed is not a whole number")
        except ValueError as e:
            sys.exit("%s:%d: expected a number in every column (%s)" % (path, line, e))
        if not w[-1] >= 0:
            sys.exit("%s:%d: the weight must not be negative" % (path, line))
    total = sum(w)
    if not total > 0:
        sys.exit("%s: no particle with a positive weight" % path)
    draws, cum, j = [], w[0] / total, 0
    for i in range(n):
        u = (i + 0.5) / n
        while u > cum and j < len(body) - 1:
            j += 1
            cum += w[j] / total
        draws.append(([(p, body[j][k]) for k, p in params],
                      body[j][seed_col] if seed_col is not None else None))
    return draws


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("blockade")
    ap.add_argument("scenario", nargs="?")
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--days", type=int, default=0)
    ap.add_argument("--posterior")
    ap.add_argument("--continue", dest="cont", action="store_true")
    a = ap.parse_args()
    if a.cont and not a.posterior:
        sys.exit("--continue goes with --posterior")
    draws = posterior_draws(a.posterior, a.n) if a.posterior else None
    if a.cont and draws[0][1] is None:
        sys.exit("%s: no seed column (written by an older blockade calibrate): calibrate again "
                 "to continue its runs" % a.posterior)
    months = {}  # month -> column -> [value per replication]
    stock = {}
    city = {}  # month -> title -> [value per replication]
    with tempfile.TemporaryDirectory(prefix="bk-forecast-") as tmp:
        base = a.scenario
        if draws and not base:
            base = os.path.join(tmp, "default.yaml")
            with open(base, "w") as f:
                subprocess.run([a.blockade, "scenario", "export-default"], stdout=f, check=True)
        for i in range(a.n):
            out = os.path.join(tmp, "r%d" % i)
            scenario = a.scenario
            if draws:
                patch = os.path.join(tmp, "draw.yaml")
                with open(patch, "w") as f:
                    f.write("name: posterior-draw-%d\npatch:\n" % i)
                    f.writelines("  - set: %s = %s\n" % pv for pv in draws[i][0])
                scenario = os.path.join(tmp, "draw-scenario.yaml")
                with open(scenario, "w") as f:
                    subprocess.run([a.blockade, "scenario", "apply", base, patch], stdout=f,
                                   check=True)
            run_as = ["--seed", draws[i][1], "--replication", "0"] if a.cont else [
                "--replication", str(i)]
            cmd = [a.blockade, "run"] + ([scenario] if scenario else []) + run_as + [
                "--out", out, "--no-store", "--quiet"]
            if a.days:
                cmd += ["--days", str(a.days)]
            subprocess.run(cmd, check=True)
            sums, last_stock, days = {}, {}, {}
            with open(os.path.join(out, "daily.csv"), newline="") as f:
                for row in csv.DictReader(f):
                    m = row["date"][:7]
                    days.setdefault(m, []).append(row)
                    s = sums.setdefault(m, {c: 0.0 for c, _, _ in COLUMNS})
                    for c, _, k in COLUMNS:
                        s[c] += float(row[c]) * k
                    last_stock[m] = float(row["stock_l"]) * 1e-6
            for m, s in sums.items():
                for c in s:
                    months.setdefault(m, {}).setdefault(c, []).append(s[c])
                stock.setdefault(m, []).append(last_stock[m])
                for title, day_value, combine in CITY:
                    v = combine(float(day_value(r)) for r in days[m])
                    city.setdefault(m, {}).setdefault(title, []).append(v)
    print("| Month | " + " | ".join(t for _, t, _ in COLUMNS) + " | city stock at month end (ML) |")
    print("|---" * (len(COLUMNS) + 2) + "|")
    for m in sorted(months):
        cells = [band(months[m][c]) for c, _, _ in COLUMNS] + [band(stock[m])]
        print("| %s | %s |" % (m, " | ".join(cells)))
    print("\n| Month | " + " | ".join(t for t, _, _ in CITY) + " |")
    print("|---" * (len(CITY) + 1) + "|")
    for m in sorted(city):
        print("| %s | %s |" % (m, " | ".join(band(city[m][t]) for t, _, _ in CITY)))
    print("\n%d replications%s (median [5 %%, 95 %%])"
          % (a.n, " continuing as many accepted runs of %s" % a.posterior if a.cont
             else " over as many draws of %s" % a.posterior if draws else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
