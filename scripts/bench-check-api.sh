#!/usr/bin/env bash
# Latency of the check API (GET /v1/check) at a fixed offered rate, measured with Debian's `hey` load tool
# (installed if missing). Starts `rpo devkafka` and a gate (Release build, an API key; at-least-once, as on any development broker),
# loads a register with `rpo simulate`, then offers RATE requests/s for SECONDS and prints hey's latency
# distribution; the last line is "check-api p99-ms: X at Y req/s".
#   scripts/bench-check-api.sh [RATE=2000] [SECONDS=20]
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-2000}
seconds=${2:-20}
workers=10
if ! command -v hey >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq hey >/dev/null
fi
dotnet build RpoStreams.sln -c Release -nologo -clp:ErrorsOnly -p:DashboardBuild=false >/dev/null
rpo="dotnet services/RpoStreams.Cli/bin/Release/net10.0/rpo.dll"
gate="services/RpoStreams.Gate/bin/Release/net10.0/RpoStreams.Gate.dll"
work=$(mktemp -d /tmp/rpo-api-bench-XXXXXX)
cleanup() { kill "$gate_pid" "$kafka_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

$rpo devkafka --partitions 4 > "$work/kafka.out" 2>&1 & kafka_pid=$!
for _ in $(seq 1 150); do grep -q '^bootstrap:' "$work/kafka.out" 2>/dev/null && break; sleep 0.2; done
bootstrap=$(awk '/^bootstrap:/ {print $2}' "$work/kafka.out")
port=$(python3 scripts/free-port.py)
key=benchkey0123456789abcdef
env Kafka__BootstrapServers="$bootstrap" Streams__StateDir="$work/state" Subjects__HashSecret=bench-check-api-secret \
  ASPNETCORE_ENVIRONMENT=Production "Api__Keys__${key}=ACME" Api__RequestsPerSecond=100000 Logging__Format=json \
  LD_PRELOAD="${LD_PRELOAD:-$(scripts/tcmalloc-path.sh)}" dotnet "$gate" --urls "http://127.0.0.1:$port" > "$work/gate.log" 2>&1 & gate_pid=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health/live" | grep -q RUNNING && break; sleep 0.2; done
if ! curl -sf "http://127.0.0.1:$port/health/live" | grep -q RUNNING; then
  echo "the gate did not start; its log:" >&2; tail -20 "$work/gate.log" >&2; exit 1
fi
$rpo simulate --bootstrap "$bootstrap" --register 100000 --intents 10000 --seed 7 > "$work/simulate.out"
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.2; done
# Measure the API alone: wait until the gate has processed everything simulate produced (lag 0 everywhere).
for _ in $(seq 1 120); do $rpo lag --bootstrap "$bootstrap" > /dev/null 2>&1 && break; sleep 1; done

url="http://127.0.0.1:$port/v1/check?subject=%2B393331234567&companyId=ACME&callerId=%2B390212345678"
# Warm-up, then the measured run: $workers workers at rate/workers requests per second each.
hey -z 3s -c $workers -q $((rate / workers)) -H "X-Api-Key: $key" "$url" > /dev/null
hey -z "${seconds}s" -c $workers -q $((rate / workers)) -H "X-Api-Key: $key" "$url" | tee "$work/hey.txt"
achieved=$(awk '/Requests\/sec:/ {print $2}' "$work/hey.txt")
p99=$(awk '/ 99% in / {print $3 * 1000}' "$work/hey.txt")
echo "check-api p99-ms: ${p99} at ${achieved} req/s (offered ${rate})"
