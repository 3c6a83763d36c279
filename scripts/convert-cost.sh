#!/usr/bin/env bash
# The fixed cost of a conversion (docs/performance.md, "Fixed cost per
# conversion"): what every converter child pays before it converts a byte
# — the worker's start-up and the sandbox's set-up — and what that makes of
# `mugai file` on a one-page PDF against pdftotext. Prints one table.
#
# With BASE=REF (a commit, e.g. BASE=main) the same figures are measured
# for that commit too, built from `git archive` in a temporary directory,
# in the same run: commands take turns, so a neighbour's load falls on
# both alike. Medians of N runs; CPU is user + system time of the command
# and its children.
#
# Usage: bash scripts/convert-cost.sh        COST_RUNS=N (default 100)
#        BASE=main bash scripts/convert-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

say() { printf 'convert-cost: %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

N=${COST_RUNS:-100}
[[ "$N" =~ ^[1-9][0-9]{0,3}$ ]] || die "COST_RUNS must be 1 to 9999"
command -v pdftotext >/dev/null || die "needs pdftotext (apt-get install poppler-utils)"

T=$(mktemp -d /tmp/mugai-cost.XXXXXX)
trap 'rm -rf "$T"' EXIT

# The installed layout (mugai-convert beside mugai), mugai alone (it runs
# itself as the worker), and the base commit's mugai.
say "building"
mkdir -p "$T/now" "$T/alone" "$T/in"
CGO_ENABLED=0 go build -trimpath -o "$T/now/" ./cmd/mugai ./cmd/mugai-convert
cp "$T/now/mugai" "$T/alone/mugai"
go build -o "$T/mugai-bench" ./cmd/mugai-bench
"$T/mugai-bench" gen -dir "$T/in"
printf 'hello\n' >"$T/in/tiny.txt"
if [ -n "${BASE:-}" ]; then
  mkdir -p "$T/src" "$T/base"
  git archive "$BASE" | tar -x -C "$T/src"
  (cd "$T/src" && CGO_ENABLED=0 go build -trimpath -o "$T/base/" ./cmd/mugai ./cmd/mugai-convert)
  # Its own harness: the worker protocol may differ between commits.
  (cd "$T/src" && go build -o "$T/base/" ./cmd/mugai-bench)
fi

# inits BINARY: the package initializers' clock time and allocations at
# start (GODEBUG=inittrace=1), the least of 21 runs: their times are
# wall clock, which a busy machine only ever lengthens.
inits() {
  for _ in $(seq 21); do
    { GODEBUG=inittrace=1 "$@" 2>&1 >/dev/null || true; } | awk '/^init /{ms+=$5; b+=$8} END{printf "%.2f %d\n", ms, b}'
  done | sort -n | head -n 1
}

cmds=()
labels=()
add() { labels+=("$1"); cmds+=("$2"); }
[ -n "${BASE:-}" ] && add "mugai version (base)" "$T/base/mugai version"
add "mugai version" "$T/now/mugai version"
[ -n "${BASE:-}" ] && add "mugai file tiny.txt (base: mugai __convert, no sandbox)" "$T/base/mugai file $T/in/tiny.txt"
add "mugai file tiny.txt (mugai __convert, sandboxed)" "$T/alone/mugai file $T/in/tiny.txt"
add "mugai file tiny.txt (mugai-convert, sandboxed)" "$T/now/mugai file $T/in/tiny.txt"
[ -n "${BASE:-}" ] && add "mugai file small.pdf (base)" "$T/base/mugai file $T/in/small.pdf"
add "mugai file small.pdf (mugai __convert)" "$T/alone/mugai file $T/in/small.pdf"
add "mugai file small.pdf (mugai-convert)" "$T/now/mugai file $T/in/small.pdf"
add "pdftotext small.pdf" "pdftotext -enc UTF-8 $T/in/small.pdf -"

say "timing ${#cmds[@]} commands, $N runs each, in turns"
"$T/mugai-bench" time -n "$N" "${cmds[@]}" >"$T/times"
say "one conversion from a long-running parent (go test -bench ./cmd/mugai ./sandbox)"
go test -run '^$' -bench 'ConvertWorker' -benchtime "${N}x" -count 3 ./cmd/mugai >"$T/bench.txt"
go test -run '^$' -bench 'ConvertOverhead' -benchtime "${N}x" -count 3 ./sandbox >>"$T/bench.txt"

printf 'mugai conversion fixed cost — %s, %s CPUs, load average %s; medians of %s runs\n\n' \
  "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$N"
printf '%-58s %9s %9s\n' "whole commands" "wall ms" "CPU ms"
declare -A cpu wall
i=0
while read -r w c _; do
  printf '%-58s %9.2f %9.2f\n' "${labels[$i]}" "$w" "$c"
  cpu[${labels[$i]}]=$c
  wall[${labels[$i]}]=$w
  i=$((i + 1))
done <"$T/times"
ratio() { awk -v a="${cpu[$1]}" -v b="${cpu[$2]}" -v c="${wall[$1]}" -v d="${wall[$2]}" 'BEGIN{printf "%.2f (wall %.2f)", a/b, c/d}'; }
echo "  mugai file / pdftotext on small.pdf, CPU (target <= 1.5): $(ratio "mugai file small.pdf (mugai-convert)" "pdftotext small.pdf")"
if [ -n "${BASE:-}" ]; then
  echo "  the same for the base:                                    $(ratio "mugai file small.pdf (base)" "pdftotext small.pdf")"
fi

printf '\n%-58s %9s %9s\n' "package initializers at start (inittrace, least of 21)" "ms" "KB"
show_inits() { read -r ms b < <(inits "${@:2}"); printf '%-58s %9.2f %9d\n' "$1" "$ms" "$((b / 1024))"; }
[ -n "${BASE:-}" ] && show_inits "mugai (base)" "$T/base/mugai" version
show_inits "mugai" "$T/now/mugai" version
show_inits "mugai-convert" "$T/now/mugai-convert" </dev/null

# bench NAME COLUMN: the median of the three runs' figure in COLUMN.
bench() { awk -v n="$1" -v c="$2" '$1 ~ "^Benchmark" n "-[0-9]+$" {print $c}' "$T/bench.txt" | sort -n | sed -n 2p; }
printf '\n%-58s %9s %9s\n' "one conversion of 6 bytes of text, as the relay runs it" "wall ms" "CPU ms"
for w in mugai-convert mugai_convert; do
  printf '%-58s %9.2f %9.2f\n' "worker $w" "$(awk -v n="$(bench "ConvertWorker/$w" 3)" 'BEGIN{print n / 1e6}')" "$(bench "ConvertWorker/$w" 5)"
done
for mode in confined unconfined; do
  printf '%-58s %9.2f %9.2f\n' "sandbox test binary as worker, $mode" "$(awk -v n="$(bench "ConvertOverhead/$mode" 3)" 'BEGIN{print n / 1e6}')" "$(bench "ConvertOverhead/$mode" 5)"
done
printf '%-58s %9.3f %9s\n' "in-process (flatten.Convert)" "$(awk -v n="$(bench "ConvertOverhead/in-process" 3)" 'BEGIN{print n / 1e6}')" "-"
echo "  worker mugai_convert is mugai re-executed (no mugai-convert installed beside it);"
echo "  confined − unconfined is the sandbox's set-up in each worker (Landlock, seccomp, descriptors);"
echo "  on a busy machine compare CPU: Landlock's all-thread step waits for every thread to be scheduled"

# What a conversion of a real attachment costs beyond the conversion: the
# bench's 680 KB report, from a long-running parent (mugai-bench worker:
# medians per conversion), the worker's Go runtime as it starts and with
# other settings, and the same conversion in-process.
PDF_N=$(( N < 20 ? 20 : N ))
printf '\n%-44s %9s %11s %11s\n' "one conversion of report.pdf (680 KB)" "wall ms" "parent CPU" "worker CPU"
row() { # row LABEL BENCH [ENV]
  local out
  out=$("$2" worker -exe "$(dirname "$2")/mugai-convert" -n "$PDF_N" -env "${3:-}" "$T/in/report.pdf") || return 0
  eval "$out" # wall_ms= parent_ms= worker_ms= n=
  printf '%-44s %9.2f %11.2f %11.2f\n' "$1" "$wall_ms" "$parent_ms" "$worker_ms"
}
for r in 1 2; do # twice, in turns: the spread is the noise
  if [ -n "${BASE:-}" ] && "$T/base/mugai-bench" worker 2>&1 | grep -q usage; then
    row "worker (base)" "$T/base/mugai-bench"
  fi
  cp "$T/mugai-bench" "$T/now/"
  row "worker" "$T/now/mugai-bench"
  row "worker, GOGC=off" "$T/now/mugai-bench" GOGC=off
  row "worker, GOMAXPROCS=1" "$T/now/mugai-bench" GOMAXPROCS=1
done
"$T/mugai-bench" convert -kind pdf -n "$PDF_N" "$T/in/report.pdf" >"$T/inproc"
eval "$(cat "$T/inproc")" # seconds= cpu= bytes=
printf '%-44s %9.2f %11s %11.2f\n' "in-process (pdftext.Extract)" "$(awk -v s="$seconds" -v n="$PDF_N" 'BEGIN{print 1000 * s / n}')" "-" \
  "$(awk -v c="$cpu" -v n="$PDF_N" 'BEGIN{print 1000 * c / n}')"
echo "  worker − in-process is the worker's start, sandbox, reading the file and writing the text;"
echo "  parent CPU is starting the worker, feeding it the file and reading its result"
