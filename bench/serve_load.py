#!/usr/bin/env python3
"""serve_load.py BLOCKADE [SECONDS]: the load figure of `blockade serve` (docs/serve.md).

Starts the server on the embedded default scenario (port 0, a fresh output directory and store),
measures an ensemble's throughput alone (replications per second over a window of SECONDS, after
a warm-up), then starts the same ensemble again and runs wrk for SECONDS (default 30) against
the status and run-list endpoints, alternately, while it runs. Prints, one line each:
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

        def rate(window):
            """Start a long ensemble, wait for it to run, count replications over `window`."""
            body = json.dumps({"kind": "ensemble", "replications": 100000,
                               "policies": [{"name": "load", "set": {}}]}).encode()
            jid = call("POST", "/api/jobs", body)["id"]
            while call("GET", f"/api/jobs/{jid}")["done"] == 0:
                time.sleep(0.2)
            d0, t0 = call("GET", f"/api/jobs/{jid}")["done"], time.monotonic()
            return jid, d0, t0

        def finish(jid, d0, t0):
            d1, t1 = call("GET", f"/api/jobs/{jid}")["done"], time.monotonic()
            call("POST", f"/api/jobs/{jid}/cancel", b"")
            while call("GET", "/api/status")["running"]:
                time.sleep(0.2)
            return (d1 - d0) / (t1 - t0)

        jid, d0, t0 = rate(seconds)
        time.sleep(seconds)
        alone = finish(jid, d0, t0)

        lua = os.path.join(tmp, "paths.lua")
        with open(lua, "w") as f:
            f.write(LUA)
        conns = 16
        jid, d0, t0 = rate(seconds)
        w = subprocess.run([wrk, "-t", "2", "-c", str(conns), "-d", f"{seconds}s", "--latency",
                            "-H", "Authorization: Bearer " + token, "-s", lua, base],
                           capture_output=True, text=True, timeout=seconds + 120)
        serving = finish(jid, d0, t0)
        out = w.stdout
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
        tag = f"bench=serve_load endpoint=status+runs connections={conns} seconds={seconds}"
        print(f"{tag} metric=requests value={rps:.0f} unit=req/s")
        print(f"{tag} metric=p99_latency value={p99ms:.2f} unit=ms")
        print(f"{tag} metric=errors value={errs} unit=count")
        print(f"{tag} metric=ensemble_alone value={alone:.2f} unit=replications/s")
        print(f"{tag} metric=ensemble_serving value={serving:.2f} unit=replications/s")
        print(f"{tag} metric=ensemble_kept value={serving / alone:.3f} unit=ratio")
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
