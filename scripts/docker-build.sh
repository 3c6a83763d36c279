#!/usr/bin/env bash
# Builds the mugai container image without pulling any base image: the
# static binary is built here with Go, then copied into a FROM scratch
# image (see Dockerfile). The build context is a temporary directory, so
# nothing is left in the work tree.
#
# Usage: scripts/docker-build.sh [TAG]          (default mugai:latest)
# Environment: DOCKER (the docker command, default "docker"; DOCKER_HOST
# works as usual), VERSION (default: git describe), SSL_CERT_FILE (the CA
# bundle to copy, default /etc/ssl/certs/ca-certificates.crt).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

tag=${1:-mugai:latest}
docker=${DOCKER:-docker}
ca=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
[ -f "$ca" ] || { echo "docker-build: no CA bundle at $ca (apt-get install ca-certificates)" >&2; exit 1; }

ctx=$(mktemp -d /tmp/mugai-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/dist/rootfs/tmp" "$ctx/dist/state/mugai" "$ctx/config"
chmod 1777 "$ctx/dist/rootfs/tmp"
chmod 700 "$ctx/dist/state/mugai"

# Static (no cgo: scratch has no libc), reproducible paths (-trimpath),
# no symbol table (-s -w: stack traces keep their function names).
# mugai and its conversion worker, mugai-convert, which mugai runs for
# each attachment when it is installed beside it.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$ctx/dist/" ./cmd/mugai ./cmd/mugai-convert
cp "$ca" "$ctx/dist/ca-certificates.crt"
cp config/mugai.yaml "$ctx/config/mugai.yaml"
# The licence of the Adobe CMap tables compiled into mugai (BSD: it goes
# with every copy of the binary).
cp sanitize/pdftext/cmaps.LICENSE "$ctx/dist/cmaps.LICENSE"
cp Dockerfile .dockerignore "$ctx/"

$docker build -t "$tag" "$ctx"
