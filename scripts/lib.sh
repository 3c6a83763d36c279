# Helpers shared by the operations test scripts (postfix-test.sh,
# haproxy-test.sh). Source it after defining die (print and exit 1).

# wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds.
wait_for() {
  local secs=$1 what=$2; shift 2
  local end=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || die "timed out after ${secs}s waiting for $what"
    sleep 0.2
  done
}

# port_open PORT: something listens on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pick_ports N: the first of N free loopback ports in a row, from a random
# base (a fixed port could be taken by another service on the machine).
pick_ports() {
  local n=$1 base p ok
  for _ in $(seq 1 50); do
    base=$(( 20000 + (RANDOM % 4000) * 10 ))
    ok=1
    for p in $(seq "$base" $((base + n - 1))); do
      if port_open "$p"; then ok=""; break; fi
    done
    if [ -n "$ok" ]; then echo "$base"; return 0; fi
  done
  die "no free loopback ports found"
}

# stop_pid PID: TERM, then KILL after 10 s; only the process we started.
stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# start_testdns DIR ZONEFILE: build and start the tests' DNS server
# (internal/authtest/testdns) on a free loopback port, serving ZONEFILE,
# so that mugai's sender authentication asks nothing beyond loopback
# (its dns.servers). Sets TESTDNS_PID and TESTDNS_ADDR (127.0.0.1:PORT);
# stop it with stop_pid "$TESTDNS_PID".
start_testdns() {
  local dir=$1 zone=$2
  go build -o "$dir/testdns" ./internal/authtest/testdns || die "building testdns failed"
  "$dir/testdns" "$zone" >"$dir/testdns.out" 2>&1 &
  TESTDNS_PID=$!
  testdns_up() { grep -q '^listening ' "$dir/testdns.out"; }
  wait_for 10 "the test DNS server" testdns_up
  TESTDNS_ADDR=$(sed -n 's/^listening //p' "$dir/testdns.out")
  case "$TESTDNS_ADDR" in
    127.*) ;;
    *) die "the test DNS server is not on loopback: $TESTDNS_ADDR" ;;
  esac
}
