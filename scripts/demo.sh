#!/usr/bin/env bash
# One command from a fresh clone to a real container: installs what is missing, builds, makes a
# busybox bundle with wrunc's default spec, explains the decisions for this machine, runs it.
# Needs root (namespaces, cgroups, mounts); run as a user with subuid ranges it runs rootless.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /bin/busybox ] || ! command -v cc >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static gcc >/dev/null
  else
    echo "demo: install busybox-static and a C compiler first (apt-get install busybox-static gcc)" >&2
    exit 1
  fi
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build

bundle=$(mktemp -d /tmp/wrunc-demo.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
rootless=()
[ "$(id -u)" = 0 ] || rootless=(--rootless)
node scripts/make-bundle.mjs "$bundle" "${rootless[@]}" >/dev/null
[ "$(id -u)" = 0 ] || chmod 755 "$bundle"

bin/wrunc explain --bundle "$bundle"
echo
echo "\$ wrunc run --bundle $bundle demo-$$"
bin/wrunc run --bundle "$bundle" "demo-$$"
