#!/usr/bin/env python3
"""serve_load.py BLOCKADE [SECONDS]: the load figure of `blockade serve` (docs/serve.md).

Starts the server on the embedded default scenario (port 0, a fresh output directory and store),
measures an ensemble's throughput alone (N replications of the default scenario, N <= 256 sized
to last about SECONDS/2; replications per second from its duration in the run store), then runs wrk for SECONDS (default 30) against
the status and run-list endpoints, alternately, and the same ensemble again meanwhile. Prints, one line each:
  bench=serve_load endpoint=status+runs connections=C seconds=S metric=<...> value=<v> unit=<u>
requests/s, p99 latency, errors (socket errors and non-2xx answers), and the ensemble's
replications/s alone and while serving, and their ratio. Stops the server with SIGTERM.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

LUA = """
local paths = {"/api/status", "/api/runs"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % 2) + 1])
end
"""


def main():
    cli = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    wrk = shutil.which("wrk")
    if wrk is None:
        print("serve_load.py: wrk not found (Debian package wrk), skipped", file=sys.stderr)
        return 0
    tmp = tempfile.mkdtemp(prefix="bk-serve-load-")
    proc = subprocess.Popen([cli, "serve", "--port", "0", "--out", os.path.join(tmp, "out"),
                             "--store", os.path.join(tmp, "runs.sqlite"), "--partial-ms", "500"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        m = None
        while m is None:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("the server printed no URL")
            m = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]+)", line)
        base, token = f"http://127.0.0.1:{m.group(1)}", m.group(2)

        def call(method, path, body=None):
            req = urllib.request.Request(base + path, method=method, data=body,
                                         headers={"Authorization": "Bearer " + token})
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())

        def ensemble_rate(reps):
            """Run an ensemble of `reps` to the end; replications/s from the store's record."""
            body = json.dumps({"kind": "ensemble", "replications": reps,
                               "policies": [{"name": "load", "set": {}}]}).encode()
            jid = call("POST", "/api/jobs", body)["id"]
            while True:
                j = call("GET", f"/api/jobs/{jid}")
                if j["state"] not in ("queued", "running"):
                    break
                time.sleep(0.5)
            if j["state"] != "done":
                raise RuntimeError(f"the ensemble ended {j['state']}: {j['error']}")
            runs = {r["id"]: r for r in call("GET", "/api/runs")}
            return reps / runs[j["run_id"]]["seconds"]

        # N <= 256: blocks of one replication. Sized to last about half of wrk's run alone, so
        # that it also ends within it when slowed down (a first small ensemble gives the pace).
        pace = ensemble_rate(16)
        reps = max(16, min(256, int(pace * seconds * 0.5)))
        alone = ensemble_rate(reps)

        lua = os.path.join(tmp, "paths.lua")
        with open(lua, "w") as f:
            f.write(LUA)
        conns = 16
        w = subprocess.Popen(["nice", "-n", "10", wrk, "-t", "2", "-c", str(conns), "-d", f"{seconds}s", "--latency",
                              "-H", "Authorization: Bearer " + token, "-s", lua, base],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        t0 = time.monotonic()
        time.sleep(1)
        serving = ensemble_rate(reps)
        within = time.monotonic() - t0 < seconds
        out, _ = w.communicate(timeout=seconds + 120)
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
        p99ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
        errs = 0
        se = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        if se:
            errs += sum(int(x) for x in se.groups())
        non2 = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if non2:
            errs += int(non2.group(1))
        tag = (f"bench=serve_load endpoint=status+runs connections={conns} seconds={seconds} "
               f"replications={reps}")
        print(f"{tag} metric=requests value={rps:.0f} unit=req/s")
        print(f"{tag} metric=p99_latency value={p99ms:.2f} unit=ms")
        print(f"{tag} metric=errors value={errs} unit=count")
        print(f"{tag} metric=ensemble_alone value={alone:.2f} unit=replications/s")
        print(f"{tag} metric=ensemble_serving value={serving:.2f} unit=replications/s")
        print(f"{tag} metric=ensemble_kept value={serving / alone:.3f} unit=ratio")
        if not within:
            print("serve_load.py: the ensemble outlasted wrk; its rate while serving is an "
                  "upper bound", file=sys.stderr)
        return 0
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
