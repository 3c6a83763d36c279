#!/usr/bin/env bash
# Container image test: builds the image (scripts/docker-build.sh, nothing
# pulled), runs it with --network host and a config on loopback ports that
# delivers into a maildir mounted from a temporary directory, sends a
# message with swaks and checks the sanitized result, the health check,
# the metrics, the non-root user and the embedded time zones; then stops
# the container.
#
# It runs a Docker engine of its own: dockerd with --bridge=none
# --iptables=false (it changes no network setting of the machine), its
# data and sockets in a temporary directory, stopped at exit. Docker's
# engine is installed from Debian's docker.io when missing. If dockerd
# cannot start on this machine the test is skipped (exit 0) with the
# reason; any other failure fails it. Needs root (dockerd).
#
# Usage: bash scripts/docker-test.sh   (MUGAI_KEEP=1 keeps the temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"

say() { printf 'docker-test: %s\n' "$*"; }
die() { say "FAIL: $*"; exit 1; }

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || die "needs root (dockerd)"
  exec sudo -E bash "$0" "$@"
fi

# --- packages ---------------------------------------------------------------
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v swaks >/dev/null || missing+=(swaks)
[ -f /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The packaged service must not start: it would set up docker0 and
  # iptables rules. Debian's policy-rc.d convention (exit 101: "action
  # forbidden") stops it; an existing policy-rc.d is left as it is.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy=1
  fi
  rc=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
  [ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
  [ $rc -eq 0 ] || die "apt-get install ${missing[*]} failed"
fi
command -v dockerd >/dev/null || die "dockerd not found after installing docker.io"

# --- state, cleanup -----------------------------------------------------------
T=$(mktemp -d /tmp/mugai-docker.XXXXXX)
export DOCKER_HOST=unix://$T/docker.sock
DOCKERD_PID=""
NAME=mugai-test-$$
IMAGE=mugai:test-$$
started=$(date +%s)

stop_dockerd() {
  [ -n "$DOCKERD_PID" ] || return 0
  kill -TERM "$DOCKERD_PID" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$DOCKERD_PID" 2>/dev/null || true
  wait "$DOCKERD_PID" 2>/dev/null || true
  # The containerd that dockerd started, should it have outlived it.
  local cpid
  cpid=$(cat "$T/exec/containerd/containerd.pid" 2>/dev/null || true)
  if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null; then kill -TERM "$cpid" 2>/dev/null || true; sleep 1; kill -KILL "$cpid" 2>/dev/null || true; fi
  DOCKERD_PID=""
}

cleanup() {
  local rc=$?
  if [ -n "$DOCKERD_PID" ]; then
    if [ $rc -ne 0 ]; then
      say "--- container log"; docker logs "$NAME" 2>&1 | tail -n 30 || true
    fi
    docker rm -f "$NAME" >/dev/null 2>&1 || true
    docker rmi -f "$IMAGE" >/dev/null 2>&1 || true
  fi
  stop_dockerd
  if [ $rc -ne 0 ] && [ -f "$T/dockerd.log" ]; then
    say "--- dockerd log (last 20 lines)"; tail -n 20 "$T/dockerd.log" || true
  fi
  # dockerd leaves mounts below its roots (the network namespace file,
  # overlays of a killed container): unmount ours, deepest first.
  { grep -F " $T/" /proc/mounts || true; } | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  if [ -n "${MUGAI_KEEP:-}" ]; then say "kept $T"; else rm -rf "$T" 2>/dev/null || say "could not remove all of $T"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {
  local secs=$1 what=$2; shift 2
  local end=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || die "timed out after ${secs}s waiting for $what"
    sleep 0.3
  done
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    port_open "$p" || { echo "$p"; return 0; }
  done
  die "no free loopback port"
}
# http_get PORT PATH: the response of a plain HTTP/1.0 GET (no curl in
# the image, maybe none here either).
http_get() {
  exec 4<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&4
  timeout 10 cat <&4
  exec 4<&-
}

# --- engine -----------------------------------------------------------------
say "starting dockerd ($(dockerd --version 2>/dev/null | head -n 1))"
dockerd --bridge=none --iptables=false \
  --data-root "$T/data" --exec-root "$T/exec" --pidfile "$T/dockerd.pid" \
  --host "$DOCKER_HOST" >"$T/dockerd.log" 2>&1 &
DOCKERD_PID=$!
end=$(( $(date +%s) + 40 ))
until docker version >/dev/null 2>&1; do
  if ! kill -0 "$DOCKERD_PID" 2>/dev/null || [ "$(date +%s)" -ge "$end" ]; then
    say "dockerd could not start on this machine:"
    grep -i -E 'level=(error|fatal)|failed' "$T/dockerd.log" | tail -n 5 | sed 's/^/  /' || true
    say "SKIP: the container image was not built or tested here (dockerd cannot run)"
    stop_dockerd
    exit 0
  fi
  sleep 0.5
done
say "dockerd up: server $(docker version -f '{{.Server.Version}}' 2>/dev/null)"

# --- image ------------------------------------------------------------------
say "building $IMAGE (two steps: go build here, then FROM scratch)"
VERSION=docker-test bash scripts/docker-build.sh "$IMAGE" >"$T/build.log" 2>&1 || { cat "$T/build.log"; die "image build failed"; }
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
user=$(docker image inspect -f '{{.Config.User}}' "$IMAGE")
[ "$user" = "65532:65532" ] || die "image user is '$user', want 65532:65532"
layers=$(docker history -q "$IMAGE" | wc -l)

# --- run --------------------------------------------------------------------
P_SMTP=$(free_port)
P_HTTP=$(free_port)
[ "$P_SMTP" != "$P_HTTP" ] || P_HTTP=$((P_SMTP + 1))
mkdir -p "$T/outbox"
chown 65532:65532 "$T/outbox"
cat >"$T/mugai.yaml" <<EOF
hostname: mugai-docker.test.invalid
listen:
  smtp: 127.0.0.1:$P_SMTP
  http: 127.0.0.1:$P_HTTP
  # The host's network: no console on a fixed port here.
  console: ""
relay:
  domains: [city.example.lg.jp]
  networks: [127.0.0.0/8]
delivery:
  maildir: /var/spool/mugai/outbox
# The vault as by default, in the working directory. The image's test
# sends from loopback without XFORWARD; sender authentication (tested by
# the relay's tests and the Postfix and HAProxy scripts) is off so that
# nothing asks the machine's resolvers.
auth:
  enabled: false
EOF
chmod 644 "$T/mugai.yaml"

say "running $NAME with --network host (smtp $P_SMTP, http $P_HTTP)"
docker run -d --name "$NAME" --network host \
  -e TZ=Asia/Tokyo \
  -v "$T/mugai.yaml:/etc/mugai/mugai.yaml:ro" \
  -v "$T/outbox:/var/spool/mugai/outbox" \
  --health-interval 1s --health-timeout 5s --health-retries 3 \
  "$IMAGE" >/dev/null
healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$NAME")" = healthy ]; }
wait_for 40 "the container's HEALTHCHECK to say healthy" healthy

out=$(swaks --server "127.0.0.1:$P_SMTP" --from yamada@example.jp --to soumu@city.example.lg.jp \
  --data testdata/golden/mixed-attachments.eml --timeout 30 --hide-informational 2>&1) || die "swaks failed: $out"
reply=$(printf '%s\n' "$out" | grep -m1 '250 2\.0\.0 Ok: queued as' | sed 's/^<- *//')

delivered() { ls "$T/outbox/new/"* >/dev/null 2>&1; }
wait_for 20 "the sanitized message in the mounted maildir" delivered
f=$(ls "$T/outbox/new/"* | head -n 1)
grep -q '^X-Mugai-Sanitized: yes' "$f" || die "no X-Mugai-Sanitized header in $f"
if grep -q -F -e 'TVqQAAMAAAAEAAAA' -e 'JVBERi0xLjQK' "$f"; then die "an attachment's bytes survived in $f"; fi
owner=$(stat -c %u "$f")
[ "$owner" = 65532 ] || die "maildir file owned by uid $owner, want 65532"
# TZ=Asia/Tokyo works without zoneinfo files: time/tzdata is embedded.
grep -q '^Received: .*+0900$' "$f" || grep -A2 '^Received:' "$f" | grep -q '+0900' || die "Received: date not in +0900 (embedded tzdata)"

metrics=$(http_get "$P_HTTP" /metrics)
printf '%s\n' "$metrics" | grep -q '^mugai_messages_total{result="delivered",step="deliver"} 1$' || die "metrics do not show the delivered message"
ready=$(http_get "$P_HTTP" /readyz | tail -n 2 | tr '\n' ' ')
docker exec "$NAME" /usr/local/bin/mugai healthcheck -config /etc/mugai/mugai.yaml -ready >/dev/null || die "mugai healthcheck inside the container failed"

# --- stop -------------------------------------------------------------------
docker stop -t 70 "$NAME" >/dev/null
code=$(docker inspect -f '{{.State.ExitCode}}' "$NAME")
[ "$code" = 0 ] || die "container exit code $code after docker stop"
docker logs "$NAME" 2>&1 | grep -q 'msg=stopped' || die "no clean shutdown in the container log"
# The converter sandbox as the container runtime lets it be (its seccomp
# profile may refuse Landlock's calls): informational.
sandbox=$(docker logs "$NAME" 2>&1 | grep -m1 'msg="sandbox: ' | sed 's/^.*msg="sandbox: //; s/"//' || true)

say "--- summary ($(( $(date +%s) - started ))s)"
say "image: $IMAGE, $(( size / 1024 / 1024 )) MiB ($size bytes, $layers layers), FROM scratch, user $user"
say "health: HEALTHCHECK (mugai healthcheck) healthy; /readyz: $ready"
say "sent mixed-attachments.eml -> 127.0.0.1:$P_SMTP: $reply"
say "arrived in the mounted maildir: $(grep -m1 '^X-Mugai-Sanitized:' "$f"); attachments removed; file owned by uid 65532; dates in +0900"
say "converter sandbox: ${sandbox:-no log line}"
say "docker stop: exit code 0, drained"
say "PASS"
