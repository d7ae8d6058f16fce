#!/usr/bin/env python3
"""serve_api_test.py: bad requests against `blockade serve`, each of which must get a 4xx with a
JSON error body ({"error": {"status": N, "message": "..."}}) while the server stays up.

Starts the server on the embedded default scenario on a free port (--port 0, read back from the
URL it prints), sends: no token, a wrong token, a wrong Host, no Host, a foreign Origin, a
cross-site fetch, an oversize body (declared and streamed), an oversize URL, broken JSON, wrong
fields, an unknown lever, an out-of-bounds value, path traversal in downloads, unknown routes
and methods, more jobs than the queue holds (429), and 1,000 open connections at once; checks
after each group that the server still answers. Ends with SIGTERM: exit 0, and no run left
"running" in the store. Every wait is bounded.

Usage: serve_api_test.py BLOCKADE_EXECUTABLE
"""
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

failures = 0


def check(ok, what):
    global failures
    print(("ok - " if ok else "not ok - ") + what, flush=True)
    if not ok:
        failures += 1


class Server:
    def __init__(self, cli, tmp, extra=(), addr="127.0.0.1", shown="127.0.0.1"):
        self.cli = cli
        self.addr = addr
        self.stderr = open(os.path.join(tmp, "stderr-%d.txt" % time.time_ns()), "w+")
        self.proc = subprocess.Popen(
            [cli, "serve", "--port", "0", "--jobs", "1", "--queue", "1", "--threads", "1",
             "--out", os.path.join(tmp, "out"), "--store", os.path.join(tmp, "runs.sqlite")] +
            list(extra),
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        deadline = time.time() + 60
        self.url = None
        while time.time() < deadline and self.url is None:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(r"http://" + re.escape(shown) + r":(\d+)/\?token=([0-9a-f]+)", line)
            if m:
                self.url, self.port, self.token = m.group(0), int(m.group(1)), m.group(2)
        if self.url is None:
            self.proc.kill()
            raise RuntimeError("the server printed no URL of " + shown)

    def messages(self):
        """What the server wrote on stderr so far."""
        self.stderr.seek(0)
        return self.stderr.read()

    def request(self, method, path, body=None, headers=None, auth=True, host=None):
        c = http.client.HTTPConnection(self.addr, self.port, timeout=30)
        h = {} if headers is None else dict(headers)
        if auth:
            h.setdefault("Authorization", "Bearer " + self.token)
        if host is not None:
            c.putrequest(method, path, skip_host=True)
            c.putheader("Host", host)
            for k, v in h.items():
                c.putheader(k, v)
            if body is not None:
                c.putheader("Content-Length", str(len(body)))
            c.endheaders(body)
        else:
            c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data, r

    def raw(self, payload, timeout=30):
        """Send raw bytes; return the status code of the answer (0 if none)."""
        s = socket.create_connection((self.addr, self.port), timeout=timeout)
        try:
            s.sendall(payload)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
            return int(m.group(1)) if m else 0
        finally:
            s.close()

    def alive(self):
        try:
            st, _, _ = self.request("GET", "/api/status")
            return st == 200 and self.proc.poll() is None
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return "killed"
        return self.proc.returncode


def expect_error(srv, what, status, method, path, body=None, **kw):
    st, data, _ = srv.request(method, path, body=body, **kw)
    ok = st == status
    try:
        err = json.loads(data)["error"]
        ok = ok and err["status"] == st and isinstance(err["message"], str) and err["message"]
    except (ValueError, KeyError, TypeError):
        ok = False
    check(ok, f"{what}: {status} with a JSON error (got {st} {data[:160]!r})")


def job(policies, kind="ensemble", reps=2, **extra):
    d = {"kind": kind, "replications": reps, "policies": policies}
    d.update(extra)
    return json.dumps(d).encode()


def main():
    cli = sys.argv[1]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < min(hard, 4096):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    tmp = tempfile.mkdtemp(prefix="bk-serve-api-")
    srv = Server(cli, tmp)
    try:
        run(srv)
    finally:
        code = srv.stop()
        check(code == 0, f"SIGTERM stops the server with exit 0 (got {code})")
        lst = subprocess.run([cli, "runs", "list", "--store", os.path.join(tmp, "runs.sqlite")],
                             capture_output=True, text=True, timeout=60)
        check(lst.returncode == 0 and "running" not in lst.stdout and "interrupted" in lst.stdout,
              "the store is consistent: the stopped jobs are interrupted, none left running")
        shutil.rmtree(tmp, ignore_errors=True)
    run_ipv6(cli)
    run_keep_jobs(cli)
    print("%d check(s) failed" % failures if failures else "all checks passed")
    return 1 if failures else 0


def run(srv):
    base = f"127.0.0.1:{srv.port}"
    st, data, _ = srv.request("GET", "/api/status")
    check(st == 200 and json.loads(data)["running"] == 0, "status with the token: 200")

    # ---- the token ----
    expect_error(srv, "no token", 401, "GET", "/api/status", auth=False)
    expect_error(srv, "wrong token", 401, "GET", "/api/status",
                 headers={"Authorization": "Bearer " + "0" * len(srv.token)})
    expect_error(srv, "token one digit short", 401, "GET", "/api/status",
                 headers={"Authorization": "Bearer " + srv.token[:-1]})
    expect_error(srv, "wrong token in the query", 401, "GET", "/api/runs?token=abc", auth=False)
    expect_error(srv, "no token on the page", 401, "GET", "/", auth=False)
    st, page, r = srv.request("GET", "/?token=" + srv.token, auth=False)
    cookie = r.getheader("Set-Cookie") or ""
    csp = r.getheader("Content-Security-Policy") or ""
    check(st == 200 and b"<html" in page, "the page with the token in the URL: 200")
    check("HttpOnly" in cookie and "SameSite=Strict" in cookie, "the token cookie is HttpOnly and SameSite=Strict")
    check("default-src 'none'" in csp and "connect-src 'self'" in csp, "the page has a strict Content-Security-Policy")
    check(not re.search(rb"(src|href)\s*=\s*[\"']?https?:", page), "the page references no remote resource")
    st, _, _ = srv.request("GET", "/api/status", auth=False, headers={"Cookie": cookie.split(";")[0]})
    check(st == 200, "the cookie alone authorizes API calls")

    # ---- Host and Origin ----
    expect_error(srv, "Host of another name (DNS rebinding)", 403, "GET", "/api/status", host=f"evil.example:{srv.port}")
    expect_error(srv, "Host with another port", 403, "GET", "/api/status", host=f"127.0.0.1:{srv.port + 1}")
    code = srv.raw(b"GET /api/status HTTP/1.0\r\nAuthorization: Bearer " + srv.token.encode() + b"\r\n\r\n")
    check(code == 403, f"no Host header: 403 (got {code})")
    expect_error(srv, "foreign Origin", 403, "POST", "/api/jobs", body=job([{"name": "a", "set": {}}]),
                 headers={"Origin": "http://evil.example"})
    expect_error(srv, "Origin null", 403, "GET", "/api/status", headers={"Origin": "null"})
    expect_error(srv, "Origin on another port", 403, "GET", "/api/status", headers={"Origin": f"http://127.0.0.1:{srv.port + 1}"})
    expect_error(srv, "cross-site fetch", 403, "GET", "/api/status", headers={"Sec-Fetch-Site": "cross-site"})
    st, _, _ = srv.request("GET", "/api/status", headers={"Origin": f"http://{base}"})
    check(st == 200, "same Origin: 200")

    # ---- sizes ----
    expect_error(srv, "declared oversize body", 413, "POST", "/api/jobs", body=b"{" + b" " * 70000 + b"}",
                 headers={"Content-Type": "application/json"})
    chunked = (b"POST /api/jobs HTTP/1.1\r\nHost: " + base.encode() + b"\r\nAuthorization: Bearer " +
               srv.token.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in range(40):
        chunked += b"800\r\n" + b" " * 0x800 + b"\r\n"
    chunked += b"0\r\n\r\n"
    code = srv.raw(chunked)
    check(code == 413, f"streamed oversize body (chunked): 413 (got {code})")
    expect_error(srv, "URL over 2048 bytes", 414, "GET", "/api/runs/" + "1" * 3000)
    code = srv.raw(b"GET /" + b"a" * 200000 + b" HTTP/1.1\r\nHost: " + base.encode() + b"\r\n\r\n")
    check(400 <= code < 500 or code == 0, f"a 200 kB request line is refused (got {code or 'connection closed'})")
    check(srv.alive(), "alive after the size checks")

    # ---- the JSON reader ----
    P = [{"name": "a", "set": {}}]
    expect_error(srv, "broken JSON", 400, "POST", "/api/jobs", body=b'{"kind": "ensemble",')
    expect_error(srv, "empty body", 400, "POST", "/api/jobs", body=b"")
    expect_error(srv, "not an object", 400, "POST", "/api/jobs", body=b"[1, 2]")
    expect_error(srv, "YAML is not JSON", 400, "POST", "/api/jobs", body=b"kind: ensemble\n")
    expect_error(srv, "NUL byte", 400, "POST", "/api/jobs", body=b'{"kind": "ens\x00emble"}')
    expect_error(srv, "invalid UTF-8", 400, "POST", "/api/jobs", body=b'{"kind": "\xff\xfe"}')
    expect_error(srv, "unknown field", 400, "POST", "/api/jobs", body=job(P, shell="rm -rf /"))
    expect_error(srv, "bad kind", 400, "POST", "/api/jobs", body=job(P, kind="optimise"))
    expect_error(srv, "zero replications", 400, "POST", "/api/jobs", body=job(P, reps=0))
    expect_error(srv, "too many replications", 400, "POST", "/api/jobs", body=job(P, reps=10**9))
    expect_error(srv, "negative replications", 400, "POST", "/api/jobs", body=job(P, reps=-5))
    expect_error(srv, "fractional replications", 400, "POST", "/api/jobs", body=job(P, reps=2.5))
    expect_error(srv, "seed out of range", 400, "POST", "/api/jobs", body=job(P, seed="18446744073709551616"))
    expect_error(srv, "days out of range", 400, "POST", "/api/jobs", body=job(P, days=99999))
    expect_error(srv, "ensemble of two policies", 400, "POST", "/api/jobs", body=job(P + P))
    expect_error(srv, "comparison of one policy", 400, "POST", "/api/jobs", body=job(P, kind="compare"))
    expect_error(srv, "comparison of nine", 400, "POST", "/api/jobs", body=job(P * 9, kind="compare"))
    expect_error(srv, "policy without a name", 400, "POST", "/api/jobs", body=job([{"set": {}}]))
    expect_error(srv, "policy with an extra field", 400, "POST", "/api/jobs", body=job([{"name": "a", "set": {}, "x": 1}]))
    expect_error(srv, "set not an object", 400, "POST", "/api/jobs", body=job([{"name": "a", "set": [1]}]))
    expect_error(srv, "a nested value", 400, "POST", "/api/jobs",
                 body=job([{"name": "a", "set": {"policy.convoy.escort_per_convoy": {"x": 1}}}]))
    expect_error(srv, "unknown lever", 422, "POST", "/api/jobs",
                 body=job([{"name": "a", "set": {"policy.convoy.warp_drive": 1}}]))
    expect_error(srv, "unknown corridor", 422, "POST", "/api/jobs",
                 body=job([{"name": "a", "set": {"corridors.atlantis.escort.units": 3}}]))
    expect_error(srv, "out-of-bounds value", 422, "POST", "/api/jobs",
                 body=job([{"name": "a", "set": {"policy.convoy.escort_per_convoy": -3}}]))
    expect_error(srv, "not a number", 422, "POST", "/api/jobs",
                 body=job([{"name": "a", "set": {"policy.convoy.escort_per_convoy": "many"}}]))
    expect_error(srv, "a word outside the enumeration", 422, "POST", "/api/jobs",
                 body=job([{"name": "a", "set": {"policy.convoy.mode": "teleport"}}]))
    expect_error(srv, "a date outside the horizon", 422, "POST", "/api/jobs",
                 body=job([{"name": "a", "set": {"policy.convoy.from_date": "2031-01-01"}}]))
    expect_error(srv, "not a date", 422, "POST", "/api/jobs",
                 body=job([{"name": "a", "set": {"policy.convoy.from_date": "2025-13-45"}}]))
    expect_error(srv, "deeply nested JSON", 400, "POST", "/api/jobs", body=b"[" * 5000 + b"]" * 5000)
    check(srv.alive(), "alive after the JSON cases")

    # ---- routes, methods, ids ----
    expect_error(srv, "unknown route", 404, "GET", "/api/nothing")
    expect_error(srv, "outside the API", 404, "GET", "/etc/passwd")
    expect_error(srv, "PUT", 405, "PUT", "/api/jobs", body=b"{}")
    expect_error(srv, "DELETE", 405, "DELETE", "/api/jobs/1")
    expect_error(srv, "POST on the status", 405, "POST", "/api/status", body=b"{}")
    expect_error(srv, "unknown job", 404, "GET", "/api/jobs/999")
    expect_error(srv, "job id not a number", 404, "GET", "/api/jobs/abc")
    expect_error(srv, "job id zero", 404, "GET", "/api/jobs/0")
    expect_error(srv, "job id overflowing", 404, "GET", "/api/jobs/99999999999999999999999")
    expect_error(srv, "events of an unknown job", 404, "GET", "/api/jobs/999/events")
    expect_error(srv, "cancel an unknown job", 404, "POST", "/api/jobs/999/cancel")
    expect_error(srv, "GET on cancel", 405, "GET", "/api/jobs/1/cancel")

    # ---- one real job, then downloads and path traversal ----
    st, data, _ = srv.request("POST", "/api/jobs", body=job([{"name": "more escorts", "set": {"corridors.dakar_north.escort.units": 12}}], reps=2))
    check(st == 202, f"a valid ensemble is accepted: 202 (got {st} {data[:200]!r})")
    jid = json.loads(data)["id"]
    deadline = time.time() + 240
    state = None
    while time.time() < deadline:
        st, data, _ = srv.request("GET", f"/api/jobs/{jid}")
        state = json.loads(data)
        if state["state"] in ("done", "failed", "cancelled"):
            break
        time.sleep(0.5)
    check(state and state["state"] == "done" and state["run_id"], f"the job ends done and recorded (state {state and state['state']})")
    rid = state["run_id"]
    # the same bytes as the command line on the patched scenario (with another thread count)
    st, served_bands, _ = srv.request("GET", f"/api/runs/{rid}/files/bands.csv")
    work = tempfile.mkdtemp(prefix="bk-serve-same-")
    try:
        base_yaml, patch, patched = (os.path.join(work, n) for n in ("base.yaml", "p.yaml", "pb.yaml"))
        with open(base_yaml, "w") as f:
            subprocess.run([srv.cli, "scenario", "export-default"], stdout=f, check=True, timeout=60)
        with open(patch, "w") as f:
            f.write("name: more escorts\nset:\n  corridors.dakar_north.escort.units: 12\n")
        with open(patched, "w") as f:
            subprocess.run([srv.cli, "scenario", "apply", base_yaml, patch], stdout=f, check=True, timeout=60)
        subprocess.run([srv.cli, "ensemble", patched, "-n", "2", "--threads", "2", "--out",
                        os.path.join(work, "ens"), "--no-store", "--quiet"], check=True, timeout=300)
        with open(os.path.join(work, "ens", "bands.csv"), "rb") as f:
            cli_bands = f.read()
        check(st == 200 and served_bands == cli_bands,
              "the served ensemble's bands.csv is byte for byte the command line's")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    st, data, _ = srv.request("GET", f"/api/runs/{rid}/files/summary.json")
    check(st == 200 and json.loads(data)["replications"] == 2, "an output file downloads")
    st, data, r = srv.request("GET", f"/api/runs/{rid}/report")
    check(st == 200 and b"<html" in data and "attachment" in (r.getheader("Content-Disposition") or ""), "the run's offline report downloads")
    for name, path in [("dot-dot encoded", f"/api/runs/{rid}/files/..%2F..%2Fetc%2Fpasswd"),
                       ("dot-dot", f"/api/runs/{rid}/files/../../../etc/passwd"),
                       ("absolute", f"/api/runs/{rid}/files/%2Fetc%2Fpasswd"),
                       ("hidden file", f"/api/runs/{rid}/files/.bashrc"),
                       ("backslash", f"/api/runs/{rid}/files/..%5C..%5Cx"),
                       ("NUL", f"/api/runs/{rid}/files/summary.json%00.csv")]:
        code = srv.raw(f"GET {path} HTTP/1.1\r\nHost: {base}\r\nAuthorization: Bearer {srv.token}\r\nConnection: close\r\n\r\n".encode())
        check(code in (400, 404), f"path traversal ({name}): refused with {code}")
    expect_error(srv, "a file that is not there", 404, "GET", f"/api/runs/{rid}/files/nothing.csv")
    expect_error(srv, "files of an unknown run", 404, "GET", "/api/runs/999/files/bands.csv")
    expect_error(srv, "diff with an unknown run", 404, "GET", f"/api/runs/{rid}/diff/999")

    # ---- a browser closing mid-run: the job goes on ----
    st, data, _ = srv.request("POST", "/api/jobs", body=job([{"name": "closed tab", "set": {}}], reps=4))
    cid = json.loads(data)["id"]
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    s.sendall(f"GET /api/jobs/{cid}/events HTTP/1.1\r\nHost: {base}\r\nAuthorization: Bearer {srv.token}\r\n\r\n".encode())
    first = s.recv(4096)
    s.close()
    check(first.startswith(b"HTTP/1.1 200") and b"text/event-stream" in first, "an event stream opens")
    deadline = time.time() + 240
    while time.time() < deadline:
        st, data, _ = srv.request("GET", f"/api/jobs/{cid}")
        if json.loads(data)["state"] != "running" and json.loads(data)["state"] != "queued":
            break
        time.sleep(0.5)
    check(json.loads(data)["state"] == "done", "the job finishes after its stream was closed mid-run")

    # ---- the queue: one running, one waiting, the next refused ----
    long_job = job([{"name": "long", "set": {}}], reps=100000)
    ids = []
    for _ in range(2):
        st, data, _ = srv.request("POST", "/api/jobs", body=long_job)
        ids.append(json.loads(data).get("id"))
        check(st == 202, f"a long job is accepted ({st})")
    time.sleep(0.5)
    expect_error(srv, "more jobs than the queue holds", 429, "POST", "/api/jobs", body=long_job)
    for i in ids:
        st, _, _ = srv.request("POST", f"/api/jobs/{i}/cancel")
        check(st == 200, f"job {i} cancelled")

    # ---- 1,000 open connections, some with half a request ----
    socks = []
    try:
        for i in range(1000):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
            if i % 3 == 0:
                s.sendall(b"GET /api/status HTTP/1.1\r\nHost: " + base.encode() + b"\r\n")
            socks.append(s)
        check(len(socks) == 1000, "1,000 connections opened")
        ok = False
        deadline = time.time() + 60
        while time.time() < deadline and not ok:
            try:
                ok = srv.alive()
            except OSError:
                pass
            if not ok:
                time.sleep(0.5)
        check(ok, "the server answers while 1,000 connections are open")
    finally:
        for s in socks:
            s.close()
    time.sleep(0.5)
    check(srv.alive(), "alive after the 1,000 connections close")
    deadline = time.time() + 120
    while time.time() < deadline:
        st, data, _ = srv.request("GET", "/api/status")
        if json.loads(data)["running"] == 0:
            break
        time.sleep(0.5)
    check(json.loads(data)["running"] == 0, "the cancelled jobs have stopped")

    # ---- a job still running when the server is stopped (main() sends SIGTERM) ----
    st, data, _ = srv.request("POST", "/api/jobs", body=long_job)
    lid = json.loads(data)["id"]
    deadline = time.time() + 120
    while time.time() < deadline:
        st, data, _ = srv.request("GET", f"/api/jobs/{lid}")
        if json.loads(data)["done"] > 0:
            break
        time.sleep(0.3)
    check(json.loads(data)["state"] == "running", "a long job is running when SIGTERM comes")


def ipv6_loopback():
    """Can this machine listen on ::1?"""
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def run_ipv6(cli):
    """--bind with IPv6: ::1 and [::1] are loopback (no warning, URL in brackets, Host [::1]:PORT
    accepted); :: warns; brackets around IPv4 are refused."""
    if not ipv6_loopback():
        print("ok - # SKIP IPv6 cases: this machine has no IPv6 loopback (cannot bind ::1)")
        return
    tmp = tempfile.mkdtemp(prefix="bk-serve-v6-")
    try:
        for given in ("::1", "[::1]"):
            srv = Server(cli, tmp, ["--bind", given], addr="::1", shown="[::1]")
            try:
                st, data, _ = srv.request("GET", "/api/status")
                check(st == 200, f"--bind {given}: the URL is http://[::1]:PORT/ and answers 200 "
                      f"with Host [::1]:PORT (got {st})")
                expect_error(srv, f"--bind {given}: Host of another name", 403, "GET",
                             "/api/status", host=f"evil.example:{srv.port}")
                expect_error(srv, f"--bind {given}: Host without the brackets", 403, "GET",
                             "/api/status", host=f"::1:{srv.port}")
                st, _, _ = srv.request("GET", "/api/status",
                                       headers={"Origin": f"http://[::1]:{srv.port}"})
                check(st == 200, f"--bind {given}: same Origin in brackets: 200 (got {st})")
            finally:
                code = srv.stop()
            check(code == 0 and "warning" not in srv.messages(),
                  f"--bind {given}: loopback, so no warning; stops with 0")
        srv = Server(cli, tmp, ["--bind", "::"], addr="::1", shown="[::]")
        try:
            st, _, _ = srv.request("GET", "/api/status")
            check(st == 200, f"--bind :: answers on ::1 with Host [::1]:PORT (got {st})")
        finally:
            srv.stop()
        check("warning: serving on [::]" in srv.messages(), "--bind :: warns")
        bad = subprocess.run([cli, "serve", "--bind", "[127.0.0.1]", "--port", "0", "--out",
                              os.path.join(tmp, "out"), "--store", os.path.join(tmp, "r.sqlite")],
                             capture_output=True, text=True, timeout=60)
        check(bad.returncode == 2 and "--bind '[127.0.0.1]'" in bad.stderr,
              f"brackets around an IPv4 address: usage error (got {bad.returncode} {bad.stderr!r})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run_keep_jobs(cli):
    """--keep-jobs N: after many jobs the server holds at most N ended ones; older ones answer
    404 while their runs stay in the store."""
    tmp = tempfile.mkdtemp(prefix="bk-serve-keep-")
    srv = Server(cli, tmp, ["--keep-jobs", "3"])
    try:
        tiny = job([{"name": "tiny", "set": {}}], reps=1, days=2)
        n = 40
        rss = []
        for i in range(n):
            st, data, _ = srv.request("POST", "/api/jobs", body=tiny)
            if st != 202:
                check(False, f"tiny job {i + 1} accepted (got {st} {data[:160]!r})")
                break
            jid = json.loads(data)["id"]
            deadline = time.time() + 120
            while time.time() < deadline:
                st, data, _ = srv.request("GET", f"/api/jobs/{jid}")
                if st == 200 and json.loads(data)["state"] in ("done", "failed", "cancelled"):
                    break
                time.sleep(0.05)
            if i + 1 in (10, n):
                rss.append(rss_kib(srv.proc.pid))
        st, data, _ = srv.request("GET", "/api/jobs")
        listed = json.loads(data)
        check(st == 200 and [j["id"] for j in listed] == [n, n - 1, n - 2],
              f"after {n} jobs the list holds the last 3 (got {[j['id'] for j in listed]})")
        st, data, _ = srv.request("GET", "/api/status")
        status = json.loads(data)
        check(status["jobs_listed"] == 3 and status["keep_jobs"] == 3 and
              status["jobs_dropped"] == n - 3,
              f"status counts the jobs kept and dropped ({status})")
        expect_error(srv, "a dropped job", 404, "GET", "/api/jobs/1")
        expect_error(srv, "the events of a dropped job", 404, "GET", "/api/jobs/2/events")
        st, data, _ = srv.request("GET", "/api/runs")
        check(st == 200 and len(json.loads(data)) >= n,
              "the dropped jobs' runs stay in the run store")
        print(f"# resident memory after 10 jobs {rss[0]} KiB, after {n} jobs {rss[-1]} KiB")
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
