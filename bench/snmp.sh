#!/bin/sh
# bench/snmp: one GET sysUpTime.0 to each of 1,000 targets served by one
# snmpd listening on a /22 of loopback addresses inside a network
# namespace this script makes: snguard probe -T snmp (default 1 ms pacing)
# against snmpget run for the same 1,000 one after another, and against
# the limit -- snmpd's own answering rate, measured with the engine at
# full concurrency without overflowing snmpd's socket (-i 0 -w 16: no
# pacing, 16 requests in flight). Prints the times and the ratios.
#
# Needs root (a network namespace). Run from a build directory without
# sanitizers: make bench
set -eu

: "${top_builddir:=.}"
SNGUARD="$(cd "$top_builddir" && pwd)/snguard"
N=${BENCH_SNMP_TARGETS:-1000}
NS="sgbench$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/snguard-bench.XXXXXX")
pid=

cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" -ne 0 ] || ! command -v snmpd >/dev/null ||
    ! command -v snmpget >/dev/null; then
	echo "bench/snmp: skipped (needs root, snmpd and snmpget)"
	exit 0
fi
case "$(nm "$SNGUARD" 2>/dev/null | grep -c __asan_init || true)" in
0) ;;
*) echo "bench/snmp: warning: $SNGUARD is built with sanitizers;" \
	"timings are not meaningful" >&2 ;;
esac

ip netns add "$NS"
ip -n "$NS" link set lo up
# In a namespace every 127/8 address is local: 127.1.0.0/22 is the /22.
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf "127.1.%d.%d\n", int(i / 256), i % 256 }' >"$work/targets"
cat >"$work/snmpd.conf" <<CONF
agentaddress udp:0.0.0.0:161
rocommunity public
CONF
SNMP_PERSISTENT_DIR="$work/persist" ip netns exec "$NS" \
    snmpd -f -C -c "$work/snmpd.conf" -Lf "$work/snmpd.log" &
pid=$!
i=0
until ip netns exec "$NS" snmpget -v2c -c public -t 1 -r 0 -On 127.1.0.1 \
    1.3.6.1.2.1.1.3.0 >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -ge 50 ]; then
		echo "bench/snmp: snmpd did not start" >&2
		exit 1
	fi
	sleep 0.1
done

# time_ms CMD...: wall time of CMD in ms (ns clock via date).
time_ms() {
	t0=$(date +%s%N)
	"$@" >"$work/out" 2>&1 || true
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

paced=$(time_ms ip netns exec "$NS" "$SNGUARD" probe -T snmp -q -i 1 \
    -f "$work/targets")
paced_alive=$(sed -n 's/.* \([0-9]*\) alive.*/\1/p' "$work/out")
limit=$(time_ms ip netns exec "$NS" "$SNGUARD" probe -T snmp -q -i 0 -w 16 \
    -f "$work/targets")
limit_alive=$(sed -n 's/.* \([0-9]*\) alive.*/\1/p' "$work/out")
sequential=$(time_ms ip netns exec "$NS" sh -c "$(
	cat <<'SH'
while read -r a; do
	snmpget -v2c -c public -t 1 -r 1 -On "$a" 1.3.6.1.2.1.1.3.0 ||
	    echo "FAILED $a"
done
SH
)" <"$work/targets")
seq_failed=$(grep -c FAILED "$work/out" || true)

printf 'bench/snmp: %d targets on one snmpd, GET sysUpTime.0 each\n' "$N"
printf '  snguard, 1 ms pacing:          %6d ms  (%s alive)\n' "$paced" "$paced_alive"
printf '  snguard, -i 0 -w 16 (limit):   %6d ms  (%s alive)\n' "$limit" "$limit_alive"
printf '  snmpget x %d, sequential:    %6d ms  (%s failed)\n' "$N" "$sequential" "$seq_failed"
awk -v p="$paced" -v l="$limit" -v s="$sequential" 'BEGIN {
	if (p < 1) p = 1; if (l < 1) l = 1
	printf "  ratio snguard/snmpget-sequential: %.3f (%.0fx faster)\n", p / s, s / p
	printf "  ratio snguard/limit: %.2f (pacing alone needs %d ms)\n", p / l, '"$N"'
	printf "  ratio limit/snmpget-sequential: %.3f\n", l / s }'
if [ "$paced_alive" != "$N" ] || [ "$limit_alive" != "$N" ]; then
	echo "bench/snmp: not every target answered" >&2
	exit 1
fi
