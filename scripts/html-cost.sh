#!/usr/bin/env bash
# The whole HTML path (docs/performance.md, "The whole HTML path"): CPU of
# `mugai sanitize` on one large newsletter made of the real HTML bodies of
# the mail corpus (../shared/corpus, or $MUGAI_CORPUS), against `w3m -dump`
# of the same HTML, and the sanitizer in-process with its profile's top
# stages. Prints one table.
#
# With BASE=REF (a commit, e.g. BASE=main) the same is measured for that
# commit too, built from `git archive` in a temporary directory, in the
# same run: commands take turns, so a neighbour's load falls on all alike.
# Medians of N runs; CPU is user + system time of the command and its
# children.
#
# Usage: bash scripts/html-cost.sh        HTML_RUNS=N (default 7)
#        BASE=main bash scripts/html-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

say() { printf 'html-cost: %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

N=${HTML_RUNS:-7}
[[ "$N" =~ ^[1-9][0-9]{0,2}$ ]] || die "HTML_RUNS must be 1 to 999"
command -v w3m >/dev/null || die "needs w3m (apt-get install w3m)"
CORPUS=${MUGAI_CORPUS:-../shared/corpus}
[ -d "$CORPUS" ] || die "no corpus at $CORPUS (set MUGAI_CORPUS)"

T=$(mktemp -d /tmp/mugai-html.XXXXXX)
trap 'rm -rf "$T"' EXIT

say "building"
mkdir -p "$T/now"
CGO_ENABLED=0 go build -trimpath -o "$T/now/" ./cmd/mugai ./cmd/mugai-convert
go build -o "$T/mugai-bench" ./cmd/mugai-bench
if [ -n "${BASE:-}" ]; then
  mkdir -p "$T/src" "$T/base"
  git archive "$BASE" | tar -x -C "$T/src"
  (cd "$T/src" && CGO_ENABLED=0 go build -trimpath -o "$T/base/" ./cmd/mugai ./cmd/mugai-convert)
fi
info=$("$T/mugai-bench" newsletter -corpus "$CORPUS" -html "$T/news.html" -eml "$T/news.eml")
eval "$info" # parts= html_bytes= eml_bytes=

# mugai sanitize reads the message on standard input: a two-line wrapper,
# since mugai-bench time runs commands without a shell.
cat >"$T/sanitize.sh" <<'SH'
#!/bin/sh
exec "$1" sanitize <"$2" >/dev/null
SH
chmod +x "$T/sanitize.sh"
cmds=() labels=()
add() { labels+=("$1"); cmds+=("$2"); }
[ -n "${BASE:-}" ] && add "mugai sanitize (base)" "$T/sanitize.sh $T/base/mugai $T/news.eml"
add "mugai sanitize" "$T/sanitize.sh $T/now/mugai $T/news.eml"
add "w3m -dump" "w3m -dump -T text/html -I UTF-8 -O UTF-8 $T/news.html"
say "timing ${#cmds[@]} commands, $N runs each, in turns"
"$T/mugai-bench" time -n "$N" "${cmds[@]}" >"$T/times"
"$T/mugai-bench" sanitize -n "$N" -cpuprofile "$T/cpu.prof" "$T/news.eml" >"$T/inproc"
eval "$(cat "$T/inproc")" # seconds= cpu= bytes=

printf 'mugai whole HTML path — %s, %s CPUs, load average %s; medians of %s runs\n' \
  "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$N"
printf 'newsletter: %s real HTML parts of the corpus, %s bytes of HTML, %s bytes as a message\n\n' "$parts" "$html_bytes" "$eml_bytes"
printf '%-40s %9s %9s\n' "whole commands" "wall ms" "CPU ms"
declare -A cpu
i=0
while read -r w c _; do
  printf '%-40s %9.1f %9.1f\n' "${labels[$i]}" "$w" "$c"
  cpu[${labels[$i]}]=$c
  i=$((i + 1))
done <"$T/times"
printf '%-40s %9s %9.1f\n' "sanitizer in-process (mugai-bench)" "-" "$(awk -v c="$cpu" -v n="$N" 'BEGIN { print 1000 * c / n }')"
ratio() { awk -v a="${cpu[$1]}" -v b="${cpu[$2]}" 'BEGIN { printf "%.2f", a / b }'; }
echo "  w3m / mugai sanitize, CPU (target >= 5): $(ratio "w3m -dump" "mugai sanitize")"
[ -n "${BASE:-}" ] && echo "  the same for the base:                    $(ratio "w3m -dump" "mugai sanitize (base)")"
echo
echo "the sanitizer's stages in-process (share of its CPU; go tool pprof -top -cum)"
go tool pprof -top -cum "$T/mugai-bench" "$T/cpu.prof" 2>/dev/null |
  awk '$6 ~ /sanitize\.\(\*walker\)\.(leaf|text|cutPayloads|textLinks)$|htmltext\.Convert$|charset\.DecodeCarrier$|textclean\.Text$|payload\.Find$|mimeparse\.\(\*qpReader\)\.Read$|sha256\.Sum256$|\(\*outMessage\)\.write$|x\/net\/html\.\(\*Tokenizer\)\.Next$/ { printf "  %-58s %6s\n", $6, $5 }'
