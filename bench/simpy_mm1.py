#!/usr/bin/python3
"""M/M/1 in SimPy 2 (Debian's python3-simpy, module SimPy.Simulation): the reference for
bench_mm1.

Arrival rate 0.9, service rate 1.0, unbounded FIFO queue, in the lean formulation (the design
notes' standard workload): a source process and a server process share an unbounded Store. The
source holds for an interarrival time and puts the customer (its arrival time) into the Store;
the server gets the next customer, holds for its service and counts it. Four SimPy events per
customer: the source's hold and put, the server's get and hold. SimPy is slow, so the number of
customers is an argument (default 10^5; run.sh uses 10^6 as the C benchmark); the figure is per
second of wall time and the number used is printed. The mean time in system is printed beside
the theory 1 / (mu - lambda) = 10 as a sanity check.

Usage: simpy_mm1.py [--customers N] [--seed S]
Prints: bench=simpy_mm1 ... value=<customers/s> unit=customers/s
"""
import argparse
import random
import time

from SimPy.Simulation import Process, Store, activate, get, hold, initialize, now, put, simulate

SEED = 20250901
LAMBDA = 0.9
MU = 1.0


class Stats:
    def __init__(self):
        self.done = 0
        self.sojourn = 0.0


class Source(Process):
    def run(self, n, line, arr):
        for _ in range(n):
            yield hold, self, arr.expovariate(LAMBDA)
            yield put, self, line, [now()]


class Server(Process):
    def run(self, line, svc, stats):
        while True:
            yield get, self, line, 1
            arrived = self.got[0]
            yield hold, self, svc.expovariate(MU)
            stats.done += 1
            stats.sojourn += now() - arrived


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args()
    initialize()
    line = Store(name="line", capacity="unbounded")
    stats = Stats()
    arr, svc = random.Random(a.seed), random.Random(a.seed + 1)
    src, srv = Source(), Server()
    activate(src, src.run(a.customers, line, arr))
    activate(srv, srv.run(line, svc, stats))
    t0, c0 = time.monotonic(), time.process_time()
    simulate(until=1e300)
    el, cpu = time.monotonic() - t0, time.process_time() - c0
    if stats.done != a.customers:
        raise SystemExit("simpy_mm1: %d of %d customers served" % (stats.done, a.customers))
    print("bench=simpy_mm1 lambda=%g mu=%g customers=%d formulation=store "
          "simpy_events_per_customer=4 seconds=%.3f cpu_seconds=%.3f cpu_value=%.4g value=%.4g "
          "unit=customers/s" % (LAMBDA, MU, a.customers, el, cpu, a.customers / cpu,
                                a.customers / el))
    print("bench=simpy_mm1_time_in_system lambda=%g mu=%g customers=%d theory=%g value=%.4f "
          "unit=time" % (LAMBDA, MU, a.customers, 1.0 / (MU - LAMBDA),
                         stats.sojourn / a.customers), flush=True)


if __name__ == "__main__":
    main()
