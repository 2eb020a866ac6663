#!/bin/sh
# Detection speed on a campus-like nfcapd file (bench/detect_campus_gen.cpp: mostly short flows,
# UDP and web, plus long-lived connections and miners), in one run:
#  1. records per CPU-second of `xmr-ray detect` against nfdump's read+filter
#     (`nfdump -r FILE 'proto tcp and packets > 4'`, records to /dev/null, and with -o null so
#     that printing does not count), best of 3 (user+sys), printed as ratios ours/nfdump;
#  2. what the pre-filter dropped (detect's summary);
#  3. peak memory (/usr/bin/time -v max RSS) at two input lengths: N/2 and N records at the
#     same record rate (the longer file covers twice the time): flat means bounded state;
#  4. scaling: --threads 1 and 2, CPU and wall.
# Usage: bench/detect_campus.sh [BUILD_DIR] [RECORDS] [MODEL]
#   BUILD_DIR default build-detect-rel (configured Release with benchmarks if missing);
#   RECORDS default 5000000; MODEL default: the binary's embedded model, else one trained by this
#   script on the shared xmr-stak capture (speed does not depend on the model's quality).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build-detect-rel}
n=${2:-5000000}
model=${3:-}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$here/.." -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DXMR_BENCH=ON -DXMR_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j2 --target xmr-ray detect_campus_gen >/dev/null
xmr=$build/xmr-ray
command -v nfdump >/dev/null || { echo "nfdump not found (apt-get install nfdump)"; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (apt-get install time)"; exit 1; }
work=$(mktemp -d /tmp/xmr-bench-detect-XXXXXX)
trap 'rm -rf "$work"' EXIT
export TZ=UTC
half=$((n / 2))
# Same record rate: N records over 2 h, N/2 over 1 h.
long=${LONG_LIVED:-3000}  # long-lived benign connections in the file (env LONG_LIVED)
"$build/bench/detect_campus_gen" "$work/campus.lz4" "$n" 2 "$long" 12 1
"$build/bench/detect_campus_gen" "$work/half.lz4" "$half" 1 "$long" 12 1
f=$work/campus.lz4

if [ -z "$model" ]; then
  if "$xmr" detect -r "$work/half.lz4" --slice 300 -q >/dev/null 2>"$work/probe"; then
    model_args=""
    model_name="embedded default"
  else
    # No embedded model: train one on the shared xmr-stak capture (the CLI test's recipe).
    shared=${XMR_SHARED:-$here/../../shared}
    mkdir -p "$work/lab"
    cp "$shared/data/pcap/peafowl_monero_xmrstak.pcap" "$work/lab/capture.pcap"
    printf '%s\n%s\n' \
      "client_ip,client_port,server_ip,server_port,proto,label,family,profile,pool,tls,start_ms,end_ms,hashrate_hs" \
      "192.168.2.92,55190,178.32.196.217,9050,6,mining,monero,xmr-stak,peafowl,no,0,0,0" > "$work/lab/labels.csv"
    "$xmr" train --data "$work/lab" --slice 60 --window 5 -o "$work/model.json" >/dev/null 2>&1
    model_args="-m $work/model.json"
    model_name="trained on the xmr-stak capture (slice 60 s, window 5)"
  fi
else
  model_args="-m $model"
  model_name=$model
fi

best() {  # best of 3: prints "cpu wall"
  b_cpu=999999; b_wall=999999
  for i in 1 2 3; do
    /usr/bin/time -f "%U %S %e" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
    read -r u s e < "$work/t"
    c=$(echo "$u + $s" | bc)
    [ "$(echo "$c < $b_cpu" | bc)" = 1 ] && b_cpu=$c
    [ "$(echo "$e < $b_wall" | bc)" = 1 ] && b_wall=$e
  done
  echo "$b_cpu $b_wall"
}
rate() { awk -v n="$1" -v c="$2" 'BEGIN { c = c < 0.01 ? 0.01 : c; printf "%.2f", n / c / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { a = a < 0.01 ? 0.01 : a; b = b < 0.01 ? 0.01 : b; printf "%.2f", b / a }'; }

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build: $build ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt"))"
echo "file: $n records, $(stat -c %s "$f") bytes, LZ4; model: $model_name"
theirs=$(nfdump -r "$f" -I | awk '/^Flows:/ {print $2}')
echo "nfdump counts $theirs records"

# shellcheck disable=SC2086
set -- $(best "$xmr" detect -r "$f" --slice 300 $model_args -q)
o_cpu=$1 o_wall=$2
set -- $(best nfdump -r "$f" -o null 'proto tcp and packets > 4')
n_cpu=$1 n_wall=$2
set -- $(best nfdump -r "$f" 'proto tcp and packets > 4')
p_cpu=$1 p_wall=$2
echo "detect (1 thread)          $o_cpu s CPU $o_wall s wall = $(rate "$n" "$o_cpu") M rec/CPU-s"
echo "nfdump filter, -o null     $n_cpu s CPU $n_wall s wall = $(rate "$n" "$n_cpu") M rec/CPU-s"
echo "nfdump filter, printing    $p_cpu s CPU $p_wall s wall = $(rate "$n" "$p_cpu") M rec/CPU-s"
echo "ratio detect/nfdump (records per CPU-s): $(ratio "$o_cpu" "$n_cpu") against -o null, $(ratio "$o_cpu" "$p_cpu") against printing (target >= 0.5)"

# shellcheck disable=SC2086
"$xmr" detect -r "$f" --slice 300 $model_args -q 2>"$work/summary" >"$work/table"
echo "pre-filter and pipeline (detect's summary):"
sed 's/^xmr-ray detect: /  /' "$work/summary"
echo "alerted connections: $(grep -c '^[0-9]' "$work/table" || true) (table rows, roll-up included)"

mem() {  # max RSS in MiB
  # shellcheck disable=SC2086
  /usr/bin/time -v "$xmr" detect -r "$1" --slice 300 $model_args -q >/dev/null 2>"$work/v"
  awk '/Maximum resident set size/ {printf "%.1f", $6 / 1024}' "$work/v"
}
echo "peak memory: $half records (1 h) $(mem "$work/half.lz4") MiB; $n records (2 h) $(mem "$f") MiB"

# shellcheck disable=SC2086
set -- $(best "$xmr" detect -r "$f" --slice 300 $model_args -q --threads 2)
echo "threads: 1 -> $o_cpu s CPU $o_wall s wall; 2 -> $1 s CPU $2 s wall (wall speed-up $(ratio "$2" "$o_wall"))"
