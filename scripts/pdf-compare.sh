#!/usr/bin/env bash
# pdf-compare.sh — mugai's PDF reader (sanitize/pdftext) beside
# github.com/ledongthuc/pdf, the library the design card first named, on
# the same files: word recall against pdftotext (poppler-utils, measured
# with internal/recall as in the converters' quality table), time, errors,
# recovered panics, crashes and hangs. One table, per file and per set:
#
#   corpus     the PDFs attached to the messages of the shared corpus
#              ($MUGAI_CORPUS, or ../shared/corpus beside the repository)
#   generated  the documents of pdftext's quality table: Latin prose laid
#              out as word processors, TeX and PDF libraries do, compressed,
#              in object streams, RC4/AES-128/AES-256 encrypted, LZW, 1200
#              and 4000 pages; Japanese Identity-H with ToUnicode; one per
#              kind of CJK font without ToUnicode (90ms-RKSJ-H, EUC-H, H,
#              Identity-H over Adobe-Japan1, UniJIS-UCS2-H, GBK-EUC-H,
#              ETen-B5-H, KSCms-UHC-H)
#   fixture    testdata/fixtures/cjk: Japanese set by pLaTeX and upLaTeX
#   hostile    every document of pdftext's TestHostile* tests (bombs,
#              cycles, huge counts, deep nesting, broken xref tables)
#
# Each reader runs in a child process per file, under rlimits (address
# space $PDF_COMPARE_MEM, default 4 GiB; CPU $PDF_COMPARE_CPU s, default
# 20) and a wall-clock timeout ($PDF_COMPARE_TIMEOUT s, default 30): the
# library can allocate without bound or loop on hostile input. Its driver
# (scripts/pdf-compare/driver.go) is built in a throwaway module in a
# temporary directory, which requires mugai by a replace directive and
# ledongthuc/pdf at $LEDONGTHUC_VERSION: the library never enters mugai's
# go.mod, go.sum or binaries.
#
# Installs poppler-utils when run as root and pdftotext is missing. Not run
# by CI (it fetches a module mugai does not use). Usage:
#   bash scripts/pdf-compare.sh            (from anywhere; about two minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
ver=${LEDONGTHUC_VERSION:-v0.0.0-20260907135840-6c8c28e0e8a0}
mem=${PDF_COMPARE_MEM:-4294967296}
cpu=${PDF_COMPARE_CPU:-20}
wall=${PDF_COMPARE_TIMEOUT:-30}
say() { printf 'pdf-compare: %s\n' "$*" >&2; }

if ! command -v pdftotext >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "installing poppler-utils"
		DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
	else
		say "needs pdftotext (apt-get install poppler-utils)"
		exit 1
	fi
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/pdf" "$T/out" "$T/mod"

say 'writing the documents (go test ./sanitize/pdftext with MUGAI_PDF_SAMPLES)'
MUGAI_PDF_SAMPLES="$T/pdf" go test -count=1 -run '^(TestWriteSamples|TestHostile.*)$' ./sanitize/pdftext >"$T/samples.log" 2>&1 ||
	{ cat "$T/samples.log" >&2; exit 1; }
grep -h 'corpus documents left out' "$T/samples.log" >&2 || true

say "building the driver with github.com/ledongthuc/pdf@$ver in a throwaway module"
sed '1{/^\/\/go:build ignore$/d}' scripts/pdf-compare/driver.go >"$T/mod/main.go"
(
	cd "$T/mod"
	go mod init pdfcompare >/dev/null 2>&1
	go mod edit -require "github.com/mugai/mugai@v0.0.0" -replace "github.com/mugai/mugai=$repo"
	timeout 300 go get "github.com/ledongthuc/pdf@$ver" >/dev/null 2>&1
	timeout 300 go mod tidy >/dev/null 2>&1
	go build -o "$T/driver" .
) || { say "could not build the driver (is the Go module proxy reachable?)"; exit 1; }

# confined READER FILE OUT: run the driver under the rlimits and the
# timeout; OUT.rc gets the exit status and the wall time in nanoseconds.
confined() {
	local start rc
	start=$(date +%s%N)
	set +e
	# The subshell keeps the shell's "Killed" notice for a killed reader
	# off the terminal; the table counts it.
	(
		timeout --foreground -s KILL "$wall" prlimit --as="$mem" --cpu="$cpu" -- "$T/driver" "$1" "$2" >"$3.txt" 2>"$3.err"
		exit $?
	) 2>/dev/null
	rc=$?
	set -e
	echo "$rc $(($(date +%s%N) - start))" >"$3.rc"
}

n=$(ls "$T/pdf" | wc -l)
say "extracting $n documents with pdftotext, mugai's reader and ledongthuc/pdf"
for f in "$T"/pdf/*.pdf; do
	name=$(basename "$f" .pdf)
	timeout 60 pdftotext -q -enc UTF-8 "$f" "$T/out/$name.ref.txt" 2>/dev/null || : >"$T/out/$name.ref.txt"
	confined ours "$f" "$T/out/$name.ours"
	confined ledongthuc "$f" "$T/out/$name.ledongthuc"
done

go run scripts/pdf-compare/table.go "$T"
