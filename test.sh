#!/usr/bin/env bash
# Runs every test of RpoStreams: unit, topology, integration over Kafka (embedded broker, plus a real
# cluster from KAFKA_BOOTSTRAP_SERVERS or Testcontainers when available), fault tests, the browser test,
# the public scenarios and the deployment validation. Installs what the tests need (Debian's chromium and tcmalloc,
# npm packages) itself. Results (TRX, screenshots) go to artifacts/test-results; the last line is
# "N passed, N failed, N skipped" counted from them.
set -uo pipefail
cd "$(dirname "$0")"
results="$PWD/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
extra="$results/extra-results.txt"
: > "$extra"

scripts/install-test-prerequisites.sh || echo "failed prerequisites scripts/install-test-prerequisites.sh" >> "$extra"

if ! dotnet build RpoStreams.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "failed build dotnet-build" >> "$extra"
  python3 scripts/summarize-test-results.py "$results"
  exit 1
fi

for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results"
  status=$?
  # A failed test is counted from the TRX; a project that wrote none (its host did not start) is counted here.
  if [ ! -s "$results/$name.trx" ]; then
    echo "failed run $name (dotnet test exit $status, no results written)" >> "$extra"
  fi
done

echo "== deployment validation"
if bash .ci/validate-deploy.sh > "$results/validate-deploy.log" 2>&1; then
  echo "passed deploy validate-deploy" >> "$extra"
else
  echo "failed deploy validate-deploy" >> "$extra"
  tail -20 "$results/validate-deploy.log"
fi

if [ -x ../shared/scenarios/check ]; then
  echo "== public scenarios (../shared/scenarios/check)"
  python3 ../shared/scenarios/check --rpo "dotnet services/RpoStreams.Cli/bin/Release/net10.0/rpo.dll" | tee "$results/scenarios.log"
  status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ] && ! grep -q '^FAIL ' "$results/scenarios.log"; then
    echo "failed scenarios check (exit $status with no failed scenario: it stopped early)" >> "$extra"
  fi
  grep -E '^(ok|FAIL) ' "$results/scenarios.log" | sed -E 's/^ok +/passed scenario /; s/^FAIL +/failed scenario /' | cut -d: -f1 >> "$extra"
else
  echo "== public scenarios: ../shared/scenarios/check is not next to this checkout (their copies run in RpoStreams.Topology.Tests)"
fi

python3 scripts/summarize-test-results.py "$results"
