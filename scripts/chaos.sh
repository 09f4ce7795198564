#!/usr/bin/env bash
# The crash loop: an operator's chaos test, repeated. Each round starts `rpo devkafka`, feeds it with
# `rpo simulate`, runs the gate and kills it with SIGKILL at random points (while it restores, while it
# rebalances, while it decides), starts it again, then asks `rpo audit` whether every intent got exactly
# one decision. Prints one line per round and a last line `rounds: N lost: N duplicated: N`; exits 1
# when anything was lost or duplicated.
#
#   scripts/chaos.sh [--rounds N] [--intents N] [--register N] [--kills N] [--partitions N]
#                    [--min-kill-after S] [--max-kill-after S] [--seed N] [--keep]
#
# Rounds alternate between one instance killed --kills times and two instances sharing the work, one of
# which is killed --kills times while the other runs on. In every other round the traffic is produced
# while the gates are being killed rather than before. Needs a Release build (dotnet build -c Release).
set -uo pipefail
cd "$(dirname "$0")/.."

rounds=5 intents=100000 register=20000 kills=3 partitions=4 min_after=1 max_after=13 seed=$RANDOM keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --intents) intents=$2; shift 2 ;;
    --register) register=$2; shift 2 ;;
    --kills) kills=$2; shift 2 ;;
    --partitions) partitions=$2; shift 2 ;;
    --min-kill-after) min_after=$2; shift 2 ;;
    --max-kill-after) max_after=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n 2,14p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "chaos: unknown argument $1" >&2; exit 2 ;;
  esac
done

bin_cli=services/RpoStreams.Cli/bin/Release/net10.0/rpo.dll
bin_gate=services/RpoStreams.Gate/bin/Release/net10.0/RpoStreams.Gate.dll
for f in "$bin_cli" "$bin_gate"; do
  [ -f "$f" ] || { echo "chaos: $f is missing: run 'dotnet build RpoStreams.sln -c Release' first" >&2; exit 2; }
done

# The gates run with the image's native allocator when it is installed (Debian's libtcmalloc-minimal4).
preload=${LD_PRELOAD:-$(scripts/tcmalloc-path.sh)}

RANDOM=$seed
work=$(mktemp -d /tmp/rpo-chaos-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ "$keep" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# A random delay in tenths of a second between min_after and max_after seconds.
random_delay() { awk -v r="$RANDOM" -v a="$min_after" -v m="$max_after" 'BEGIN { printf "%.1f", a + (r / 32767) * (m - a) }'; }
# A free port below the kernel's ephemeral range, so no client connection takes it before the gate binds it.
free_port() { python3 scripts/free-port.py; }

# Seconds from a start (epoch $2) to the first "RUNNING" line of its log $1, or "-" if it never got there.
running_after() {
  local line at
  line=$(grep -m1 -E '"State":"RUNNING"|Gate stream state RUNNING' "$1" 2>/dev/null) || { echo "-"; return; }
  at=$(sed -n 's/.*"@t":"\([^"]*\)".*/\1/p' <<< "$line")
  [ -n "$at" ] || { echo "?"; return; }
  awk -v a="$2" -v b="$(date -d "$at" +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

# start_gate LABEL STATE_DIR LOG -> sets gate_pid, gate_started
start_gate() {
  local port; port=$(free_port)
  gate_started=$(now)
  Kafka__BootstrapServers=$bootstrap Kafka__Partitions=$partitions Streams__ApplicationId=$app \
  Streams__StateDir=$2 Subjects__HashSecret=chaos-secret-0123456789abcdef ASPNETCORE_ENVIRONMENT=Production \
  Demo__Enabled=false DOTNET_gcServer=1 LD_PRELOAD=$preload \
    dotnet "$bin_gate" --urls "http://127.0.0.1:$port" >> "$3" 2>&1 &
  gate_pid=$!
  pids+=("$gate_pid")
}

total_lost=0 total_dup=0 total_kills=0 total_intents=0 failed_rounds=0
for round in $(seq 1 "$rounds"); do
  dir="$work/round-$round"; mkdir -p "$dir"
  app="chaos-$round"
  mode=single; [ $((round % 2)) -eq 0 ] && mode=pair
  traffic=before; [ $((round % 4)) -ge 2 ] && traffic=during

  dotnet "$bin_cli" devkafka --partitions "$partitions" --application-id "$app" > "$dir/devkafka.log" 2>&1 &
  broker_pid=$!; pids+=("$broker_pid")
  bootstrap=""
  for _ in $(seq 1 1200); do  # up to 120 s: a loaded machine starts it slowly
    bootstrap=$(sed -n 's/^bootstrap: //p' "$dir/devkafka.log" 2>/dev/null | head -1)
    [ -n "$bootstrap" ] && break
    sleep 0.1
  done
  if [ -z "$bootstrap" ]; then echo "round $round: rpo devkafka did not start (see $dir/devkafka.log)"; failed_rounds=$((failed_rounds + 1)); kill -9 "$broker_pid"; continue; fi

  simulate() {
    dotnet "$bin_cli" simulate --bootstrap "$bootstrap" --register "$register" --intents "$intents" --seed "$round" > "$dir/simulate.log" 2>&1
  }
  sim_pid=""
  if [ "$traffic" = before ]; then simulate; else simulate & sim_pid=$!; fi

  started=$(now)
  if [ "$mode" = pair ]; then
    start_gate survivor "$dir/state-survivor" "$dir/gate-survivor.log"; survivor=$gate_pid
  fi
  kill_points=() to_running=()
  for k in $(seq 1 "$kills"); do
    start_gate victim "$dir/state-victim" "$dir/gate-victim-$k.log"
    delay=$(random_delay)
    sleep "$delay"
    kill -9 "$gate_pid" 2>/dev/null; wait "$gate_pid" 2>/dev/null
    kill_points+=("${delay}s")
    to_running+=("$(running_after "$dir/gate-victim-$k.log" "$gate_started")")
    total_kills=$((total_kills + 1))
  done
  start_gate victim "$dir/state-victim" "$dir/gate-victim-last.log"; last=$gate_pid; last_started=$gate_started
  [ -n "$sim_pid" ] && wait "$sim_pid"

  audit=$(dotnet "$bin_cli" audit --bootstrap "$bootstrap" --wait 240 2>"$dir/audit.log")
  took=$(secs "$started" "$(now)")
  n_intents=$(sed -n 's/.*intents: \([0-9]*\).*/\1/p' <<< "$audit")
  missing=$(sed -n 's/.*missing: \([0-9]*\).*/\1/p' <<< "$audit")
  dup=$(sed -n 's/.*duplicated: \([0-9]*\).*/\1/p' <<< "$audit")
  if [ -z "$missing" ] || [ -z "$dup" ]; then
    echo "round $round: audit gave no result: $audit (see $dir)"; failed_rounds=$((failed_rounds + 1)); missing=0; dup=0
  fi
  wipes=$(cat "$dir"/gate-victim-*.log 2>/dev/null | grep -c "did not stop cleanly" || true)
  to_running+=("$(running_after "$dir/gate-victim-last.log" "$last_started")")
  echo "round $round: $mode, traffic $traffic, killed at ${kill_points[*]} after start; RUNNING after ${to_running[*]} s ('-': killed before); wipes $wipes; $audit; ${took}s"
  total_lost=$((total_lost + missing)); total_dup=$((total_dup + dup)); total_intents=$((total_intents + ${n_intents:-0}))
  if [ "$missing" != 0 ] || [ "$dup" != 0 ]; then keep=1; echo "  kept $dir"; fi

  for p in $last ${survivor:-} $broker_pid; do kill -TERM "$p" 2>/dev/null; done
  for p in $last ${survivor:-}; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  kill -9 "$broker_pid" 2>/dev/null
  wait 2>/dev/null
  survivor=""
done

echo "kills: $total_kills intents: $total_intents failed rounds: $failed_rounds"
echo "rounds: $rounds lost: $total_lost duplicated: $total_dup"
[ "$total_lost" = 0 ] && [ "$total_dup" = 0 ] && [ "$failed_rounds" = 0 ]
