#!/usr/bin/env python3
"""bench_phold runs ROSS's PHOLD workload and refuses bad arguments.

    bench_phold_test.py BENCH_PHOLD

Each named setting prints its two figures (bench=phold and bench=phold_table, the handler's
draws from a table); the settings with increments of exactly 1.0 process ROSS's event counts in
both, checked by the benchmark itself (ross_count=checked). A bad seconds value, an unknown
setting or an extra argument is exit status 2 with the list of settings, and prints no figure."""
import subprocess
import sys

bench = sys.argv[1]
ROSS_COUNTS = {"8x1": 799992, "1024x16_la1": 16367616}
failures = []


def fields(line):
    return dict(f.split("=", 1) for f in line.split() if "=" in f)


for setting, count in ROSS_COUNTS.items():
    p = subprocess.run([bench, "0.001", setting], capture_output=True, text=True)
    if p.returncode != 0:
        failures.append(f"{setting}: exit {p.returncode}: {p.stderr.strip()}")
        continue
    lines = [fields(l) for l in p.stdout.splitlines()]
    if [l.get("bench") for l in lines] != ["phold", "phold_table"]:
        failures.append(f"{setting}: expected a phold and a phold_table line, got:\n{p.stdout}")
        continue
    for l in lines:
        if l.get("setting") != setting or int(l["events_per_rep"]) != count or \
                l.get("ross_count") != "checked" or not float(l["value"]) > 0:
            failures.append(f"{setting}: {l.get('bench')}: not ROSS's count {count} checked: {l}")

# lookahead 0.1: the count is random, near 16,384 x (1000 - 1); both figures printed
p = subprocess.run([bench, "0.001", "1024x16_la0.1"], capture_output=True, text=True)
lines = [fields(l) for l in p.stdout.splitlines()]
if p.returncode != 0 or len(lines) != 2 or \
        not all(abs(int(l["events_per_rep"]) - 16367616) < 100000 for l in lines):
    failures.append(f"1024x16_la0.1: exit {p.returncode}, output:\n{p.stdout}{p.stderr}")

for bad in (["0"], ["-1"], ["x"], ["1", "no_such_setting"], ["1", "8x1", "extra"]):
    p = subprocess.run([bench] + bad, capture_output=True, text=True)
    if p.returncode != 2 or p.stdout != "" or "1024x16_la0.1" not in p.stderr:
        failures.append(f"{bad}: expected exit 2 and the usage, got exit {p.returncode}: "
                        f"{p.stdout}{p.stderr}")

if failures:
    sys.exit("\n".join(failures))
print("bench_phold: ROSS's counts in both figures; bad arguments refused")
