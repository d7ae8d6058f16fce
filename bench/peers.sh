#!/bin/sh
# peers.sh BUILD_DIR [PAIRS]: the engine side by side with ROSS and Cimba on the same workloads,
# in interleaved pairs (default 10; the order alternates from pair to pair, so that a drift of
# the machine falls on both sides alike). Neither peer is a Debian package, so neither is built
# here: give the programs built from their own sources.
#
#   ROSS_PHOLD=.../phold       ROSS's models/phold, run sequentially (--synch=1) on the three
#                              settings of bench_phold; its "Event Rate (events/sec)" against
#                              bench_phold's events per wall second, and its "Net Events
#                              Processed" checked against ROSS's counts (8x1, 1024x16_la1)
#   CIMBA_MM1=.../MM1_single   Cimba's benchmark/MM1_single (M/M/1, lambda 0.9, mu 1.0, one
#                              thread; CIMBA_CUSTOMERS, default 1000000, must be its NUM_OBJECTS),
#                              run CIMBA_RUNS times in a row (default 4) and timed by the wall
#                              clock, process start included, against bench_mm1's customers per
#                              wall second
#
# Either may be left out. Prints every measurement as a bench= line, then per figure
#   bench=peer_ratio peer=ross|cimba name=... pairs=N stat=median value=<ours / theirs> unit=x
# with the smallest and largest ratio of the pairs. See docs/benchmarks.md, "Side by side with
# ROSS and Cimba".
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: [ROSS_PHOLD=FILE] [CIMBA_MM1=FILE] sh bench/peers.sh BUILD_DIR [PAIRS]" >&2
    exit 2
fi
bin=$1/bench
pairs=${2:-10}
case $pairs in '' | *[!0-9]* | 0)
    echo "peers.sh: PAIRS must be a positive whole number" >&2
    exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
ross=${ROSS_PHOLD:-}
cimba=${CIMBA_MM1:-}
customers=${CIMBA_CUSTOMERS:-1000000}
cimba_runs=${CIMBA_RUNS:-4}
for p in "$bin/bench_phold" "$bin/bench_mm1"; do
    [ -x "$p" ] || { echo "peers.sh: $p: not built (make bench builds it)" >&2; exit 1; }
done
if [ -z "$ross" ] && [ -z "$cimba" ]; then
    echo "peers.sh: set ROSS_PHOLD or CIMBA_MM1 (or both) to the peers' programs" >&2
    exit 2
fi
for n in "$customers" "$cimba_runs"; do
    case $n in '' | *[!0-9]* | 0)
        echo "peers.sh: CIMBA_CUSTOMERS and CIMBA_RUNS must be positive whole numbers" >&2
        exit 2 ;;
    esac
done
absolute() { # the peers run from a work directory: a relative path is made absolute
    case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac
}
if [ -n "$ross" ]; then
    ross=$(absolute "$ross")
    [ -x "$ross" ] || { echo "peers.sh: $ross: not an executable" >&2; exit 1; }
fi
if [ -n "$cimba" ]; then
    cimba=$(absolute "$cimba")
    [ -x "$cimba" ] || { echo "peers.sh: $cimba: not an executable" >&2; exit 1; }
fi

out=$(mktemp)
work=$(mktemp -d)
trap 'rm -rf "$out" "$work"' EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }

# ROSS's sequential PHOLD on one setting: one line with its rate and net events, or failure
ross_one() { # name ross-args... (the expected net events are checked by the caller)
    name=$1
    shift
    (cd "$work" && "$ross" --synch=1 "$@" >"$work/ross.out" 2>&1) ||
        { cat "$work/ross.out" >&2; echo "peers.sh: ROSS phold failed on $name" >&2; exit 1; }
    awk -v name="$name" '
        /Net Events Processed/ { ev = $NF }
        /Event Rate \(events\/sec\)/ { rate = $NF }
        END {
            if (ev == "" || rate == "") {
                print "peers.sh: no event rate in ROSS output" > "/dev/stderr"
                exit 1
            }
            printf "bench=peer_run peer=ross setting=%s events=%s value=%s unit=events/s\n",
                   name, ev, rate
        }' "$work/ross.out"
}

ross_all() {
    ross_one 8x1 --nlp=8 --start-events=1 --end=100000 --mean=1.0 --lookahead=1.0
    ross_one 1024x16_la1 --nlp=1024 --start-events=16 --end=1000 --mean=1.0 --lookahead=1.0
    ross_one 1024x16_la0.1 --nlp=1024 --start-events=16 --end=1000 --mean=1.0 --lookahead=0.1
}

cimba_all() {
    t0=$(now)
    i=0
    while [ $i -lt "$cimba_runs" ]; do
        "$cimba" >"$work/cimba.out" 2>&1 ||
            { cat "$work/cimba.out" >&2; echo "peers.sh: Cimba MM1 failed" >&2; exit 1; }
        i=$((i + 1))
    done
    t1=$(now)
    grep -q "system time" "$work/cimba.out" ||
        { echo "peers.sh: no 'system time' line in Cimba's output" >&2; exit 1; }
    awk -v t0="$t0" -v t1="$t1" -v n="$customers" -v r="$cimba_runs" 'BEGIN {
        printf "bench=peer_run peer=cimba name=mm1 customers=%d runs=%d seconds=%.3f " \
               "value=%.4g unit=customers/s\n", n, r, t1 - t0, n * r / (t1 - t0) }'
}

ours_all() {
    [ -z "$ross" ] || "$bin/bench_phold" 1
    [ -z "$cimba" ] || "$bin/bench_mm1" 1
}

peers_all() {
    [ -z "$ross" ] || ross_all
    [ -z "$cimba" ] || cimba_all
}

step() { # run one side of pair k; its lines, prefixed with the pair, go to the output
    "$1" >"$work/step" || { echo "peers.sh: pair $k: $1 failed" >&2; exit 1; }
    sed "s/^/pair=$k /" "$work/step" | tee -a "$out"
}

echo "bench=peers pairs=$pairs ross=${ross:+yes} cimba=${cimba:+yes}"
k=0
while [ $k -lt "$pairs" ]; do
    if [ $((k % 2)) -eq 0 ]; then
        step ours_all
        step peers_all
    else
        step peers_all
        step ours_all
    fi
    k=$((k + 1))
done

# per pair: ours / theirs; then the median and the range over the pairs
awk "$(cat "$here/field.awk")"'
{ p = field("pair") }
$2 == "bench=phold"    { ours["ross " field("setting"), p] = field("value") }
$2 == "bench=mm1"      { ours["cimba mm1", p] = field("value") }
$2 == "bench=peer_run" && field("peer") == "ross" {
    s = field("setting")
    theirs["ross " s, p] = field("value")
    want = s == "8x1" ? 799992 : s == "1024x16_la1" ? 16367616 : ""
    if (want != "" && field("events") != want) {
        printf "peers.sh: ROSS processed %s events on %s, not %s: another workload\n",
               field("events"), s, want > "/dev/stderr"
        bad = 1
    }
}
$2 == "bench=peer_run" && field("peer") == "cimba" { theirs["cimba mm1", p] = field("value") }
{ if (p + 1 > np) np = p + 1 }
END {
    if (bad)
        exit 1
    n = split("ross 8x1|ross 1024x16_la1|ross 1024x16_la0.1|cimba mm1", keys, "|")
    for (i = 1; i <= n; i++) {
        m = 0
        for (q = 0; q < np; q++)
            if (ours[keys[i], q] != "" && theirs[keys[i], q] > 0)
                r[++m] = ours[keys[i], q] / theirs[keys[i], q]
        if (m == 0)
            continue
        for (a = 2; a <= m; a++) { # insertion sort
            v = r[a]
            for (b = a - 1; b >= 1 && r[b] > v; b--)
                r[b + 1] = r[b]
            r[b + 1] = v
        }
        med = m % 2 ? r[(m + 1) / 2] : (r[m / 2] + r[m / 2 + 1]) / 2
        split(keys[i], kp, " ")
        printf "bench=peer_ratio peer=%s name=%s pairs=%d min=%.2f max=%.2f stat=median " \
               "value=%.2f unit=x\n", kp[1], kp[2] == "mm1" ? "mm1" : "phold_" kp[2], m, r[1],
               r[m], med
    }
}' "$out"
