#!/usr/bin/env bash
# Reading speed of our nfcapd reader against nfdump 1.7.1, in one run:
#   1. builds xmr-ray and bench/nfcapd_gen in a Release build dir (XMR_BENCH=ON),
#   2. writes an N-record (default 5,000,000) LZ4 nfcapd file with our writer,
#   3. checks both tools count the same records,
#   4. times (best of 3, user+sys CPU and wall) `xmr-ray flows -r F -o null -q` against
#      `nfdump -r F 'proto tcp and packets > 4000000000'` (matches nothing: nfdump's read+filter speed),
#   5. the same for CSV export (`xmr-ray flows -o csv` vs `nfdump -o csv`) on N_CSV records, if the
#      text sinks are built.
# Usage: bench/nfcapd_read.sh   (env: N, N_CSV, BUILD_DIR, KEEP=1 keeps the files)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
N=${N:-5000000}
N_CSV=${N_CSV:-500000}
for tool in nfdump cmake ninja /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DXMR_BENCH=ON -DXMR_TESTS=OFF >/dev/null
ninja -C "$BUILD" xmr-ray nfcapd_gen >/dev/null
XMR="$BUILD/xmr-ray"
GEN="$BUILD/bench/nfcapd_gen"

WORK=$(mktemp -d /tmp/xmr-bench.XXXXXX)
[[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$WORK"' EXIT
FILE="$WORK/nfcapd.bench"
echo "writing $N records (LZ4) with our writer..."
/usr/bin/time -f "  written in %e s" "$GEN" "$FILE" "$N" lz4 1
ls -l "$FILE" | awk '{printf "  file size %.1f MB\n", $5/1e6}'

# Counts first: both must see every record.
ours_count=$("$XMR" flows -r "$FILE" -o null -q 2>&1 | sed -n 's/.*records read \([0-9]*\).*/\1/p')
nfd_count=$(nfdump -r "$FILE" 'proto tcp and packets > 4000000000' | sed -n 's/^Total flows processed: \([0-9]*\).*/\1/p')
echo "records: ours $ours_count, nfdump $nfd_count, written $N"
if [[ "$ours_count" != "$N" || "$nfd_count" != "$N" ]]; then
  echo "record counts differ: not timing" >&2
  exit 1
fi

# best_of3 NAME CMD...: prints "cpu wall" (seconds) of the run with the least CPU time.
best_of3() {
  local best_cpu="" best_wall="" t
  for _ in 1 2 3; do
    /usr/bin/time -f "%U %S %e" -o "$WORK/t" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; return 1; }
    t=$(tail -1 "$WORK/t")
    read -r u s e <<<"$t"
    local cpu
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.3f", u+s}')
    if [[ -z "$best_cpu" ]] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN{exit !(a<b)}'; then
      best_cpu=$cpu
      best_wall=$e
    fi
  done
  echo "$best_cpu $best_wall"
}

report() {  # NAME RECORDS OURS_CPU OURS_WALL NFD_CPU NFD_WALL
  awk -v name="$1" -v n="$2" -v oc="$3" -v ow="$4" -v nc="$5" -v nw="$6" 'BEGIN{
    printf "%s (%d records, best of 3)\n", name, n
    printf "  ours:   cpu %7.3f s  wall %7.3f s  -> %6.2f M rec/CPU-s  %6.2f M rec/s wall\n", oc, ow, n/oc/1e6, n/ow/1e6
    printf "  nfdump: cpu %7.3f s  wall %7.3f s  -> %6.2f M rec/CPU-s  %6.2f M rec/s wall\n", nc, nw, n/nc/1e6, n/nw/1e6
    printf "  ratio ours/nfdump (records/s): CPU %.2fx  wall %.2fx\n", (n/oc)/(n/nc), (n/ow)/(n/nw)
  }'
}

echo
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores)"
echo "compiler: $(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt") $("$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")" -dumpfullversion), build type $(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")"
echo "nfdump: $(nfdump -V)"
echo
read -r oc ow <<<"$(best_of3 "$XMR" flows -r "$FILE" -o null -q)"
read -r nc nw <<<"$(best_of3 nfdump -r "$FILE" 'proto tcp and packets > 4000000000')"
report "read into records: xmr-ray flows -o null  vs  nfdump 'proto tcp and packets > 4000000000'" "$N" "$oc" "$ow" "$nc" "$nw"

# CSV export, only if the text sinks exist (they replace src/sinks/text_stub.cpp).
echo
if "$XMR" flows -r "$FILE" -o csv --limit 1 >/dev/null 2>&1; then
  CSV_FILE="$WORK/nfcapd.csv-bench"
  "$GEN" "$CSV_FILE" "$N_CSV" lz4 2
  read -r oc ow <<<"$(best_of3 "$XMR" flows -r "$CSV_FILE" -o csv -q)"
  read -r nc nw <<<"$(best_of3 nfdump -q -r "$CSV_FILE" -o csv)"
  report "CSV export: xmr-ray flows -o csv  vs  nfdump -o csv" "$N_CSV" "$oc" "$ow" "$nc" "$nw"
else
  echo "CSV export: skipped (xmr-ray -o csv is not built yet: text sinks are still a stub)"
fi
