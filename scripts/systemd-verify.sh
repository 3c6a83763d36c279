#!/usr/bin/env bash
# Checks deploy/mugai.service (and with the port-25 drop-in) with
# systemd-analyze: verify must print nothing, and the offline security
# assessment is shown. The unit's binary path points at a freshly built
# mugai, since verify checks that ExecStart= is executable. Runs no
# service and needs no running systemd. Skipped (exit 0, with the reason)
# when systemd-analyze is missing and cannot be installed.
#
# Usage: bash scripts/systemd-verify.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

say() { printf 'systemd-verify: %s\n' "$*"; }

if ! command -v systemd-analyze >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "apt-get install systemd (for systemd-analyze only; nothing is started)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends systemd >/dev/null; } || true
  fi
  if ! command -v systemd-analyze >/dev/null; then
    say "SKIP: systemd-analyze is not available here"
    exit 0
  fi
fi

T=$(mktemp -d /tmp/mugai-systemd.XXXXXX)
trap 'rm -rf "$T"' EXIT
go build -o "$T/mugai" ./cmd/mugai
sed "s#/usr/local/bin/mugai#$T/mugai#g" deploy/mugai.service >"$T/mugai.service"
# The drop-in's settings appended: what systemd sees with it installed.
{ cat "$T/mugai.service"; echo; cat deploy/mugai-port25.conf; } >"$T/mugai-port25.service"

fail=""
for unit in mugai.service mugai-port25.service; do
  out=$(systemd-analyze verify "$T/$unit" 2>&1) || fail=1
  if [ -n "$out" ]; then
    say "$unit:"; printf '%s\n' "$out" | sed 's/^/  /'; fail=1
  else
    say "$unit: verify OK"
  fi
done
# Informational: the exposure score (lower is better) of the default unit.
if score=$(systemd-analyze security --offline=yes "$T/mugai.service" 2>/dev/null | tail -n 1); then
  say "security: ${score#→ }"
fi
[ -z "$fail" ] || { say "FAIL"; exit 1; }
say "PASS"
