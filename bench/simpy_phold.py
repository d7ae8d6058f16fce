#!/usr/bin/python3
"""PHOLD in SimPy 2 (Debian's python3-simpy, module SimPy.Simulation): the reference for
bench_phold.

ROSS's definition: one event is one call of the event handler, which schedules one new event
after lookahead + Exp(mean - lookahead); with probability 0.25 (remote) the destination is drawn
uniformly from all processes, the sender included, else it is the sender itself; start events at
lookahead + Exp(mean - lookahead); events at or after the end time are not processed. Each process has
its own random stream (random.Random keyed by the process number). Each in-flight event is a
SimPy Process that holds for the increment and then runs the handler of the process it arrived
at, so one PHOLD event is one SimPy hold.

Settings (DESIGN.md): 8x1 (8 processes x 1 start event, lookahead 1.0, mean 1.0, end 100,000),
1024x16_la1 (1,024 x 16, lookahead 1.0, mean 1.0, end 1,000), 1024x16_la0.1 (1,024 x 16,
lookahead 0.1, mean 1.0, end 1,000). SimPy is slow: --end shortens the run of the chosen
settings; the rate is per second of wall time, and the parameters actually used are printed.
Every event draws its delay, as ROSS's model does even when the mean equals the lookahead (an
exponential of mean 0): the same draws per event as ROSS's. With lookahead = mean every increment
is then exactly 1.0 and the event count is ROSS's,
processes x start events x (ceil(end) - 1); the script checks it and fails on a mismatch.

Usage: simpy_phold.py [--setting NAME|all] [--end T]
Prints: bench=simpy_phold setting=... value=<events/s> unit=events/s
"""
import argparse
import math
import random
import time

from SimPy.Simulation import Process, activate, hold, initialize, now, simulate

SEED = 20250901
REMOTE_SHARE = 0.25
SETTINGS = {
    "8x1": dict(processes=8, start_events=1, mean=1.0, lookahead=1.0, end_time=100000.0),
    "1024x16_la1": dict(processes=1024, start_events=16, mean=1.0, lookahead=1.0, end_time=1000.0),
    "1024x16_la0.1": dict(processes=1024, start_events=16, mean=1.0, lookahead=0.1,
                          end_time=1000.0),
}


class Phold:
    """The shared state of one run: the streams and the event count."""

    def __init__(self, processes, mean, lookahead, end_time):
        self.processes = processes
        self.lookahead = lookahead
        self.rate = 1.0 / (mean - lookahead) if mean > lookahead else 0.0
        self.end_time = end_time
        self.rngs = [random.Random(SEED * 100003 + p) for p in range(processes)]
        self.events = 0

    def increment(self, rng):
        if self.rate == 0.0:  # Exp(0), as ROSS draws it: the draw is made, the delay is 0
            rng.random()
            return self.lookahead
        return self.lookahead + rng.expovariate(self.rate)


class Message(Process):
    """One in-flight PHOLD event, moving from process to process."""

    def run(self, model, dest, delay):
        end = model.end_time
        rngs = model.rngs
        processes = model.processes
        while True:
            yield hold, self, delay
            if now() >= end:
                return
            model.events += 1  # the handler, run by process `dest`
            rng = rngs[dest]
            if rng.random() < REMOTE_SHARE:  # any process, the sender included
                dest = rng.randrange(processes)
            delay = model.increment(rng)


def run_setting(name, p):
    initialize()
    model = Phold(p["processes"], p["mean"], p["lookahead"], p["end_time"])
    for proc in range(p["processes"]):
        for _ in range(p["start_events"]):
            m = Message()
            activate(m, m.run(model, proc, model.increment(model.rngs[proc])))
    t0, c0 = time.monotonic(), time.process_time()
    simulate(until=p["end_time"])
    el, cpu = time.monotonic() - t0, time.process_time() - c0
    if p["mean"] == p["lookahead"] == 1.0:
        expect = p["processes"] * p["start_events"] * (math.ceil(p["end_time"]) - 1)
        if model.events != expect:
            raise SystemExit("simpy_phold: %s: %d events, ROSS's count is %d"
                             % (name, model.events, expect))
    print("bench=simpy_phold setting=%s processes=%d start_events=%d mean=%g lookahead=%g "
          "remote=%g end_time=%g events=%d seconds=%.3f cpu_seconds=%.3f cpu_value=%.4g value=%.4g "
          "unit=events/s"
          % (name, p["processes"], p["start_events"], p["mean"], p["lookahead"], REMOTE_SHARE,
             p["end_time"], model.events, el, cpu, model.events / cpu, model.events / el),
          flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--setting", default="all", choices=["all"] + list(SETTINGS))
    ap.add_argument("--end", type=float, help="end time for the chosen settings")
    a = ap.parse_args()
    for name, p in SETTINGS.items():
        if a.setting not in ("all", name):
            continue
        p = dict(p)
        if a.end is not None:
            p["end_time"] = a.end
        run_setting(name, p)


if __name__ == "__main__":
    main()
