#!/bin/sh
# Install the Debian packages blockade needs to build, test, fuzz (clang-14 with libFuzzer) and
# benchmark, skipping those already
# present. Runs as root on a fresh Debian machine; as another user it only reports what is missing.
set -eu

packages="build-essential cmake pkg-config
libfyaml-dev librandom123-dev libgsl-dev libigraph-dev libcsv-dev libsqlite3-dev libssl-dev
libmicrohttpd-dev libnlopt-dev libcmocka-dev python3 python3-simpy libopenmpi-dev openmpi-bin
nodejs npm chromium
clang-14 libclang-rt-14-dev wrk"

missing=""
for p in $packages; do
  # Node.js from another source (e.g. NodeSource) brings its own npm, which conflicts with
  # Debian's npm package: a working npm command is enough.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
    continue
  fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "blockade: missing packages:$missing" >&2
  echo "blockade: run 'apt-get install$missing' as root, or run make as root" >&2
  exit 1
fi

echo "blockade: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
