#!/usr/bin/env bash
# Validates the deployment files offline: no cluster, no Docker engine, no downloads but Debian
# packages and the npm packages pinned in tools/deploy-validate/package-lock.json.
#
#   bash .ci/validate-deploy.sh
#
# 1. docker-compose.yml: `docker-compose config -q` (Debian's docker-compose 1.29 parses, interpolates
#    and schema-checks without a daemon), and `docker compose config -q` too where the docker CLI
#    has the compose plugin.
# 2. k8s/: rendered with `kubectl kustomize k8s`.
# 3. tools/deploy-validate/validate.mjs: every rendered object against the Kubernetes schemas
#    (kubernetes-models) with unknown fields rejected (@kubernetes/client-node's type map), KEDA's
#    ScaledObject and Strimzi's KafkaTopic against strict CRD schemas; docker-compose.yml against the
#    Compose Specification schema; the Dockerfile through dockerfile-utils; and the topics of both
#    against services/RpoStreams.Contracts/TopicNames.cs. One line per problem, then a summary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools=tools/deploy-validate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say() { printf 'validate-deploy: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=
# apt_install COMMAND PACKAGE: installs PACKAGE from Debian when COMMAND is missing.
apt_install() {
  command -v "$1" >/dev/null 2>&1 && return 0
  say "$1 is missing: installing Debian package $2"
  if [ -z "$apt_updated" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}

# node 20+ and npm are on the machine; Debian 12's nodejs (18) is too old for the validator.
for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { say "$tool is required (Node.js 20 or later)"; exit 2; }
done
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || { say "Node.js 20 or later is required (found $(node --version))"; exit 2; }

# Debian 12's docker-compose is the Python 1.29 release: no engine needed for `config`.
apt_install docker-compose docker-compose
# kubectl comes with the machine; Debian's kubernetes-client (1.20, kustomize 2.0.3) renders this base too.
apt_install kubectl kubernetes-client

# npm packages, exactly as locked; reinstalled only when the lock file changes.
if ! cmp -s "$tools/package-lock.json" "$tools/node_modules/.rpo-package-lock.json" 2>/dev/null; then
  say "installing $tools (npm ci)"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$tools/package-lock.json" "$tools/node_modules/.rpo-package-lock.json"
fi

status=0

say "docker-compose $(docker-compose version --short 2>/dev/null || echo '?'): config -q"
if ! docker-compose -f docker-compose.yml config -q; then
  say "PROBLEM docker-compose.yml: rejected by docker-compose config (above)"
  status=1
fi
if docker compose version >/dev/null 2>&1; then
  say "docker compose $(docker compose version --short): config -q"
  if ! docker compose -f docker-compose.yml config -q; then
    say "PROBLEM docker-compose.yml: rejected by docker compose config (above)"
    status=1
  fi
else
  say "docker compose (v2 plugin) is not installed: skipped, the Compose Specification schema check below covers it"
fi

say "kubectl kustomize k8s"
if ! kubectl kustomize k8s > "$work/k8s.yaml" 2> "$work/kustomize.err"; then
  cat "$work/kustomize.err" >&2
  say "PROBLEM k8s: kubectl kustomize failed (above)"
  exit 1
fi

node "$tools/validate.mjs" \
  --k8s "$work/k8s.yaml" \
  --compose docker-compose.yml \
  --topic-catalogue services/RpoStreams.Contracts/TopicNames.cs \
  --dockerfile Dockerfile || status=1

exit "$status"
