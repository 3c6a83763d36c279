#!/usr/bin/env bash
# HAProxy integration test: mugai behind a real HAProxy that sends the
# PROXY protocol header (docs/operations.md, "Behind a load balancer"), on
# loopback ports only, with the built binary.
#
#   swaks (from 127.0.0.7) -> HAProxy :V1 -- send-proxy    --> mugai -> maildir
#   swaks (from 127.0.0.9) -> HAProxy :V2 -- send-proxy-v2 --> mugai -> maildir
#   swaks                  -> HAProxy :PLAIN (no send-proxy) --> mugai: refused
#
# mugai's listen.proxy_protocol_networks is HAProxy's address (127.0.0.1).
# It checks that mugai takes the client HAProxy names (v1 and v2) as the
# client: in its Received: line and log line, for relay.networks (a named
# client outside them is refused) and for relay.forwarders (XCLIENT is
# believed from the named client); that a PROXY header sent straight to
# mugai from another address is refused (554 5.7.1); and that a balancer
# that sends none is refused (421 4.3.5). Sender authentication checks
# the client HAProxy names: SPF of the sender's domain (served on
# loopback by the test's own DNS server, mugai's dns.servers) passes for
# 127.0.0.9 behind HAProxy, is none for the forwarder 127.0.0.7 that says
# nothing (an upstream MTA of ours is not the original client), and
# fails for the client 203.0.113.7 that the forwarder names by XCLIENT
# (an address only written in the test, never connected to).
#
# Installs haproxy and swaks with apt-get when missing (as root); prints
# SKIP when it cannot. Everything it starts is stopped at exit and the
# temporary directory removed.
#
# Usage: bash scripts/haproxy-test.sh   (MUGAI_KEEP=1 keeps the temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"

say() { printf 'haproxy-test: %s\n' "$*"; }
die() { say "FAIL: $*"; exit 1; }
. scripts/lib.sh

# --- packages ---------------------------------------------------------------
missing=()
command -v haproxy >/dev/null || missing+=(haproxy)
command -v swaks >/dev/null || missing+=(swaks)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
    say "SKIP: ${missing[*]} missing and no root to install them"; exit 0
  fi
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package starts a system HAProxy where systemd runs; ours is separate.
fi
command -v haproxy >/dev/null || { say "SKIP: no haproxy"; exit 0; }

# --- state, cleanup -----------------------------------------------------------
T=$(mktemp -d /tmp/mugai-haproxy.XXXXXX)
MUGAI_PID=""
HAPROXY_PID=""
TESTDNS_PID=""
started=$(date +%s)

cleanup() {
  local rc=$?
  stop_pid "$MUGAI_PID"
  stop_pid "$HAPROXY_PID"
  stop_pid "$TESTDNS_PID"
  if [ $rc -ne 0 ]; then
    say "--- HAProxy log (last 20 lines)"; tail -n 20 "$T/haproxy.log" 2>/dev/null || true
    say "--- mugai log (last 20 lines)"; tail -n 20 "$T/mugai.log" 2>/dev/null || true
  fi
  if [ -n "${MUGAI_KEEP:-}" ]; then say "kept $T"; else rm -rf "$T"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

BASE=$(pick_ports 4)
P_MUGAI=$BASE
P_V1=$((BASE + 1))
P_V2=$((BASE + 2))
P_PLAIN=$((BASE + 3))

# --- mugai ------------------------------------------------------------------
say "building mugai"
CGO_ENABLED=0 go build -trimpath -o "$T/mugai" ./cmd/mugai
# The sender's DNS, on loopback: sender.jp's SPF allows 127.0.0.9 only.
printf '%s\n' 'sender.jp. 300 IN TXT "v=spf1 ip4:127.0.0.9 -all"' >"$T/zone"
start_testdns "$T" "$T/zone"
# relay.networks is 127.0.0.0/28: 127.0.0.20, named by HAProxy, is outside.
cat >"$T/mugai.yaml" <<EOF
hostname: gw.mugai-test.invalid
listen:
  smtp: 127.0.0.1:$P_MUGAI
  # HAProxy, connecting from 127.0.0.1.
  proxy_protocol_networks: [127.0.0.1/32]
relay:
  domains: [city.example.lg.jp]
  networks: [127.0.0.0/28]
  # The upstream MTA behind HAProxy that may say who its client was.
  forwarders: [127.0.0.7/32]
delivery:
  maildir: $T/outbox
# This test is about the PROXY protocol (and the client it names, which
# SPF checks against the test's DNS on loopback): no vault, no console.
vault:
  enabled: false
auth:
  subject_tag: "[SPOOF?]"
dns:
  servers: ["$TESTDNS_ADDR"]
EOF
"$T/mugai" check-config "$T/mugai.yaml" >/dev/null

# --- HAProxy ------------------------------------------------------------------
cat >"$T/haproxy.cfg" <<EOF
global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend v1
    bind 127.0.0.1:$P_V1
    default_backend mugai_v1
backend mugai_v1
    server mugai 127.0.0.1:$P_MUGAI send-proxy
frontend v2
    bind 127.0.0.1:$P_V2
    default_backend mugai_v2
backend mugai_v2
    server mugai 127.0.0.1:$P_MUGAI send-proxy-v2
# A balancer someone forgot to configure: no PROXY header.
frontend plain
    bind 127.0.0.1:$P_PLAIN
    default_backend mugai_plain
backend mugai_plain
    server mugai 127.0.0.1:$P_MUGAI
EOF
haproxy -c -q -f "$T/haproxy.cfg" || die "haproxy -c rejected the configuration"

say "starting mugai :$P_MUGAI and HAProxy :$P_V1 (v1) :$P_V2 (v2) :$P_PLAIN (none)"
"$T/mugai" serve -config "$T/mugai.yaml" >>"$T/mugai.log" 2>&1 &
MUGAI_PID=$!
# The health check connects from 127.0.0.1, the balancer's address: it
# sends a PROXY v2 LOCAL header, as HAProxy's own checks would.
wait_for 15 "mugai healthcheck on port $P_MUGAI" "$T/mugai" healthcheck -config "$T/mugai.yaml"
haproxy -db -f "$T/haproxy.cfg" >>"$T/haproxy.log" 2>&1 &
HAPROXY_PID=$!
wait_for 15 "HAProxy on port $P_V2" port_open "$P_V2"

# --- helpers ----------------------------------------------------------------
OUTBOX=$T/outbox/new
tag=$$-$RANDOM
summary=()
# send PORT FROM-IP HELO SUBJECT [SWAKS-OPTIONS...]: swaks transcript.
send() {
  local port=$1 ip=$2 helo=$3 subject=$4; shift 4
  swaks --server "127.0.0.1:$port" --local-interface "$ip" --ehlo "$helo" \
    --from yamada@sender.jp --to soumu@city.example.lg.jp \
    --header "Subject: $subject" --body "test" --timeout 30 --hide-informational "$@" 2>&1
}
delivered() { grep -l -F "$1" "$OUTBOX"/* 2>/dev/null || true; }
# auth_results FILE: the Authentication-Results field, unfolded.
auth_results() {
  awk '/^Authentication-Results: /{p=1; sub(/^Authentication-Results: /, ""); printf "%s", $0; next}
       p && /^[ \t]/{sub(/^[ \t]+/, " "); printf "%s", $0; next} p{exit}' "$1" | tr -d '\r'
}
# received FILE: mugai's Received: field, unfolded to one line.
received() { awk '/^Received: /{p=1} p&&/^[^ \t]/&&!/^Received: /{exit} p' "$1" | tr -d '\r\n' | tr '\t' ' '; }

# --- 1, 2. v1 and v2: the client HAProxy names is the client ---------------
for v in 1 2; do
  port=$P_V1 ip=127.0.0.7
  [ $v = 1 ] || { port=$P_V2; ip=127.0.0.9; }
  S="PROXY v$v $tag"
  out=$(send "$port" "$ip" "sender-v$v.test" "$S") || die "swaks through HAProxy (v$v) failed: $out"
  f=$(delivered "$S")
  [ -n "$f" ] || die "v$v: the message is not in the maildir"
  r=$(received "$f")
  case "$r" in
    *"from sender-v$v.test ([$ip]) (proxied by [127.0.0.1])"*) ;;
    *) die "v$v: Received: does not name the client $ip behind HAProxy: $r" ;;
  esac
  grep -F "client=$ip:" "$T/mugai.log" | grep -F 'msg="smtpd: message"' | grep -q 'proxy=127.0.0.1:' \
    || die "v$v: mugai's log line lacks client=$ip and proxy=127.0.0.1"
  # SPF of the client HAProxy named: 127.0.0.9 passes; 127.0.0.7 is a
  # forwarder that said nothing, so the original client is unknown.
  ar=$(auth_results "$f")
  want="spf=pass smtp.mailfrom=sender.jp"
  [ $v = 2 ] || want='spf=none reason="client address unknown"'
  case "$ar" in
    "gw.mugai-test.invalid; $want"*) ;;
    *) die "v$v: Authentication-Results lacks '$want': $ar" ;;
  esac
  summary+=("send-proxy$( [ $v = 1 ] || echo -v2 ): swaks from $ip via HAProxy :$port -> delivered; $(echo "$r" | sed 's/ by gw.*//')")
  summary+=("              Authentication-Results: $ar")
done

# --- 3. relay.networks judges the named client -------------------------------
S="outside $tag"
if out=$(send "$P_V2" 127.0.0.20 sender.test "$S"); then die "a client outside relay.networks got through HAProxy"; fi
line=$(printf '%s\n' "$out" | grep -m1 '554 5\.7\.1' || true)
[ -n "$line" ] || die "client 127.0.0.20 via HAProxy: no 554 5.7.1: $out"
summary+=("policy      : 127.0.0.20 (outside relay.networks 127.0.0.0/28) via HAProxy -> ${line#*<\*\* }")

# --- 4. relay.forwarders judges the named client -----------------------------
S="xclient $tag"
out=$(send "$P_V2" 127.0.0.7 mta.test "$S" --xclient-addr 203.0.113.7 --xclient-name mail.example.jp) \
  || die "XCLIENT from forwarder 127.0.0.7 via HAProxy failed: $out"
f=$(delivered "$S")
[ -n "$f" ] || die "the XCLIENT message is not in the maildir"
r=$(received "$f")
case "$r" in
  *"(proxied by [127.0.0.1]) (original client mail.example.jp [203.0.113.7] helo=mta.test via XCLIENT)"*) ;;
  *) die "XCLIENT via HAProxy: Received: lacks the original client: $r" ;;
esac
# 127.0.0.9 is no forwarder: XCLIENT is not offered to it, so swaks does
# not send it (the 550 5.7.0 for sending it anyway is in smtpd's tests).
out=$(send "$P_V2" 127.0.0.9 other.test "xclient refused $tag" --xclient-addr 203.0.113.7 2>&1 || true)
printf '%s\n' "$out" | grep -q 'did not advertise XCLIENT' || die "XCLIENT offered to 127.0.0.9 (no forwarder): $out"
ar=$(auth_results "$f")
case "$ar" in
  "gw.mugai-test.invalid; spf=fail "*"smtp.mailfrom=sender.jp;"*) ;;
  *) die "XCLIENT via HAProxy: SPF of 203.0.113.7 did not fail: $ar" ;;
esac
grep -q -F "Subject: [SPOOF?] $S" "$f" || die "XCLIENT via HAProxy: the SPF failure is not tagged: $(grep '^Subject:' "$f")"
summary+=("forwarders  : XCLIENT from 127.0.0.7 via HAProxy believed; not offered to 127.0.0.9")
summary+=("              SPF of the client XCLIENT named: $ar")

# --- 5. a PROXY header from anywhere else is refused --------------------------
for v in 1 2; do
  family=TCP4
  [ $v = 1 ] || family=AF_INET
  out=$(swaks --server "127.0.0.1:$P_MUGAI" --local-interface 127.0.0.8 --ehlo spoof.test \
    --from yamada@example.jp --to soumu@city.example.lg.jp --timeout 30 --hide-informational \
    --proxy-version $v --proxy-family $family --proxy-source 192.0.2.1 --proxy-source-port 4000 \
    --proxy-dest 127.0.0.1 --proxy-dest-port 25 2>&1 || true)
  line=$(printf '%s\n' "$out" | grep -m1 '554 5\.7\.1' || true)
  [ -n "$line" ] || die "a v$v PROXY header straight from 127.0.0.8 was not refused: $out"
done
summary+=("not the LB  : PROXY v1/v2 header sent straight to mugai from 127.0.0.8 -> ${line#*<\*\* }")

# --- 6. a balancer that sends no header ---------------------------------------
if out=$(send "$P_PLAIN" 127.0.0.7 sender.test "plain $tag"); then die "accepted without a PROXY header"; fi
line=$(printf '%s\n' "$out" | grep -m1 '421 4\.3\.5' || true)
[ -n "$line" ] || die "HAProxy without send-proxy: no 421 4.3.5: $out"
summary+=("no header   : HAProxy without send-proxy -> ${line#*<\*\* }")

n=$(ls "$OUTBOX" | wc -l)
[ "$n" -eq 3 ] || die "$n messages in the maildir, want 3"
say "--- summary ($(( $(date +%s) - started ))s)"
for s in "${summary[@]}"; do say "$s"; done
say "PASS"
