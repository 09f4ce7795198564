#!/usr/bin/env bash
# Installs what the test suite needs beyond the .NET SDK, only when it is missing:
#  - Debian's chromium, for the browser test (Playwright drives /usr/bin/chromium; it never downloads a browser);
#  - Debian's libtcmalloc-minimal4, the image's native allocator, which the fault tests' gates run with;
#  - the npm packages of the dashboard, of the deployment validation and of the JavaScript interop test
#    (kafkajs and @kafkajs/confluent-schema-registry), from their package-lock.json files.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
ls /usr/lib/*/libtcmalloc_minimal.so.4 > /dev/null 2>&1 || packages+=(libtcmalloc-minimal4)
if [ ${#packages[@]} -gt 0 ]; then
  echo "installing Debian's ${packages[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" > /dev/null
fi

for dir in services/RpoStreams.Gate/dashboard tools/deploy-validate tests/interop-js; do
  if [ -f "$dir/package-lock.json" ] && { [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; }; then
    echo "installing npm packages of $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
