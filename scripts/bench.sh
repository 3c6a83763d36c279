#!/usr/bin/env bash
# Performance harness (docs/performance.md): relay throughput and latency
# against Postfix, with the originals vault off, on SQLite and on
# PostgreSQL; converter speed against w3m, html2text and pdftotext; and
# mugai's peak memory. Prints one table of figures.
#
#   relay:      smtp-source -s 20 ──▶ (a) smtp-sink                (the ceiling)
#                                 ──▶ (b) Postfix ──▶ smtp-sink    (relayhost = the sink)
#                                 ──▶ (c) mugai serve, vault off ──▶ smtp-sink
#                                 ──▶ (d) mugai serve, vault on SQLite (the default) ──▶ smtp-sink
#                                 ──▶ (e) mugai serve, vault on PostgreSQL ──▶ smtp-sink
#   converters: the same HTML and PDF files through mugai and the tools
#   memory:     mugai serve under 50 concurrent 1 MB messages;
#               mugai sanitize on a 100 MB message
#
# Everything runs on loopback ports picked at random; the Postfix instance
# is a separate one in a temporary directory (postfix -c DIR, as in
# scripts/postfix-test.sh). Every loop is bounded in count and time, and
# everything this script starts is stopped at exit. Needs root (Postfix's
# master runs as root); installs its Debian packages when missing. The
# PostgreSQL server is a throwaway one (scripts/pg-start.sh: a Unix socket
# in a temporary directory).
#
# Usage: bash scripts/bench.sh
#   BENCH_REPEAT=N   runs of each measurement; the table shows medians (3)
#   BENCH_SCALE=F    multiply the message counts by F, e.g. 0.2 for a quick
#                    look (1)
#   MUGAI_KEEP=1     keep the temporary directory (inputs, logs, raw figures)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || die "needs root (Postfix's master runs as root)"
  exec sudo -E env "PATH=$PATH" bash "$0" "$@"
fi

REPEAT=${BENCH_REPEAT:-3}
SCALE=${BENCH_SCALE:-1}
[[ "$REPEAT" =~ ^[1-9][0-9]?$ ]] || die "BENCH_REPEAT must be 1 to 99"
[[ "$SCALE" =~ ^[0-9]*\.?[0-9]+$ ]] || die "BENCH_SCALE must be a number"
scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s + 0.5); print (v < 20 ? 20 : v) }'; }

# --- packages ---------------------------------------------------------------
missing=()
command -v smtp-source >/dev/null || missing+=(postfix)
command -v w3m >/dev/null || missing+=(w3m)
command -v html2text >/dev/null || missing+=(html2text)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # No system Postfix instance is configured or started; ours has its own
  # directory.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
getent passwd postfix >/dev/null || die "no postfix user after installing postfix"

# --- state, cleanup -----------------------------------------------------------
T=$(mktemp -d /tmp/mugai-bench.XXXXXX)
chmod 755 "$T" # Postfix's unprivileged daemons walk into the queue below it
PF=$T/postfix
SINK_PID="" TESTDNS_PID="" POSTFIX_STARTED="" PG_STARTED=""
declare -A MUGAI_PID=()
started=$(date +%s)

stop_pid() { # stop_pid PID: TERM, up to 10 s, then KILL; only that process
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_mugai() { # stop_mugai [VARIANT]: one, or all
  local v
  for v in ${1:-${!MUGAI_PID[@]}}; do stop_pid "${MUGAI_PID[$v]:-}"; unset "MUGAI_PID[$v]"; done
}
stop_postfix() {
  [ -n "$POSTFIX_STARTED" ] || return 0
  local pid=""
  [ -f "$PF/spool/pid/master.pid" ] && pid=$(tr -d ' \n' < "$PF/spool/pid/master.pid")
  postfix -c "$PF/etc" stop >/dev/null 2>&1 || true
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
  stop_pid "$SINK_PID"
  stop_pid "$TESTDNS_PID"
  [ -z "$PG_STARTED" ] || bash scripts/pg-start.sh stop >/dev/null 2>&1 || true
  if [ $rc -ne 0 ]; then
    say "--- mugai logs (last 10 lines each)"; tail -n 10 "$T"/mugai-*.log 2>/dev/null >&2 || true
    say "--- Postfix log (last 10 lines)"; tail -n 10 "$PF/maillog" 2>/dev/null >&2 || true
  fi
  if [ -n "${MUGAI_KEEP:-}" ]; then say "kept $T"; else rm -rf "$T"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local secs=$1 what=$2; shift 2
  local end=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || die "timed out after ${secs}s waiting for $what"
    sleep 0.1
  done
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_ports() { # five free loopback ports in a row
  local base p ok
  for _ in $(seq 1 50); do
    # Below Linux's ephemeral range (32768-60999), where the thousands of
    # connections of this run take their local ports.
    base=$(( 22000 + (RANDOM % 1000) * 10 ))
    ok=1
    for p in $(seq "$base" $((base + 4))); do
      if port_open "$p"; then ok=""; break; fi
    done
    if [ -n "$ok" ]; then echo "$base"; return 0; fi
  done
  die "no free loopback ports found"
}
BASE=$(pick_ports)
P_SINK=$BASE P_POSTFIX=$((BASE + 1))
declare -A P_MUGAI=([off]=$((BASE + 2)) [sqlite]=$((BASE + 3)) [pg]=$((BASE + 4)))

# --- build, inputs ------------------------------------------------------------
say "building mugai and the harness; generating inputs in $T/in"
CGO_ENABLED=0 go build -trimpath -o "$T/" ./cmd/mugai ./cmd/mugai-convert
go build -o "$T/mugai-bench" ./cmd/mugai-bench
B=$T/mugai-bench
"$B" gen -dir "$T/in" -big 100
IN=$T/in

# --- the sink, Postfix, mugai ---------------------------------------------------
# smtp-sink -c rewrites a counter line on every message; mugai-bench send reads
# it to know when the last message arrived.
smtp-sink -u nobody -c "127.0.0.1:$P_SINK" 1024 >"$T/sink.log" 2>&1 &
SINK_PID=$!
wait_for 10 "smtp-sink on port $P_SINK" port_open "$P_SINK"

mkdir -p "$PF/etc" "$PF/spool"
install -d -o postfix -g postfix "$PF/data"
# Postfix as an admin runs it in front of a closed network today: the
# defaults, relaying everything from loopback to one relayhost. Only what
# keeps this instance to itself is set: its directories, loopback, no
# chroot, no DNS, no TLS (mugai's next hop has none in this run either).
cat >"$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
myhostname = postfix.mugai-bench.invalid
mydomain = mugai-bench.invalid
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$P_SINK
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps =
alias_database =
biff = no
maillog_file = $PF/maillog
maillog_file_prefixes = $T
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_dns_support_level = disabled
EOF
cat >"$PF/etc/master.cf" <<EOF
127.0.0.1:$P_POSTFIX inet n - n - - smtpd
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
anvil     unix  -  -  n  -     1  anvil
scache    unix  -  -  n  -     1  scache
postlog   unix-dgram n - n -   1  postlogd
EOF
POSTFIX_STARTED=1
postfix -c "$PF/etc" start >/dev/null 2>&1 || die "postfix start failed"
wait_for 20 "Postfix on port $P_POSTFIX" port_open "$P_POSTFIX"
wait_for 10 "Postfix's master.pid" test -s "$PF/spool/pid/master.pid"
POSTFIX_PID=$(tr -d ' \n' < "$PF/spool/pid/master.pid")

# Sender authentication is on, as by default, with its DNS answered by
# a server of the bench's own on loopback (internal/authtest/testdns,
# an empty zone: every name "does not exist"): nothing is asked beyond
# loopback.
go build -o "$T/testdns" ./internal/authtest/testdns || die "building testdns failed"
: >"$T/zone"
"$T/testdns" "$T/zone" >"$T/testdns.out" 2>&1 &
TESTDNS_PID=$!
testdns_up() { grep -q '^listening 127\.' "$T/testdns.out"; }
wait_for 10 "the test DNS server" testdns_up
TESTDNS_ADDR=$(sed -n 's/^listening //p' "$T/testdns.out")

# PostgreSQL for the shared vault (e): a throwaway server of its own.
say "PostgreSQL for the vault"
eval "$(bash scripts/pg-start.sh)"
PG_STARTED=1
PG_PID=$(head -n 1 "$MUGAI_TEST_PG_DIR/data/postmaster.pid")
"$T/mugai" vault keygen -o "$T/vault-identity.txt" -recipients "$T/vault-recipients.txt" >/dev/null

# mugai with the defaults but for its addresses: loopback clients, the
# sink as next hop, room for the 50 sessions of the memory run, sender
# authentication on with the test DNS, and no console. Three variants:
# the vault off, on SQLite in a directory of this run (the embedded
# default), on the PostgreSQL server above.
write_mugai_config() { # write_mugai_config VARIANT VAULT-SECTION
  cat >"$T/mugai-$1.yaml" <<EOF
hostname: mugai.bench.invalid
listen:
  smtp: 127.0.0.1:${P_MUGAI[$1]}
  console: ""
relay:
  networks: [127.0.0.0/8]
delivery:
  next_hop: 127.0.0.1:$P_SINK
  tls: none
limits:
  connections_per_ip: 100
dns:
  servers: ["$TESTDNS_ADDR"]
$2
EOF
}
write_mugai_config off "vault:
  enabled: false"
write_mugai_config sqlite "vault:
  path: $T/vault-sqlite"
write_mugai_config pg "vault:
  backend: postgres
  dsn: \"$MUGAI_TEST_PG_DSN\"
  recipients_file: $T/vault-recipients.txt"
start_mugai() { # start_mugai VARIANT
  "$T/mugai" serve -config "$T/mugai-$1.yaml" >>"$T/mugai-$1.log" 2>&1 &
  MUGAI_PID[$1]=$!
  wait_for 15 "mugai ($1) on port ${P_MUGAI[$1]}" "$T/mugai" healthcheck -config "$T/mugai-$1.yaml"
}
for v in off sqlite pg; do start_mugai "$v"; done

# --- relay ----------------------------------------------------------------------
declare -A PORT=([direct]=$P_SINK [postfix]=$P_POSTFIX [mugai]=${P_MUGAI[off]} [mugai-sqlite]=${P_MUGAI[sqlite]} [mugai-pg]=${P_MUGAI[pg]})
declare -A COUNT=([plain]=$(scaled 2000) [html]=$(scaled 1000) [pdf]=$(scaled 100))
KINDS=(plain html pdf)
PATHS=(direct postfix mugai mugai-sqlite mugai-pg)
RAW=$T/raw.txt # one line per run: what kind path key value
: >"$RAW"

# run_source PATH KIND SESSIONS MESSAGES: smtp-source with the message
# file, timed until the sink counted every message.
run_source() {
  local path=$1 kind=$2 s=$3 m=$4 pid=0
  # CPU of the relay: Postfix's daemons; mugai and its converters; and,
  # for the shared vault, the PostgreSQL server's processes too.
  case $path in
    postfix) pid=$POSTFIX_PID ;;
    mugai) pid=${MUGAI_PID[off]} ;;
    mugai-sqlite) pid=${MUGAI_PID[sqlite]} ;;
    mugai-pg) pid="${MUGAI_PID[pg]},$PG_PID" ;;
  esac
  "$B" send -sink-log "$T/sink.log" -expect "$m" -timeout 300s -cpu-pid "$pid" -- \
    smtp-source -s "$s" -m "$m" -d -f yamada@example.jp -t soumu@city.example.lg.jp \
    -F "$IN/$kind.eml" "127.0.0.1:${PORT[$path]}"
}

say "warming up each path"
for path in "${PATHS[@]}"; do
  for kind in "${KINDS[@]}"; do run_source "$path" "$kind" 5 20 >/dev/null; done
done

# stage_times KIND PATH: from the per-message log lines on stdin, the
# median and 99th percentile of each stage (smtpd's spool, queue, filter,
# deliver, total; the gateway's stage.auth, stage.vault, stage.sanitize,
# stage.requeue)
# as RAW lines "stage KIND PATH STAGE p50|p99 MS".
stage_times() {
  awk '/msg="smtpd: message"/ {
    for (i = 1; i <= NF; i++) {
      n = index($i, "="); k = substr($i, 1, n - 1); v = substr($i, n + 1)
      if (k !~ /^(spool|queue|filter|deliver|total|stage\.auth|stage\.vault|stage\.sanitize|stage\.requeue)$/) continue
      ms = 0
      # A Go duration: 1m2.5s, 1.5s, 850µs, 1.234ms, 120ns, 0s.
      while (match(v, /^[0-9.]+(h|ms|µs|us|ns|m|s)/)) {
        t = substr(v, 1, RLENGTH); v = substr(v, RLENGTH + 1)
        u = t; sub(/^[0-9.]+/, "", u); x = substr(t, 1, length(t) - length(u)) + 0
        if (u == "h") ms += x * 3600000; else if (u == "m") ms += x * 60000; else if (u == "s") ms += x * 1000
        else if (u == "ms") ms += x; else if (u == "ns") ms += x / 1e6; else ms += x / 1000
      }
      sub(/^stage\./, "", k); print k, ms
    } }' | sort -k1,1 -k2,2g |
    awk -v kind="$1" -v path="$2" '
      function flush() { if (n) { printf "stage %s %s %s p50 %.3f\nstage %s %s %s p99 %.3f\n", kind, path, key, v[int((n + 1) / 2)], kind, path, key, v[int(n * 0.99 + 0.999)] } }
      $1 != key { flush(); key = $1; n = 0 }
      { v[++n] = $2 }
      END { flush() }'
}

for r in $(seq 1 "$REPEAT"); do
  for kind in "${KINDS[@]}"; do
    m=${COUNT[$kind]}
    for path in "${PATHS[@]}"; do
      variant="" lines=0
      case $path in mugai) variant=off ;; mugai-*) variant=${path#mugai-} ;; esac
      [ -z "$variant" ] || lines=$(wc -l <"$T/mugai-$variant.log")
      out=$(run_source "$path" "$kind" 20 "$m") || die "$path $kind: $out"
      [ -z "$variant" ] || tail -n +"$((lines + 1))" "$T/mugai-$variant.log" | stage_times "$kind" "$path" >>"$RAW"
      say "run $r/$REPEAT $kind via $path: $m messages, $out"
      eval "$out" # send= done= cpu=
      echo "relay $kind $path send $send" >>"$RAW"
      echo "relay $kind $path done $done" >>"$RAW"
      echo "relay $kind $path cpu $cpu" >>"$RAW"
      # One session alone: the latency of a message when nothing waits.
      m1=$(( m / 20 < 10 ? 10 : m / 20 ))
      out=$(run_source "$path" "$kind" 1 "$m1") || die "$path $kind (1 session): $out"
      eval "$out"
      echo "lat1 $kind $path ms $(awk -v t="$send" -v n="$m1" 'BEGIN { printf "%.3f", 1000 * t / n }')" >>"$RAW"
    done
  done
done

# --- converters -----------------------------------------------------------------
# Whole commands, file to text, the way an admin would run them; the CPU
# time (user + system, children included) is less disturbed by a busy
# machine than the wall clock and is reported beside it.
declare -A TOOL=(
  [mugai]="$T/mugai file FILE"
  [w3m]="w3m -dump -T text/html -I UTF-8 -O UTF-8 FILE"
  [html2text]="html2text -utf8 FILE"
  [pdftotext]="pdftotext -enc UTF-8 FILE -"
)
declare -A RUNS=([news.html]=20 [big.html]=4 [report.pdf]=10 [long.pdf]=3)
run_tool() { # run_tool TOOL FILE N: wall and CPU seconds for N runs
  local cmd=${TOOL[$1]//FILE/$IN/$2}
  timeout 600 /usr/bin/time -f "%e %U %S" -o "$T/time.out" bash -c "for i in \$(seq $3); do $cmd >/dev/null || exit 1; done" \
    || die "$1 on $2 failed"
  awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$T/time.out"
}
say "converters"
for r in $(seq 1 "$REPEAT"); do
  for f in news.html big.html report.pdf long.pdf; do
    n=${RUNS[$f]}
    tools=(mugai w3m html2text)
    kind=html
    case $f in *.pdf) tools=(mugai pdftotext); kind=pdf ;; esac
    for tool in "${tools[@]}"; do
      read -r wall cpu < <(run_tool "$tool" "$f" "$n")
      echo "conv $f $tool wall $(awk -v t="$wall" -v n="$n" 'BEGIN { printf "%.4f", t / n }')" >>"$RAW"
      echo "conv $f $tool cpu $(awk -v t="$cpu" -v n="$n" 'BEGIN { printf "%.4f", t / n }')" >>"$RAW"
    done
    # mugai's converter in-process, as the relay runs it for bodies.
    out=$(timeout 600 "$B" convert -kind "$kind" -n "$n" "$IN/$f") || die "mugai's $kind converter on $f failed"
    eval "$out" # seconds= cpu= bytes=
    echo "conv $f in-process wall $(awk -v t="$seconds" -v n="$n" 'BEGIN { printf "%.4f", t / n }')" >>"$RAW"
    echo "conv $f in-process cpu $(awk -v t="$cpu" -v n="$n" 'BEGIN { printf "%.4f", t / n }')" >>"$RAW"
  done
done

# --- memory -----------------------------------------------------------------------
say "memory: mugai serve with 50 concurrent 1 MB messages (a fresh process; vault off, then on SQLite)"
stop_mugai
for v in off sqlite; do
  start_mugai "$v"
  path=mugai
  [ "$v" = off ] || path=mugai-$v
  for r in 1 2; do # 100 messages: each of the 50 sessions sends two
    out=$(run_source "$path" pdf 50 50) || die "50 sessions ($v): $out"
  done
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/${MUGAI_PID[$v]}/status")
  echo "mem serve50-$v self $hwm" >>"$RAW"
  stop_mugai "$v"
done

say "memory: mugai sanitize on a 100 MB message"
# The size limits raised so the message is sanitized at all; with the
# default limits.convert_size its 73 MB PDF is dropped unread by any
# converter ("too large to convert").
cat >"$T/big.yaml" <<EOF
limits:
  message_size: 128MiB
  part_size: 128MiB
  decoded_size: 256MiB
  sanitize_time: 5m
EOF
big_rss() { # big_rss NAME CONFIG
  local rss_out
  rss_out=$(timeout 600 "$B" rss -- "$T/mugai" sanitize -config "$2" -report "$T/$1.json" <"$IN/big.crlf.eml" 2>&1 >/dev/null) \
    || die "mugai sanitize on the 100 MB message ($1): $rss_out"
  eval "$(printf '%s\n' "$rss_out" | tail -n 1)" # self= tree=
  echo "mem $1 self $self" >>"$RAW"
  echo "mem $1 tree $tree" >>"$RAW"
}
big_rss big "$T/big.yaml"
# The same with the converter handed the whole attachment, to show what
# that costs the child process.
{ cat "$T/big.yaml"; echo "  convert_size: 128MiB"; echo "  convert_time: 2m"; } >"$T/big-convert.yaml"
big_rss bigconv "$T/big-convert.yaml"

# --- the table ------------------------------------------------------------------
med() { # med KEY...: median of the values of RAW lines starting with KEY
  awk -v k="$*" 'index($0, k " ") == 1 { print $NF }' "$RAW" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
size() { stat -c %s "$IN/$1"; }
f1() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.1f", v }'; }
f2() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.2f", v }'; }

echo
echo "mugai performance — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); medians of $REPEAT runs"
echo
echo "Relay: smtp-source, 20 sessions (-s 20 -d); rates counted where the mail arrives (smtp-sink)"
printf '%-6s %-21s %6s %9s %8s %10s %9s %9s %9s %10s\n' kind path msgs "msg/s" "MB/s" "lat20 ms" "+lat20" "lat1 ms" "+lat1" "CPU ms/msg"
declare -A RATE
for kind in "${KINDS[@]}"; do
  m=${COUNT[$kind]}
  bytes=$(size "$kind.crlf.eml")
  for path in "${PATHS[@]}"; do
    done_s=$(med relay "$kind" "$path" done)
    send_s=$(med relay "$kind" "$path" send)
    direct_send=$(med relay "$kind" direct send)
    cpu=$(med relay "$kind" "$path" cpu)
    l1=$(med lat1 "$kind" "$path" ms)
    l1d=$(med lat1 "$kind" direct ms)
    RATE[$kind.$path]=$(awk -v m="$m" -v t="$done_s" 'BEGIN { printf "%.2f", m / t }')
    case $path in
      direct) label="(a) direct to sink" ;;
      postfix) label="(b) Postfix relay" ;;
      mugai) label="(c) mugai, no vault" ;;
      mugai-sqlite) label="(d) mugai, SQLite" ;;
      *) label="(e) mugai, PostgreSQL" ;;
    esac
    # Latency under load by Little's law: 20 sessions always busy, so a
    # message takes 20 × (sender's time) / messages on average.
    awk -v kind="$kind" -v label="$label" -v m="$m" -v t="$done_s" -v b="$bytes" -v s="$send_s" -v sd="$direct_send" \
        -v cpu="$cpu" -v l1="$l1" -v l1d="$l1d" -v path="$path" 'BEGIN {
      l20 = 20000 * s / m; l20d = 20000 * sd / m
      c = (path == "direct") ? "-" : sprintf("%.2f", 1000 * cpu / m)
      printf "%-6s %-21s %6d %9.1f %8.2f %10.2f %9s %9.2f %9s %10s\n", kind, label, m, m / t, m * b / t / 1e6,
        l20, (path == "direct") ? "-" : sprintf("%+.2f", l20 - l20d), l1, (path == "direct") ? "-" : sprintf("%+.2f", l1 - l1d), c }'
  done
done
echo
ratio() { awk -v a="${RATE[$1.$2]}" -v b="${RATE[$1.$3]}" 'BEGIN { printf "%.2f", a / b }'; }
printf 'ratios of msg/s                 %-8s %-8s %-8s\n' plain html pdf
for p in mugai mugai-sqlite mugai-pg; do
  case $p in
    mugai) label="(c)/(b) no vault/Postfix  " target="" ;;
    mugai-sqlite) label="(d)/(b) SQLite/Postfix    " target="target >= 1.5 for plain and html" ;;
    *) label="(e)/(b) PostgreSQL/Postfix" target="target >= 1.5 for plain and html" ;;
  esac
  printf '  %s  %-8s %-8s %-8s   %s\n' "$label" "$(ratio plain "$p" postfix)" "$(ratio html "$p" postfix)" "$(ratio pdf "$p" postfix)" "$target"
done
printf '  (d)/(c) SQLite/no vault     %-8s %-8s %-8s   (what the vault costs)\n' \
  "$(ratio plain mugai-sqlite mugai)" "$(ratio html mugai-sqlite mugai)" "$(ratio pdf mugai-sqlite mugai)"
printf '  (c)/(a) mugai/ceiling       %-8s %-8s %-8s\n' "$(ratio plain mugai direct)" "$(ratio html mugai direct)" "$(ratio pdf mugai direct)"
cpuratio() { awk -v a="$(med relay "$1" postfix cpu)" -v b="$(med relay "$1" "$2" cpu)" 'BEGIN { printf "%.2f", a / b }'; }
for p in mugai mugai-sqlite mugai-pg; do
  printf '  CPU per message, Postfix/%-13s %-8s %-8s %-8s\n' "$p" "$(cpuratio plain "$p")" "$(cpuratio html "$p")" "$(cpuratio pdf "$p")"
done
echo "  (above 1: mugai uses less CPU; steadier than msg/s on a busy machine; (e) counts the PostgreSQL server's CPU too)"
echo
echo "Stages of a message under the 20 sessions, from the per-message log lines: median / p99 ms"
echo "(filter = auth + vault + requeue, the wait for a worker again after them, + sanitize; deliver includes the vault's record of the outcome)"
STAGES=(spool queue auth vault requeue sanitize filter deliver total)
printf '%-6s %-13s' kind path
for st in "${STAGES[@]}"; do printf ' %15s' "$st"; done
echo
for kind in "${KINDS[@]}"; do
  for path in mugai mugai-sqlite mugai-pg; do
    printf '%-6s %-13s' "$kind" "$path"
    for st in "${STAGES[@]}"; do
      printf ' %15s' "$(f2 "$(med stage "$kind" "$path" "$st" p50)")/$(f2 "$(med stage "$kind" "$path" "$st" p99)")"
    done
    echo
  done
done
echo
echo "Converters: whole commands, file to text; ms per file (wall / CPU), MB/s on the wall time"
printf '%-11s %8s  %-26s %9s %9s %8s\n' file KB tool "wall ms" "CPU ms" "MB/s"
for f in news.html big.html report.pdf long.pdf; do
  tools=(in-process mugai w3m html2text)
  case $f in *.pdf) tools=(in-process mugai pdftotext) ;; esac
  bytes=$(size "$f")
  for tool in "${tools[@]}"; do
    wall=$(med conv "$f" "$tool" wall)
    cpu=$(med conv "$f" "$tool" cpu)
    case $tool in
      in-process) label="mugai converter in-process" ;;
      mugai) label="mugai file (+ sandbox)" ;;
      w3m) label="w3m -dump" ;;
      *) label=$tool ;;
    esac
    awk -v f="$f" -v kb="$bytes" -v l="$label" -v w="$wall" -v c="$cpu" 'BEGIN {
      printf "%-11s %8.0f  %-26s %9.1f %9s %8.1f\n", f, kb / 1024, l, 1000 * w, (c == "-") ? "-" : sprintf("%.1f", 1000 * c), kb / w / 1e6 }'
  done
done
ratio() { # ratio FILE TOOL1 TOOL2: "CPU ratio (wall ratio)" of TOOL1 over TOOL2
  awk -v a="$(med conv "$1" "$2" cpu)" -v b="$(med conv "$1" "$3" cpu)" \
      -v c="$(med conv "$1" "$2" wall)" -v d="$(med conv "$1" "$3" wall)" 'BEGIN { printf "%.2f (wall %.2f)", a / b, c / d }'
}
echo "ratios on CPU time (wall time in parentheses)"
echo "  w3m / mugai, converter as the relay runs it (>= 2 is the target): news.html $(ratio news.html w3m in-process)  big.html $(ratio big.html w3m in-process)"
echo "  w3m / mugai file, whole commands:                              news.html $(ratio news.html w3m mugai)  big.html $(ratio big.html w3m mugai)"
echo "  mugai file / pdftotext, whole commands (<= 2 is the target):   report.pdf $(ratio report.pdf mugai pdftotext)  long.pdf $(ratio long.pdf mugai pdftotext)"

echo
echo "Memory: peak RSS (target <= 128 MiB)"
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
echo "  mugai serve, 50 concurrent 1 MB messages (VmHWM), vault off: $(mib "$(med mem serve50-off self)")"
echo "  the same, vault on SQLite:                                   $(mib "$(med mem serve50-sqlite self)")"
echo "  mugai sanitize, 100 MB message (limits.convert_size default): $(mib "$(med mem big self)") (with children: $(mib "$(med mem big tree)"))"
echo "  the same, converter handed the 73 MB PDF (convert_size 128MiB): $(mib "$(med mem bigconv self)") (converter child included: $(mib "$(med mem bigconv tree)"))"
echo
say "done in $(( $(date +%s) - started ))s"
