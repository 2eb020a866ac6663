#!/bin/sh
# nfcapd read benchmark: our reader (xmr-ray flows -o null) against nfdump 1.7.1 on the same
# >= 5,000,000-record LZ4 file written by our own writer (bench/nfcapd_gen); best of 3 for
# user+sys CPU and wall, record counts checked equal first. Then CSV export: ours against
# `nfdump -o csv` on the same file. Prints ratios ours/nfdump.
# Usage: bench/nfcapd_read.sh [BUILD_DIR] [RECORDS]   (default: build/, configured Release with benchmarks)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
n=${2:-5000000}
if [ ! -x "$build/bench/nfcapd_gen" ] || [ ! -x "$build/xmr-ray" ]; then
  cmake -S "$here/.." -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DXMR_BENCH=ON -DXMR_TESTS=OFF >/dev/null
  cmake --build "$build" --target xmr-ray nfcapd_gen >/dev/null
fi
xmr=$build/xmr-ray
work=$(mktemp -d /tmp/xmr-bench-nfcapd-XXXXXX)
trap 'rm -rf "$work"' EXIT
export TZ=UTC
"$build/bench/nfcapd_gen" "$work/big.lz4" "$n" lz4 1
f=$work/big.lz4
theirs=$(nfdump -r "$f" -I | awk '/^Flows:/ {print $2}')
ours=$("$xmr" flows -r "$f" -o null -q 2>&1 | sed -n 's/.*records read \([0-9]*\).*/\1/p')
[ "$theirs" = "$ours" ] || { echo "record counts differ: nfdump $theirs, ours $ours"; exit 1; }
best() {  # best of 3: prints "cpu wall"
  b_cpu=999999; b_wall=999999
  for i in 1 2 3; do
    /usr/bin/time -f "%U %S %e" -o "$work/t" "$@" >/dev/null 2>&1
    read -r u s e < "$work/t"
    c=$(echo "$u + $s" | bc)
    [ "$(echo "$c < $b_cpu" | bc)" = 1 ] && b_cpu=$c
    [ "$(echo "$e < $b_wall" | bc)" = 1 ] && b_wall=$e
  done
  echo "$b_cpu $b_wall"
}
report() {  # name ours_cpu ours_wall nfdump_cpu nfdump_wall
  awk -v n="$n" -v name="$1" -v oc="$2" -v ow="$3" -v nc="$4" -v nw="$5" 'BEGIN {
    oc = oc < 0.01 ? 0.01 : oc; ow = ow < 0.01 ? 0.01 : ow; nc = nc < 0.01 ? 0.01 : nc; nw = nw < 0.01 ? 0.01 : nw
    printf "%-5s ours   %.2f s CPU %.2f s wall = %.2f M rec/CPU-s %.2f M rec/s wall\n", name, oc, ow, n/oc/1e6, n/ow/1e6
    printf "%-5s nfdump %.2f s CPU %.2f s wall = %.2f M rec/CPU-s %.2f M rec/s wall\n", name, nc, nw, n/nc/1e6, n/nw/1e6
    printf "%-5s ratio ours/nfdump (records/s): CPU %.2f wall %.2f\n", name, nc/oc, nw/ow }'
}
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "build: $build ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt"), $(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt"))"
echo "file: $n records, $(stat -c %s "$f") bytes, LZ4"
set -- $(best "$xmr" flows -r "$f" -o null -q)
o_cpu=$1 o_wall=$2
set -- $(best nfdump -r "$f" 'proto tcp and packets > 4000000000')
report read "$o_cpu" "$o_wall" "$1" "$2"
# CSV export is slow in nfdump (~0.1 M records/s): compare on the first million records only,
# both tools given the same slice of the file (--limit / -c).
m=$(( n < 1000000 ? n : 1000000 ))
set -- $(best "$xmr" flows -r "$f" -o csv --limit "$m" -q)
o_cpu=$1 o_wall=$2
set -- $(best nfdump -r "$f" -o csv -c "$m")
n=$m
report csv "$o_cpu" "$o_wall" "$1" "$2"
