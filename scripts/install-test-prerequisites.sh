#!/usr/bin/env bash
# Installs what the test suite needs beyond the .NET SDK, only when it is missing:
#  - Debian's chromium, for the browser test (Playwright drives /usr/bin/chromium; it never downloads a browser);
#  - Debian's libtcmalloc-minimal4, the image's native allocator, which the fault tests' gates run with;
#  - the npm packages of the dashboard, of the deployment validation and of the JavaScript interop test
#    (kafkajs and @kafkajs/confluent-schema-registry), from their package-lock.json files.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
apt_install() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" > /dev/null; }
updated=0
apt_update() { [ "$updated" = 1 ] || $SUDO apt-get update -qq; updated=1; }

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser test"
  apt_update
  apt_install chromium
fi

# Looked for where the tests and scripts look for it; the package is libtcmalloc-minimal4t64 on newer distributions.
if [ -z "$(scripts/tcmalloc-path.sh)" ]; then
  echo "installing Debian's libtcmalloc-minimal4 (the image's allocator) for the fault tests"
  apt_update
  apt_install libtcmalloc-minimal4 || apt_install libtcmalloc-minimal4t64 \
    || echo "warning: tcmalloc could not be installed: the fault tests that check the gate runs with it will fail" >&2
fi

for dir in services/RpoStreams.Gate/dashboard tools/deploy-validate tests/interop-js; do
  if [ -f "$dir/package-lock.json" ] && { [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; }; then
    echo "installing npm packages of $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
