#!/bin/sh
# run.sh BUILD_DIR: run every benchmark and print its figures, one line each, in the form
#   bench=<name> <param>=<value> ... value=<number> unit=<unit>
# then the speed of the C engine relative to SimPy on the same workloads:
#   bench=ratio name=phold_<setting>|mm1 against=simpy ... value=<C rate / SimPy rate> unit=x
# with both rates per CPU second (cpu_value=), which other work on the machine disturbs less
# than rates per wall second.
# Builds nothing: `make bench` builds first (preset dev: RelWithDebInfo, -O2 -g). The C
# benchmarks come from BUILD_DIR/bench; the SimPy references run under Debian's interpreter
# (python3-simpy, SimPy 2) in the same run, so the ratios compare figures measured minutes apart
# on the same machine. bench_ensemble runs 10,000 replications for real. The first line gives
# the build type, the last the total time (about four minutes on two idle cores).
# See docs/benchmarks.md.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: sh bench/run.sh BUILD_DIR" >&2
    exit 2
fi
bin=$1/bench
if [ ! -d "$bin" ]; then
    echo "run.sh: $bin: no such directory (build first: make bench)" >&2
    exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
# SimPy runs 1,024 x 16 PHOLD to this end time instead of 1,000 (same rate, a tenth of the wait).
simpy_end_1024=100
simpy_customers=1000000

out=$(mktemp)
one=$(mktemp)
trap 'rm -f "$out" "$one"' EXIT
trap 'exit 130' INT TERM

run() { # run a command, show its lines and keep them for the ratios; its status is the command's
    rc=0
    "$@" >"$one" || rc=$?
    cat "$one"
    cat "$one" >>"$out"
    return $rc
}

start=$(date +%s)
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$1/CMakeCache.txt" 2>/dev/null || true)
# the processor, so that figures from different machines are told apart (spaces as underscores)
cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1 |
    tr -s ' \t' '__')
echo "bench=config build_dir=$1 build_type=${build_type:-unknown} cpus=$(nproc)" \
    "cpu_model=${cpu_model:-unknown}"

status=0
for b in bench_queue bench_phold bench_mm1 bench_sim bench_ensemble bench_import; do
    if [ ! -x "$bin/$b" ]; then
        echo "run.sh: $bin/$b not built, skipped" >&2
        continue
    fi
    run "$bin/$b" || { echo "run.sh: $b failed" >&2; status=1; }
done

if "$py" -c 'import SimPy.Simulation' 2>/dev/null; then
    run "$py" "$here/simpy_phold.py" --setting 8x1 || status=1
    run "$py" "$here/simpy_phold.py" --setting 1024x16_la1 --end "$simpy_end_1024" || status=1
    run "$py" "$here/simpy_phold.py" --setting 1024x16_la0.1 --end "$simpy_end_1024" || status=1
    run "$py" "$here/simpy_mm1.py" --customers "$simpy_customers" || status=1
else
    echo "run.sh: $py cannot import SimPy.Simulation (Debian package python3-simpy), skipped" >&2
fi

# The workbench server under load (wrk) while an ensemble runs: docs/serve.md.
cli=$1/cli/blockade
if [ -x "$cli" ]; then
    run "$py" "$here/serve_load.py" "$cli" 30 || { echo "run.sh: serve_load failed" >&2; status=1; }
fi

awk "$(cat "$here/field.awk")"'
$1 == "bench=phold"       { c["phold_" field("setting")] = field("cpu_value") }
$1 == "bench=simpy_phold" { s["phold_" field("setting")] = field("cpu_value") }
$1 == "bench=mm1"         { c["mm1"] = field("cpu_value") }
$1 == "bench=simpy_mm1"   { s["mm1"] = field("cpu_value") }
END {
    n = split("phold_8x1 phold_1024x16_la1 phold_1024x16_la0.1 mm1", names, " ")
    for (i = 1; i <= n; i++) {
        k = names[i]
        if (c[k] != "" && s[k] > 0)
            printf "bench=ratio name=%s against=simpy %svalue=%.1f unit=x\n", k,
                   k == "mm1" ? "measure=customers_per_cpu_s goal=100 " : "measure=events_per_cpu_s ",
                   c[k] / s[k]
    }
}' "$out"
echo "bench=run_total value=$(($(date +%s) - start)) unit=s"
exit $status
