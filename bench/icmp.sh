#!/bin/sh
# bench/icmp: one round of one echo to each of 50,000 loopback targets
# (127.x.y.z all answer on Linux), pacing off: snguard probe against
# fping -c1 -i0 -t500 -q on the same list, in the same run. Prints wall
# time, CPU time and peak RSS of both and the ratios (goal: wall <= 0.5,
# CPU <= 1, RSS <= 0.5).
#
# Run from a build directory without sanitizers: make bench
set -eu

: "${top_builddir:=.}"
SNGUARD="$top_builddir/snguard"
N=${BENCH_ICMP_TARGETS:-50000}
RUNS=${BENCH_RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/snguard-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

for c in fping /usr/bin/time; do
	if ! command -v "$c" >/dev/null; then
		echo "bench/icmp: $c is needed (apt-get install fping time)" >&2
		exit 1
	fi
done
case "$(nm "$SNGUARD" 2>/dev/null | grep -c __asan_init || true)" in
0) ;;
*) echo "bench/icmp: warning: $SNGUARD is built with sanitizers;" \
	"timings are not meaningful" >&2 ;;
esac

# 127.1.0.1 onwards: N distinct loopback addresses.
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++)
	printf "127.%d.%d.%d\n", 1 + int(i / 62500), int(i / 250) % 250, 1 + i % 250 }' \
    >"$work/targets"

# measure NAME CMD...: the best of RUNS runs; sets wall cpu rss (ms, ms, KiB).
measure() {
	name=$1
	shift
	best_wall= best_cpu= best_rss=
	i=0
	while [ $i -lt "$RUNS" ]; do
		/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" \
		    >"$work/out.$name" 2>"$work/err.$name" || true
		set -- "$@"
		read -r e u s m <"$work/time"
		w=$(awk -v e="$e" 'BEGIN { printf "%d", e * 1000 }')
		c=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000 }')
		if [ -z "$best_wall" ] || [ "$w" -lt "$best_wall" ]; then
			best_wall=$w
			best_cpu=$c
			best_rss=$m
		fi
		i=$((i + 1))
	done
	wall=$best_wall cpu=$best_cpu rss=$best_rss
}

measure snguard "$SNGUARD" probe -q -c 1 -i 0 -t 500 -f "$work/targets"
sg_wall=$wall sg_cpu=$cpu sg_rss=$rss
sg_alive=$(sed -n 's/.* \([0-9]*\) alive.*/\1/p' "$work/out.snguard")
measure fping fping -c1 -i0 -t500 -q -f "$work/targets"
fp_wall=$wall fp_cpu=$cpu fp_rss=$rss
fp_alive=$(grep -c 'xmt/rcv/%loss = 1/1/0%' "$work/err.fping" || true)

printf 'bench/icmp: %d loopback targets, 1 echo each, pacing off (best of %d)\n' \
    "$N" "$RUNS"
printf '  %-8s %8s %8s %10s %8s\n' "" "wall ms" "cpu ms" "rss KiB" "alive"
printf '  %-8s %8d %8d %10d %8s\n' snguard "$sg_wall" "$sg_cpu" "$sg_rss" "$sg_alive"
printf '  %-8s %8d %8d %10d %8s\n' fping "$fp_wall" "$fp_cpu" "$fp_rss" "$fp_alive"
awk -v a="$sg_wall" -v b="$fp_wall" -v c="$sg_cpu" -v d="$fp_cpu" \
    -v e="$sg_rss" -v f="$fp_rss" 'BEGIN {
	printf "  ratio snguard/fping: wall %.2f (goal <= 0.50), cpu %.2f " \
	    "(goal <= 1.00), rss %.2f (goal <= 0.50)\n",
	    a / (b > 0 ? b : 1), c / (d > 0 ? d : 1), e / (f > 0 ? f : 1) }'
if [ "$sg_alive" != "$N" ]; then
	echo "bench/icmp: snguard saw $sg_alive of $N alive" >&2
	exit 1
fi
