#!/bin/bash
# Loss-free rate on loopback: `xmr-ray replay` (IPFIX) drives `xmr-ray collect` with detection
# running, then the real nfcapd 1.7.1, at increasing record rates over the same file; a rate is
# loss-free when the receiver counts every record sent (collect: its metrics; nfcapd: nfdump -I
# on the file it wrote). Prints both loss-free rates and their ratio collect/nfcapd. Sender and
# receivers share the machine's cores, as in a test lab, not as in production.
# Usage: bench/collect_throughput.sh [BUILD_DIR] [RECORDS]
#   BUILD_DIR: a Release build with xmr-ray and bench/nfcapd_gen (configured here if missing).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
n=${2:-400000}
if [ ! -x "$build/bench/nfcapd_gen" ] || [ ! -x "$build/xmr-ray" ]; then
  cmake -S "$here/.." -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DXMR_BENCH=ON -DXMR_TESTS=OFF >/dev/null
  cmake --build "$build" --target xmr-ray nfcapd_gen -j2 >/dev/null
fi
xmr=$build/xmr-ray
work=$(mktemp -d /tmp/xmr-bench-collect-XXXXXX)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
export TZ=UTC
"$build/bench/nfcapd_gen" "$work/in.nf" "$n" lz4 1 >/dev/null
sent=$(nfdump -r "$work/in.nf" -I | awk '/^Flows:/ {print $2}')

# A model for the detector: the shared xmr-stak capture, as tests/cli trains it.
shared=${XMR_SHARED:-$here/../../shared}
mkdir -p "$work/lab"
cp "$shared/data/pcap/peafowl_monero_xmrstak.pcap" "$work/lab/capture.pcap"
printf '%s\n%s\n' "client_ip,client_port,server_ip,server_port,proto,label,family,profile,pool,tls,start_ms,end_ms,hashrate_hs" \
  "192.168.2.92,55190,178.32.196.217,9050,6,mining,monero,xmr-stak,peafowl,no,0,0,0" > "$work/lab/labels.csv"
"$xmr" train --data "$work/lab" --slice 60 --window 5 -o "$work/model.json" 2>/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Records per IPFIX packet of `replay` (1400-byte packets, 66-byte IPv4 records): measured, not assumed.
per_packet=$("$xmr" replay -r "$work/in.nf" --to udp://127.0.0.1:9 --version 10 2>&1 |
  sed -n 's/.*sent \([0-9]*\) records in \([0-9]*\) packets.*/\1 \2/p' | awk '{printf "%.2f", $1/$2}')

run_collect() {  # rate_records_per_s -> prints records received
  port=$(free_port)
  "$xmr" collect -l "udp://127.0.0.1:$port" -m "$work/model.json" --slice 60 --window 5 -w "$work/alerts.json" \
    --metrics 127.0.0.1:0 --stats-interval 0 -q 2> "$work/collect.err" &
  cp=$!; pids="$pids $cp"
  for _ in $(seq 100); do grep -q 'metrics on' "$work/collect.err" && break; sleep 0.05; done
  mport=$(sed -n 's/.*metrics on .* (port \([0-9]*\)).*/\1/p' "$work/collect.err")
  pps=$(awk -v r="$1" -v k="$per_packet" 'BEGIN {printf "%.0f", r / k}')
  "$xmr" replay -r "$work/in.nf" --to "udp://127.0.0.1:$port" --version 10 --rate "$pps" 2> "$work/replay.err" || true
  got=0
  for _ in $(seq 50); do
    now=$(exec 3<>/dev/tcp/127.0.0.1/$mport; printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3; cat <&3 |
      awk '/^xmr_exporter_records_total/ {s += $NF} END {print s + 0}')
    [ "$now" = "$got" ] && [ "$now" != 0 ] && break
    got=$now; sleep 0.2
  done
  kill -TERM "$cp"; wait "$cp" || true
  echo "$got"
}
run_nfcapd() {
  port=$(free_port)
  rm -rf "$work/nfcapd"; mkdir -p "$work/nfcapd"
  nfcapd -w "$work/nfcapd" -b 127.0.0.1 -p "$port" -B 67108864 > /dev/null 2>&1 &
  np=$!; pids="$pids $np"
  for _ in $(seq 100); do ss -uln | grep -q ":$port " && break; sleep 0.05; done
  pps=$(awk -v r="$1" -v k="$per_packet" 'BEGIN {printf "%.0f", r / k}')
  "$xmr" replay -r "$work/in.nf" --to "udp://127.0.0.1:$port" --version 10 --rate "$pps" 2> /dev/null || true
  sleep 1
  kill -TERM "$np"; wait "$np" || true
  nfdump -R "$work/nfcapd" -I 2>/dev/null | awk '/^Flows:/ {print $2}'
}
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "input: $sent records (nfcapd_gen), IPFIX $per_packet records/packet"
best_x=0; best_n=0; ok_x=1; ok_n=1
for rate in 25000 50000 100000 200000 400000 800000 1600000; do
  x=$(run_collect "$rate"); y=$(run_nfcapd "$rate")
  printf "rate %8d rec/s: collect %d/%d (loss %.2f%%), nfcapd %d/%d (loss %.2f%%)\n" "$rate" "$x" "$sent" \
    "$(echo "100 * ($sent - $x) / $sent" | bc -l)" "${y:-0}" "$sent" "$(echo "100 * ($sent - ${y:-0}) / $sent" | bc -l)"
  # loss-free = no loss at this rate and at every lower one
  if [ "$ok_x" = 1 ] && [ "$x" -ge "$sent" ]; then best_x=$rate; else ok_x=0; fi
  if [ "$ok_n" = 1 ] && [ "${y:-0}" -ge "$sent" ]; then best_n=$rate; else ok_n=0; fi
  [ "$ok_x" = 0 ] && [ "$ok_n" = 0 ] && break
done
echo "loss-free: collect (with detection) $best_x rec/s, nfcapd $best_n rec/s"
awk -v a="$best_x" -v b="$best_n" 'BEGIN { if (b > 0) printf "ratio collect/nfcapd: %.2f\n", a / b; else print "ratio: nfcapd lost records at every rate" }'
