#!/usr/bin/env python3
"""scripts/forecast-months.py with --posterior: replication i runs draw i of the posterior
resampled by weight, the scenario's parameters set and the observation's left out; with
--continue, draw i's own seed.

    forecast_months_test.py BLOCKADE SOURCE_DIR

A posterior whose whole weight is on one particle must give the table of the scenario patched
with that particle's values, and a table unlike the scenario's own; a file that is not a
posterior is refused. With --continue, every replication is the particle's run with its seed:
the table is that one run's; a posterior without seeds is refused."""
import csv
import os
import subprocess
import sys
import tempfile

bk, src = sys.argv[1], sys.argv[2]
script = os.path.join(src, "scripts", "forecast-months.py")
ARGS = ["-n", "4", "--days", "20"]


def forecast(*extra, ok=True):
    p = subprocess.run([sys.executable, script, bk] + list(extra) + ARGS, capture_output=True,
                       text=True)
    if ok and p.returncode != 0:
        sys.exit("forecast-months failed:\n" + p.stderr)
    return p


def table(p):
    """The tables without the last line, which names the posterior file."""
    return p.stdout.rsplit("\n", 2)[0]


with tempfile.TemporaryDirectory(prefix="bk-forecast-test-") as tmp:
    post = os.path.join(tmp, "posterior.csv")
    with open(post, "w") as f:
        f.write("particle,weight,distance,fleet.declaration_fear,observation.report_prob\n"
                "0,0,0.5,0.05,0.9\n1,1,0.4,0.9,0.7\n2,0,0.6,0.3,0.8\n")
    patch = os.path.join(tmp, "patch.yaml")
    with open(patch, "w") as f:
        f.write("name: particle 1\npatch:\n  - set: fleet.declaration_fear = 0.9\n")
    base = os.path.join(tmp, "base.yaml")
    with open(base, "w") as f:
        subprocess.run([bk, "scenario", "export-default"], stdout=f, check=True)
    patched = os.path.join(tmp, "patched.yaml")
    with open(patched, "w") as f:
        subprocess.run([bk, "scenario", "apply", base, patch], stdout=f, check=True)

    over_draws = forecast("--posterior", post)
    assert "over as many draws of" in over_draws.stdout, over_draws.stdout
    assert table(over_draws) == table(forecast(patched)), "draws differ from the patched scenario"
    assert table(over_draws) != table(forecast()), "the draws changed nothing"

    seeded = os.path.join(tmp, "seeded.csv")
    with open(seeded, "w") as f:
        f.write("particle,weight,distance,fleet.declaration_fear,observation.report_prob,seed\n"
                "0,0,0.5,0.05,0.9,7\n1,1,0.4,0.9,0.7,12345\n2,0,0.6,0.3,0.8,9\n")
    continued = forecast("--posterior", seeded, "--continue")
    assert "continuing as many accepted runs of" in continued.stdout, continued.stdout
    one = os.path.join(tmp, "one")
    subprocess.run([bk, "run", patched, "--seed", "12345", "--replication", "0", "--days", "20",
                    "--out", one, "--no-store", "--quiet"], check=True)
    with open(os.path.join(one, "daily.csv"), newline="") as f:
        ml = sum(float(r["delivered_l"]) for r in csv.DictReader(f)) * 1e-6
    want = "| 2025-09 | %.3g [%.3g, %.3g] |" % (ml, ml, ml)
    assert want in continued.stdout, (want, continued.stdout)
    assert table(continued) != table(over_draws), "the seeds changed nothing"
    p = forecast("--posterior", post, "--continue", ok=False)
    assert p.returncode != 0 and "no seed column" in p.stderr, (p.returncode, p.stderr)
    p = forecast("--continue", ok=False)
    assert p.returncode != 0 and "goes with --posterior" in p.stderr, (p.returncode, p.stderr)

    bad = os.path.join(tmp, "bad.csv")
    with open(bad, "w") as f:
        f.write("a,b,c\n1,2,3\n")
    p = forecast("--posterior", bad, ok=False)
    assert p.returncode != 0 and "not a posterior.csv" in p.stderr, (p.returncode, p.stderr)
    with open(bad, "w") as f:
        f.write("particle,weight,distance,fleet.declaration_fear\n0,1,0.5,0.2\n1,x,0.5,0.3\n")
    p = forecast("--posterior", bad, ok=False)
    assert p.returncode != 0 and "bad.csv:3:" in p.stderr, (p.returncode, p.stderr)
    with open(bad, "w") as f:
        f.write("particle,weight,distance,fleet.declaration_fear\n0,0,0.5,0.2\n")
    p = forecast("--posterior", bad, ok=False)
    assert p.returncode != 0 and "no particle with a positive weight" in p.stderr, p.stderr
print("forecast-months --posterior, --continue: ok")
