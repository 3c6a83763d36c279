#!/usr/bin/env bash
# Postfix integration test: mugai behind a real Postfix, both recipes of
# docs/operations.md, on loopback ports only.
#
#   after-queue  (content_filter):
#     swaks -> Postfix :IN -> queue -> mugai :MUGAI -> Postfix :REINJECT -> maildir
#   before-queue (smtpd_proxy_filter):
#     swaks -> Postfix :PROXY ==(session proxied)==> mugai :MUGAI -> Postfix :REINJECT
#
# It checks that the sanitized message lands in the Postfix-delivered
# mailbox (X-Mugai-Sanitized, attachment removed), that mugai records the
# original client Postfix reports with XFORWARD in both recipes (swaks
# connects from 127.0.0.5 with its own HELO name; mugai's Received: line
# and log line must show those, not Postfix's 127.0.0.1), that a refusal by mugai
# reaches the sender through the proxy (550 5.6.0), and that with mugai
# stopped Postfix defers the message and delivers it exactly once after
# mugai is back and the queue is flushed. Sender authentication checks
# that original client: the sender's domain publishes SPF for 127.0.0.5
# on a DNS server of the test's own on loopback (mugai's dns.servers), so
# each delivered message must say spf=pass for 127.0.0.5, where Postfix's
# own 127.0.0.1 would fail.
#
# The Postfix instance is a separate one: its own config, queue, data and
# mail directories in a temporary directory (postfix -c DIR), no chroot,
# listening on 127.0.0.1 only. The system's Postfix, if any, is neither
# read nor touched. Everything this script starts is stopped at exit and
# the temporary directory removed. Needs root (Postfix's master runs as
# root); installs postfix and swaks with apt-get when missing.
#
# Usage: bash scripts/postfix-test.sh   (MUGAI_KEEP=1 keeps the temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"

say() { printf 'postfix-test: %s\n' "$*"; }
die() { say "FAIL: $*"; exit 1; }
. scripts/lib.sh

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || die "needs root (Postfix's master runs as root)"
  exec sudo -E bash "$0" "$@"
fi

# --- packages ---------------------------------------------------------------
missing=()
command -v postfix >/dev/null || missing+=(postfix)
command -v swaks >/dev/null || missing+=(swaks)
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # "No configuration": the package installs no main.cf and starts no
  # system instance; ours has its own config directory anyway.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
getent passwd postfix >/dev/null || die "no postfix user after installing postfix"

# --- state, cleanup -----------------------------------------------------------
T=$(mktemp -d /tmp/mugai-postfix.XXXXXX)
chmod 755 "$T" # Postfix's unprivileged daemons walk into the queue below it
CONF=$T/etc
MUGAI_PID=""
TESTDNS_PID=""
POSTFIX_STARTED=""
started=$(date +%s)

stop_mugai() {
  stop_pid "$MUGAI_PID"
  MUGAI_PID=""
}

stop_postfix() {
  [ -n "$POSTFIX_STARTED" ] || return 0
  local pid=""
  [ -f "$T/spool/pid/master.pid" ] && pid=$(tr -d ' \n' < "$T/spool/pid/master.pid")
  postfix -c "$CONF" stop >/dev/null 2>&1 || true
  if [ -n "$pid" ]; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true # only our master, by its pid
  fi
  POSTFIX_STARTED=""
}

cleanup() {
  local rc=$?
  stop_mugai
  stop_postfix
  stop_pid "$TESTDNS_PID"
  if [ $rc -ne 0 ]; then
    say "--- Postfix log (last 40 lines)"; tail -n 40 "$T/maillog" 2>/dev/null || true
    say "--- mugai log (last 20 lines)"; tail -n 20 "$T/mugai.log" 2>/dev/null || true
  fi
  if [ -n "${MUGAI_KEEP:-}" ]; then say "kept $T"; else rm -rf "$T"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

BASE=$(pick_ports 6)
P_IN=$BASE              # Postfix, "Internet" side, after-queue recipe
P_PROXY=$((BASE + 1))   # Postfix, before-queue recipe (smtpd_proxy_filter)
P_MUGAI=$((BASE + 2))   # mugai
P_REINJECT=$((BASE + 3)) # Postfix reinjection listener (no filter)
P_HTTP=$((BASE + 4))    # mugai's metrics and health
P_CONSOLE=$((BASE + 5)) # mugai's web console

# --- mugai ------------------------------------------------------------------
say "building mugai"
CGO_ENABLED=0 go build -trimpath -o "$T/" ./cmd/mugai ./cmd/mugai-convert
# The recipes' files, on this test's ports: the documented configuration
# is the tested one.
ports() {
  # 127.0.0.1:PORT and [127.0.0.1]:PORT (Postfix's "no MX lookup" form)
  sed -e "s/\(127\.0\.0\.1\]\{0,1\}\):10025/\1:$P_MUGAI/g" \
      -e "s/\(127\.0\.0\.1\]\{0,1\}\):10026/\1:$P_REINJECT/g" \
      -e "s/\(127\.0\.0\.1\]\{0,1\}\):9125/\1:$P_HTTP/g" \
      -e "s/\(127\.0\.0\.1\]\{0,1\}\):8025/\1:$P_CONSOLE/g" \
      -e "s#/var/lib/mugai/vault#$T/vault#g" "$@"
}
# The sender's DNS, on loopback: sender.jp allows the "Internet" sender
# 127.0.0.5 (below) and publishes DMARC.
printf '%s\n' 'sender.jp. 300 IN TXT "v=spf1 ip4:127.0.0.5 -all"' \
  '_dmarc.sender.jp. 300 IN TXT "v=DMARC1; p=reject"' >"$T/zone"
start_testdns "$T" "$T/zone"
ports deploy/postfix/mugai.yaml >"$T/mugai.yaml"
# The recipe uses the system's resolvers; the test, its own on loopback.
printf 'dns:\n  servers: ["%s"]\n' "$TESTDNS_ADDR" >>"$T/mugai.yaml"
"$T/mugai" check-config "$T/mugai.yaml" >/dev/null

start_mugai() {
  "$T/mugai" serve -config "$T/mugai.yaml" >>"$T/mugai.log" 2>&1 &
  MUGAI_PID=$!
  # healthcheck, not a bare connect: it says QUIT, so mugai logs no
  # broken connection.
  wait_for 15 "mugai on port $P_MUGAI" "$T/mugai" healthcheck -config "$T/mugai.yaml"
}

# --- Postfix instance -------------------------------------------------------
mkdir -p "$CONF" "$T/spool"
install -d -o postfix -g postfix "$T/data"
# Mail for city.example.lg.jp is delivered by virtual(8) into the maildir
# $T/mail/inbox/, owned by nobody: no local user is needed.
install -d -o 65534 -g 65534 "$T/mail"

# Both recipes as in docs/operations.md, on test ports. Everything else
# keeps this instance to itself: own directories, loopback, no chroot
# (a chroot would need copies of /etc files in the queue directory).
cat > "$CONF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $T/spool
data_directory = $T/data
myhostname = postfix.mugai-test.invalid
mydomain = mugai-test.invalid
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps =
alias_database =
biff = no
maillog_file = $T/maillog
maillog_file_prefixes = $T
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_dns_support_level = disabled
virtual_mailbox_domains = city.example.lg.jp
virtual_mailbox_base = $T/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
EOF
ports deploy/postfix/main.cf >>"$CONF/main.cf"

{
  # The public listeners of both recipes on two loopback ports: "smtp
  # inet" (port 25) becomes 127.0.0.1:P_IN and 127.0.0.1:P_PROXY.
  ports deploy/postfix/master.cf.after-queue | sed "s/^smtp\([[:space:]]\{1,\}inet\)/127.0.0.1:$P_IN\1/"
  ports deploy/postfix/master.cf.before-queue | sed "s/^smtp\([[:space:]]\{1,\}inet\)/127.0.0.1:$P_PROXY\1/"
  ports deploy/postfix/master.cf.reinject
  # The stock services, without chroot.
  cat <<EOF
pickup    unix  n  -  n  60    1  pickup
cleanup   unix  n  -  n  -     0  cleanup
qmgr      unix  n  -  n  300   1  qmgr
rewrite   unix  -  -  n  -     -  trivial-rewrite
bounce    unix  -  -  n  -     0  bounce
defer     unix  -  -  n  -     0  bounce
trace     unix  -  -  n  -     0  bounce
verify    unix  -  -  n  -     1  verify
flush     unix  n  -  n  1000? 0  flush
proxymap  unix  -  -  n  -     -  proxymap
smtp      unix  -  -  n  -     -  smtp
relay     unix  -  -  n  -     -  smtp
showq     unix  n  -  n  -     -  showq
error     unix  -  -  n  -     -  error
retry     unix  -  -  n  -     -  error
discard   unix  -  -  n  -     -  discard
local     unix  -  n  n  -     -  local
virtual   unix  -  n  n  -     -  virtual
anvil     unix  -  -  n  -     1  anvil
scache    unix  -  -  n  -     1  scache
postlog   unix-dgram n - n -   1  postlogd
EOF
} >"$CONF/master.cf"
grep -q "^127.0.0.1:$P_IN " "$CONF/master.cf" && grep -q "^127.0.0.1:$P_PROXY " "$CONF/master.cf" \
  || die "master.cf: the public listeners were not rewritten"
if grep -v '^ *#' "$CONF/main.cf" "$CONF/master.cf" "$T/mugai.yaml" | grep -E ':(10025|10026|9125|8025)([^0-9]|$)|/var/lib/mugai'; then
  die "a recipe port was not rewritten to a test port"
fi

say "starting Postfix (config $CONF) and mugai; ports: in $P_IN, proxy $P_PROXY, mugai $P_MUGAI, reinject $P_REINJECT, http $P_HTTP"
POSTFIX_STARTED=1
postfix -c "$CONF" start >/dev/null 2>&1 || die "postfix start failed"
wait_for 20 "Postfix on port $P_IN" port_open "$P_IN"
wait_for 20 "Postfix on port $P_REINJECT" port_open "$P_REINJECT"
start_mugai
# Ready means the next hop (Postfix's reinjection listener) answers.
wait_for 15 "mugai healthcheck -ready" "$T/mugai" healthcheck -config "$T/mugai.yaml" -ready

# --- helpers ----------------------------------------------------------------
INBOX=$T/mail/inbox/new
FROM=yamada@sender.jp
TO=soumu@city.example.lg.jp
# The "Internet" sender: another loopback address and HELO name than
# Postfix's own, so what mugai records can only have come by XFORWARD.
SENDER_IP=127.0.0.5
SENDER_HELO=sender.mugai-test.invalid
# send PORT FILE SUBJECT: swaks transcript on stdout; exit status of swaks.
send() {
  swaks --server "127.0.0.1:$1" --local-interface "$SENDER_IP" --ehlo "$SENDER_HELO" \
    --from "$FROM" --to "$TO" --data "$2" \
    --header "From: $FROM" --header "Subject: $3" --timeout 60 --hide-informational 2>&1
}
# delivered SUBJECT: the mailbox files holding that subject.
delivered() { grep -l -F "Subject: $1" "$INBOX"/* 2>/dev/null || true; }
has_delivery() { [ -n "$(delivered "$1")" ]; }
queue() { postqueue -c "$CONF" -p 2>&1; }
queue_id() { sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1; }

# check_sanitized FILE: X-Mugai-Sanitized present, our Received: line,
# and nothing of the attachments: neither the base64 of setup.exe nor of
# the PDF (their first bytes in the original), only text/plain parts.
check_sanitized() {
  local f=$1
  grep -q '^X-Mugai-Sanitized: yes' "$f" || die "$f: no X-Mugai-Sanitized header"
  grep -q 'by gw.city.example.lg.jp (mugai)' "$f" || die "$f: no Received: line of mugai"
  if grep -q -F -e 'TVqQAAMAAAAEAAAA' -e 'JVBERi0xLjQK' "$f"; then die "$f: an attachment's bytes survived"; fi
  if grep -i '^Content-Type:' "$f" | grep -v -i -e 'text/plain' -e 'multipart/mixed' | grep -q .; then
    die "$f: a part other than text/plain"
  fi
}

# check_origin FILE: mugai's Received: line names the original client as
# Postfix reported it (XFORWARD), and so does mugai's log line.
check_origin() {
  local f=$1 id
  grep -q "^	(original client .*\[$SENDER_IP\].* helo=$SENDER_HELO.* via XFORWARD)\$" "$f" \
    || die "$f: mugai's Received: line lacks the original client [$SENDER_IP] helo=$SENDER_HELO"
  id=$(sed -n 's/^	by gw\.city\.example\.lg\.jp (mugai) with [A-Z0-9]* id \([A-Z2-7]*\).*/\1/p' "$f" | head -n 1)
  [ -n "$id" ] || die "$f: no mugai queue id in the Received: line"
  grep "id=$id " "$T/mugai.log" | grep -q "origin.via=xforward origin.addr=$SENDER_IP .*origin.helo=$SENDER_HELO" \
    || die "mugai's log line for $id lacks the original client: $(grep "id=$id " "$T/mugai.log")"
  # Sender authentication checked that client, not Postfix: SPF passes for
  # 127.0.0.5 (127.0.0.1 would fail), and DMARC with it.
  auth_results "$f" | grep -q "^gw.city.example.lg.jp; spf=pass smtp.mailfrom=sender.jp; .*dmarc=pass header.from=sender.jp" \
    || die "$f: Authentication-Results lacks spf=pass for the original client: $(auth_results "$f")"
  grep "id=$id " "$T/mugai.log" | grep -q "auth.spf=pass auth.dkim=none auth.dmarc=pass" \
    || die "mugai's log line for $id lacks the SPF pass: $(grep "id=$id " "$T/mugai.log")"
}

# auth_results FILE: the Authentication-Results field, unfolded.
auth_results() {
  awk '/^Authentication-Results: /{p=1; sub(/^Authentication-Results: /, ""); printf "%s", $0; next}
       p && /^[ \t]/{sub(/^[ \t]+/, " "); printf "%s", $0; next} p{exit}' "$1" | tr -d '\r'
}

MSG=testdata/golden/mixed-attachments.eml     # text + PDF + setup.exe + memo.txt
AMBIG=testdata/golden/ambiguous-two-boundaries.eml
summary=()
tag=$$-$RANDOM

# --- 1. after-queue: Postfix queue -> mugai -> Postfix -> mailbox -----------
S1="after-queue $tag"
out=$(send "$P_IN" "$MSG" "$S1") || die "swaks to Postfix :$P_IN failed: $out"
q1=$(printf '%s\n' "$out" | queue_id)
wait_for 60 "the after-queue message in the mailbox" has_delivery "$S1"
f1=$(delivered "$S1")
check_sanitized "$f1"
check_origin "$f1"
grep -q "ident=$q1 via XFORWARD)" "$f1" || die "$f1: the Received: line lacks Postfix's queue id $q1 (XFORWARD IDENT)"
summary+=("after-queue : sent $MSG to Postfix :$P_IN (queued as $q1) -> mugai -> :$P_REINJECT -> mailbox")
summary+=("              arrived: $(grep -m1 '^X-Mugai-Sanitized:' "$f1"); setup.exe and the PDF removed, memo.txt kept as text")
summary+=("              mugai's trace: $(grep -m1 '(original client' "$f1" | sed 's/^[[:space:]]*//')")
summary+=("              Authentication-Results: $(auth_results "$f1")")

# --- 2. before-queue: the sender talks to mugai through Postfix -------------
# A message mugai cannot rebuild is quarantined (the vault keeps it): the
# sender sees mugai's 250 through Postfix, no bounce; the recipient gets a
# notice of what arrived, naming the original's vault id.
S2="before-queue $tag"
S2A="quarantine $tag"
out=$(send "$P_PROXY" "$AMBIG" "$S2A") || die "the ambiguous message was not accepted through the proxy: $out"
qa=$(printf '%s\n' "$out" | queue_id)
wait_for 60 "the quarantine notice in the mailbox" has_delivery "$S2A"
fa=$(delivered "$S2A")
grep -q '^X-Mugai-Sanitized: quarantined; reason=ambiguous' "$fa" || die "$fa: not a quarantine notice"
grep "id=$qa " "$T/mugai.log" | grep -q 'vault=' || die "mugai's log line for $qa names no vault id"
summary+=("before-queue: ambiguous message to Postfix :$P_PROXY -> 250 queued as $qa; the mailbox got the quarantine notice")
out=$(send "$P_PROXY" "$MSG" "$S2") || die "swaks through the proxy failed: $out"
q2=$(printf '%s\n' "$out" | queue_id)
wait_for 60 "the before-queue message in the mailbox" has_delivery "$S2"
check_sanitized "$(delivered "$S2")"
check_origin "$(delivered "$S2")"
summary+=("              clean message to :$P_PROXY -> 250 queued as $q2 (mugai's id) -> mailbox, sanitized")
summary+=("              mugai's trace: $(grep -m1 '(original client' "$(delivered "$S2")" | sed 's/^[[:space:]]*//')")

# --- 3. mugai down: Postfix defers, nothing is lost --------------------------
stop_mugai
S3="deferral $tag"
out=$(send "$P_IN" "$MSG" "$S3") || die "swaks to Postfix :$P_IN (mugai down) failed: $out"
q3=$(printf '%s\n' "$out" | queue_id)
[ -n "$q3" ] || die "no queue id from Postfix: $out"
deferred_seen() { queue | grep -A1 "^$q3" | grep -q -i 'connection refused'; }
wait_for 60 "Postfix to defer $q3" deferred_seen
reason=$(queue | grep -A1 "^$q3" | tail -n 1 | sed 's/^ *//')
has_delivery "$S3" && die "delivered while mugai was down"
summary+=("deferral    : mugai stopped; sent to :$P_IN (queued as $q3); postqueue -p: $reason")
# The before-queue listener has nothing to proxy to: a temporary refusal
# in the sender's session, which the sender retries.
if out=$(send "$P_PROXY" "$MSG" "$S3 proxy"); then die "the proxy accepted a message while mugai was down"; fi
line=$(printf '%s\n' "$out" | grep -m1 '^<\*\* *4[0-9][0-9] ' | sed 's/^<\*\* *//' || true)
[ -n "$line" ] || die "the sender did not get a 4xx from the proxy while mugai was down: $out"
summary+=("              and to :$P_PROXY -> sender saw: $line (retries later)")

# --- 4. mugai back, queue flushed: delivered exactly once -------------------
start_mugai
postqueue -c "$CONF" -f
wait_for 60 "the deferred message in the mailbox" has_delivery "$S3"
check_sanitized "$(delivered "$S3")"
check_origin "$(delivered "$S3")"
queue_empty() { queue | grep -q 'Mail queue is empty'; }
wait_for 30 "an empty Postfix queue" queue_empty
sleep 1 # a duplicate would arrive right behind the first copy
n=$(delivered "$S3" | wc -l)
[ "$n" -eq 1 ] || die "the deferred message arrived $n times"
summary+=("redelivery  : mugai started, postqueue -f -> delivered once ($n copy), queue empty")

total=$(ls "$INBOX" | wc -l)
[ "$total" -eq 4 ] || die "$total messages in the mailbox, want 4"
# Every message mugai accepted has its original in the vault.
stored=$("$T/mugai" vault list -config "$T/mugai.yaml" -limit 100 | tail -n +2 | wc -l)
[ "$stored" -ge 4 ] || die "the vault holds $stored originals, want at least 4"
summary+=("vault       : $stored originals, each with its outcome (mugai vault list)")
say "--- summary ($(( $(date +%s) - started ))s)"
for s in "${summary[@]}"; do say "$s"; done
say "mailbox: $total messages, all sanitized or quarantined; mugai log: $(grep -c 'msg="smtpd: message"' "$T/mugai.log") message lines"
say "PASS"
