#!/usr/bin/env bash
# attack-bounds.sh — measure what each hostile input of the adversarial
# suite costs the built binary: `mugai sanitize` is run once per input
# (testdata/attacks/*.eml, plus the big inputs the test generates: 10,000-deep
# nesting, 100,000 parts, megabyte header lines, an oversized message, and
# 700,000 "=ybegin name=" lines as a text body and in a .gz, the notice
# amplification of issue 11) and a
# table gives the outcome, the wall time, the peak memory and the limit that
# stopped it. Targets (docs/attacks.md): every input answered within
# TARGET_SECONDS (2) and TARGET_MIB (128 MiB), converter processes included.
# Exits 1 when a target is missed or an outcome differs from attacks.json,
# after printing every figure. Not run by CI: timings on a shared machine are
# noisy. Usage: scripts/attack-bounds.sh   (from anywhere in the repo)
#
# Memory is measured two ways, because GNU time's "Maximum resident set
# size" is ru_maxrss from wait4(2): on Linux the largest single process of
# the tree (mugai, or one converter child, which mugai waited for), not
# their sum — while a converter runs, both are resident. So the script also
# polls /proc every few milliseconds and sums the RSS of every mugai process
# descending from the run. The target is checked against the larger of the
# two. Polling can miss a spike shorter than its interval; GNU time cannot.
set -euo pipefail

TARGET_SECONDS=${TARGET_SECONDS:-2}
TARGET_MIB=${TARGET_MIB:-128}
RUN_TIMEOUT=${RUN_TIMEOUT:-30}     # one input: killed after this many seconds
TOTAL_TIMEOUT=${TOTAL_TIMEOUT:-900} # the whole script
POLL=${POLL:-0.01}                 # seconds between /proc samples

cd "$(dirname "$0")/.."
deadline=$((SECONDS + TOTAL_TIMEOUT))

if [ ! -x /usr/bin/time ] || ! /usr/bin/time --version 2>&1 | grep -q GNU; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "installing GNU time (Debian package \"time\")" >&2
		timeout 300 apt-get install -y --no-install-recommends time >/dev/null
	else
		echo "attack-bounds: needs GNU time as /usr/bin/time (Debian: apt-get install time)" >&2
		exit 1
	fi
fi

work=$(mktemp -d)
poller_fd=
cleanup() {
	# Only what this script started: the run in flight, if any.
	if [ -n "${run_pid:-}" ] && kill -0 "$run_pid" 2>/dev/null; then
		kill "$run_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building mugai..." >&2
timeout 300 go build -o "$work/" ./cmd/mugai ./cmd/mugai-convert
echo "generating the big inputs..." >&2
timeout 300 go test ./sanitize -run '^TestAttacks$' -count=1 -args -attacks.dump="$work/gen" >/dev/null
printf 'sanitize:\n  images: reencode\n' >"$work/reencode.yaml"
"$work/mugai" check-config "$work/reencode.yaml" >/dev/null

page_kb=$(($(getconf PAGESIZE) / 1024))
# A file descriptor nothing is ever written to: "read -t" on it sleeps
# without starting a process per sample.
exec {poller_fd}<> <(:)

# tree_rss ROOT: sets rss_kb to the summed RSS of the mugai processes in
# the process tree under ROOT (the GNU time process). One pass over
# /proc/*/stat with the read builtin (about 1 ms here): no process is
# started per sample, so the poller takes little CPU from the run it
# measures. A process whose name holds a space is skipped; ours are named
# time, timeout and mugai.
tree_rss() {
	local -A kids=() names=()
	local f p c s pp rest total=0 rss
	local -a queue
	for f in /proc/[0-9]*/stat; do
		read -r p c s pp rest 2>/dev/null <"$f" || continue
		[[ $c == *")" ]] || continue
		kids[$pp]+=" $p"
		names[$p]=$c
	done
	queue=("$1")
	while [ ${#queue[@]} -gt 0 ]; do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		if [ "${names[$p]:-}" = "(mugai)" ] && read -r _ rss _ 2>/dev/null <"/proc/$p/statm"; then
			total=$((total + rss * page_kb))
		fi
		# shellcheck disable=SC2206 # word splitting of the pid list is intended
		queue+=(${kids[$p]:-})
	done
	rss_kb=$total
}

# seconds "h:mm:ss" or "m:ss.ss" from GNU time.
seconds() {
	awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$1"
}

failures=0
rows=()
while IFS=$'\t' read -r name class want images path; do
	if [ $SECONDS -ge $deadline ]; then
		echo "attack-bounds: TOTAL_TIMEOUT reached before $name" >&2
		failures=$((failures + 1))
		break
	fi
	cfg=()
	[ "$images" = reencode ] && cfg=(-config "$work/reencode.yaml")
	rm -f "$work/report.json"
	/usr/bin/time -v -o "$work/time.txt" \
		timeout -k 2 "$RUN_TIMEOUT" "$work/mugai" sanitize "${cfg[@]}" -report "$work/report.json" \
		<"$path" >"$work/out.eml" 2>"$work/err.txt" &
	run_pid=$!
	peak_kb=0
	while kill -0 "$run_pid" 2>/dev/null; do
		tree_rss "$run_pid"
		[ "$rss_kb" -gt "$peak_kb" ] && peak_kb=$rss_kb
		read -r -t "$POLL" -u "$poller_fd" || true
	done
	wait "$run_pid" || true
	run_pid=

	code=$(sed -n 's/^[[:space:]]*Exit status: //p' "$work/time.txt")
	wall=$(seconds "$(sed -n 's/^[[:space:]]*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")")
	max_kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$work/time.txt")
	size=$(stat -c %s "$path")

	case "$code" in
	0) outcome="0 sanitized" ;;
	2) outcome="2 $(sed -n 's/^mugai: rejected: [0-9]* [0-9.]* //p' "$work/err.txt" | cut -d' ' -f1-4)" ;;
	124 | 137) outcome="killed after ${RUN_TIMEOUT}s" ;;
	*) outcome="$code $(head -c 60 "$work/err.txt")" ;;
	esac
	# The limit that stopped it: the rejection's reason, or the first
	# converter limit in the report (compression ratio, PDF stream size,
	# archive depth, pixels, time).
	limit=-
	if [ "$code" = 2 ]; then
		limit=$(sed -n 's/^mugai: rejected: [0-9]* [0-9.]* //p' "$work/err.txt" | sed 's/^ambiguous MIME structure[^:]*: //')
	elif [ -f "$work/report.json" ]; then
		limit=$(sed -n 's/^ *"reason": "\(\(limit\|depth\|timeout\|too-large\|crash\): .*\)",\{0,1\}$/\1/p' "$work/report.json" | head -1)
		limit=${limit:--}
	fi
	limit=$(cut -c1-70 <<<"$limit" | sed 's/\\"/"/g')

	peak_mib=$(awk -v a="$max_kb" -v b="$peak_kb" 'BEGIN { printf "%.1f", (a > b ? a : b) / 1024 }')
	problems=()
	awk -v w="$wall" -v t="$TARGET_SECONDS" 'BEGIN { exit !(w > t) }' && problems+=("SLOW")
	awk -v m="$peak_mib" -v t="$TARGET_MIB" 'BEGIN { exit !(m > t) }' && problems+=("BIG")
	case "$want:$code" in
	sanitized:0 | rejected:2) ;;
	*) problems+=("want $want") ;;
	esac
	verdict=ok
	[ ${#problems[@]} -eq 0 ] || verdict=$(
		IFS=,
		echo "${problems[*]}"
	)
	[ "$verdict" = ok ] || failures=$((failures + 1))
	# "-": the run ended before a sample saw it (then only one process
	# was ever resident at a time, and GNU time's figure is the peak).
	sampled=-
	[ "$peak_kb" -gt 0 ] && sampled=$(awk -v k="$peak_kb" 'BEGIN { printf "%.1f", k / 1024 }')
	rows+=("$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$class" "$name" "$size" "$outcome" "$wall" \
		"$(awk -v k="$max_kb" 'BEGIN { printf "%.1f", k / 1024 }')" "$sampled" "$limit" "$verdict")")
done <"$work/gen/index.tsv"

{
	printf 'class\tattack\tinput bytes\toutcome (exit, reason)\twall s\tmax RSS one process MiB\tsampled tree RSS MiB\tlimit that stopped it\ttarget\n'
	printf '%s\n' "${rows[@]}"
} | column -t -s $'\t'
echo
echo "targets: ${TARGET_SECONDS} s and ${TARGET_MIB} MiB per input (GNU time max RSS: largest single process;"
echo "sampled tree RSS: mugai and its converter children summed, every ${POLL} s); $failures missed"
[ "$failures" -eq 0 ]
