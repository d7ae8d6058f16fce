#!/usr/bin/python3
"""M/M/1 in SimPy 2 (Debian's python3-simpy, module SimPy.Simulation): the reference for
bench_mm1.

Arrival rate 0.9, service rate 1.0, unbounded FIFO queue, written the way SimPy's own examples
write it: a source process creates customers; each customer requests a Resource of capacity 1,
holds for its service and releases. SimPy is slow, so the number of customers is an argument
(default 10^5 instead of the 10^6 of the C benchmark); the figure is per second of wall time and
the number used is printed. The mean time in system is printed beside the theory
1 / (mu - lambda) = 10 as a sanity check.

Usage: simpy_mm1.py [--customers N] [--seed S]
Prints: bench=simpy_mm1 ... value=<customers/s> unit=customers/s
"""
import argparse
import random
import time

from SimPy.Simulation import (Process, Resource, activate, hold, initialize, now, release,
                              request, simulate)

SEED = 20250901
LAMBDA = 0.9
MU = 1.0


class Stats:
    def __init__(self):
        self.done = 0
        self.sojourn = 0.0


class Customer(Process):
    def run(self, server, svc, stats):
        arrived = now()
        yield request, self, server
        yield hold, self, svc.expovariate(MU)
        yield release, self, server
        stats.done += 1
        stats.sojourn += now() - arrived


class Source(Process):
    def run(self, n, server, arr, svc, stats):
        for _ in range(n):
            c = Customer()
            activate(c, c.run(server, svc, stats))
            yield hold, self, arr.expovariate(LAMBDA)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args()
    initialize()
    server = Resource(capacity=1, name="server", unitName="server")
    stats = Stats()
    arr, svc = random.Random(a.seed), random.Random(a.seed + 1)
    src = Source()
    activate(src, src.run(a.customers, server, arr, svc, stats))
    t0 = time.monotonic()
    simulate(until=1e300)
    el = time.monotonic() - t0
    if stats.done != a.customers:
        raise SystemExit("simpy_mm1: %d of %d customers served" % (stats.done, a.customers))
    print("bench=simpy_mm1 lambda=%g mu=%g customers=%d seconds=%.3f value=%.4g "
          "unit=customers/s" % (LAMBDA, MU, a.customers, el, a.customers / el))
    print("bench=simpy_mm1_time_in_system lambda=%g mu=%g customers=%d theory=%g value=%.4f "
          "unit=time" % (LAMBDA, MU, a.customers, 1.0 / (MU - LAMBDA),
                         stats.sojourn / a.customers), flush=True)


if __name__ == "__main__":
    main()
