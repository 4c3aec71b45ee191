#!/bin/sh
# bench/detect: how fast snguardd tells that an SN died, and what it costs.
#
# Latency: a simulated cluster of 50 SNs (tests/cluster/cluster.sh:
# network namespaces, a real snmpd per SN), snguardd with the default
# probe intervals, ICMP and SNMP, group_wait 0 and an SNMPv2c trap
# destination on the mn namespace's loopback, where a small UDP listener
# timestamps every datagram. Twenty times (BENCH_DETECT_REPS), at a random
# moment, one SN's link is cut; the latency is the time from the cut to
# the first trap that names that SN. Printed: median and p95, against the
# bound fall x retry_interval + timeout, against the worst case of the
# schedule (a full interval before the first failed round), and against
# xCAT's own monitoring cadence (3 minutes).
#
# Footprint: snguardd watching 500 SNs (loopback addresses in a namespace
# of their own, one snmpd answering for all) at the default intervals;
# RSS and CPU over 60 s after the start-up spread, against the goals
# (32 MiB, 2 % of one core).
#
# Needs root, snmpd and python3. Run from a build without sanitizers:
# make bench
set -u

: "${top_builddir:=.}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
B=$(cd "$top_builddir" && pwd)
SNGUARDD="$B/snguardd"
XCATFIX="$B/tests/xcatfix"
CLUSTER_SH="$top_srcdir/tests/cluster/cluster.sh"
REPS=${BENCH_DETECT_REPS:-20}
NSNS=${BENCH_DETECT_SNS:-50}
NFOOT=${BENCH_DETECT_FOOTPRINT_SNS:-500}
TRAP_PORT=16263

work=$(mktemp -d "${TMPDIR:-/tmp}/snguard-bench.XXXXXX")
export CLUSTER_DIR="$work/cluster" CLUSTER_ID="bd$(($$ % 100))"
FOOT_NS="sgfoot$$"
dpid=''
lpid=''
spid=''

cleanup() {
	for p in $dpid $lpid $spid; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	"$CLUSTER_SH" down >/dev/null 2>&1
	ip netns del "$FOOT_NS" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" -ne 0 ] || ! command -v snmpd >/dev/null ||
    ! command -v python3 >/dev/null; then
	echo "bench/detect: skipped (needs root, snmpd and python3)"
	exit 0
fi
if nm "$SNGUARDD" 2>/dev/null | grep -q __asan_init; then
	echo "bench/detect: warning: $SNGUARDD is built with sanitizers;" \
	    "timings and footprint are not meaningful" >&2
fi

# --- Latency ---
echo "bench/detect: starting a cluster of $NSNS SNs..."
mkdir "$CLUSTER_DIR"
if ! "$CLUSTER_SH" up --sns "$NSNS" >"$work/up.log" 2>&1; then
	echo "bench/detect: cluster.sh up failed" >&2
	tail -20 "$work/up.log" >&2
	exit 1
fi
# shellcheck disable=SC1091
. "$CLUSTER_DIR/env"

mkdir "$work/xcat"
{
	echo "INSERT INTO nodelist (node, groups) VALUES"
	for i in $(seq 1 "$NSNS"); do
		printf "('sn%d','service'),('c%d','r%d')%s\n" "$i" "$i" "$i" \
		    "$([ "$i" -lt "$NSNS" ] && echo , || echo ';')"
	done
} | "$XCATFIX" "$work/xcat" nodelist
{
	echo "INSERT INTO noderes (node, servicenode) VALUES"
	for i in $(seq 1 "$NSNS"); do
		printf "('r%d','sn%d')%s\n" "$i" "$i" \
		    "$([ "$i" -lt "$NSNS" ] && echo , || echo ';')"
	done
} | "$XCATFIX" "$work/xcat" noderes
{
	echo "INSERT INTO hosts (node, ip) VALUES"
	for i in $(seq 1 "$NSNS"); do
		printf "('sn%d','10.%d.0.2')%s\n" "$i" "$i" \
		    "$([ "$i" -lt "$NSNS" ] && echo , || echo ';')"
	done
} | "$XCATFIX" "$work/xcat" hosts

# The trap listener: one line per datagram, "receive-time-ns SN" for each
# SN whose name is in it as an OCTET STRING.
cat >"$work/listen.py" <<'PY'
import socket, sys, time
port, out, names = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
enc = [(n, b"\x04" + bytes([len(n)]) + n.encode()) for n in names]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
with open(out, "w") as f:
    while True:
        data = s.recv(65535)
        t = time.time_ns()
        for n, e in enc:
            if e in data:
                f.write("%d %s\n" % (t, n))
        f.flush()
PY
names=$(for i in $(seq 1 "$NSNS"); do printf 'sn%d ' "$i"; done)
# shellcheck disable=SC2086
ip netns exec "$CLUSTER_MN_NS" python3 "$work/listen.py" "$TRAP_PORT" \
    "$work/traps" $names &
lpid=$!

cat >"$work/snguard.conf" <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$work/state"; };
probes: { snmp: { enabled = true; }; };
health: { witness: { enabled = false; }; };
notify: { group_wait = 0; syslog: { enabled = false; };
	snmp: { destinations = ( { host = "127.0.0.1"; port = $TRAP_PORT;
		version = "v2c"; kind = "trap"; community = "public"; } ); }; };
CONF
chmod 600 "$work/snguard.conf"
ip netns exec "$CLUSTER_MN_NS" "$SNGUARDD" -f -c "$work/snguard.conf" \
    --xcatdb "SQLite:$work/xcat" 2>"$work/daemon.log" &
dpid=$!
# Every SN UP first (the first rounds are spread over one interval).
n=0
while [ "$(grep -c ': UNKNOWN -> UP' "$work/daemon.log")" -lt "$NSNS" ]; do
	n=$((n + 1))
	if [ $n -ge 600 ] || ! kill -0 "$dpid" 2>/dev/null; then
		echo "bench/detect: not every SN came UP" >&2
		tail -20 "$work/daemon.log" >&2
		exit 1
	fi
	sleep 0.1
done

: >"$work/latency"
for r in $(seq 1 "$REPS"); do
	sn=$(( (r - 1) % NSNS + 1 ))
	# A random moment within one probe interval.
	sleep "$(awk -v s="$r$$$(date +%N)" 'BEGIN { srand(s); printf "%.3f", rand() * 10 }')"
	t0=$(date +%s%N)
	"$CLUSTER_SH" fail "sn$sn" link >/dev/null
	got=
	for _ in $(seq 1 1200); do
		got=$(awk -v t="$t0" -v n="sn$sn" '$1 > t && $2 == n { print $1; exit }' \
		    "$work/traps")
		[ -n "$got" ] && break
		sleep 0.05
	done
	"$CLUSTER_SH" heal "sn$sn" link >/dev/null &
	spid=$!
	if [ -z "$got" ]; then
		echo "bench/detect: no trap for sn$sn within 60 s" >&2
		exit 1
	fi
	echo $(((got - t0) / 1000000)) >>"$work/latency"
	printf '  run %2d: sn%-3d %6d ms\n' "$r" "$sn" "$(tail -1 "$work/latency")"
	wait "$spid"
	spid=
done
kill "$dpid"
wait "$dpid"
dpid=

# The bound from the defaults: health.fall x probes.retry_interval + the
# ICMP verdict time (the three attempts' timeouts, backoff 1.5), and the
# schedule's worst case: up to one interval (+5 % jitter) before the
# first failed round, fall verdicts, fall - 1 retry delays.
sort -n "$work/latency" | awk -v reps="$REPS" '
{ v[NR] = $1 }
END {
	fall = 3; retry = 2.0; interval = 10.0; t = 0.5; verdict = 0
	for (i = 0; i < 3; i++) { verdict += t; t *= 1.5 }
	bound = fall * retry + verdict
	worst = interval * 1.05 + fall * verdict + (fall - 1) * retry * 1.05
	med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	p95 = v[int(0.95 * NR + 0.999999)]
	printf "bench/detect: latency from link cut to trap, %d runs, 50 SNs, defaults\n", NR
	printf "  median %.2f s, p95 %.2f s, min %.2f s, max %.2f s\n", med / 1000, p95 / 1000, v[1] / 1000, v[NR] / 1000
	printf "  bound fall x retry_interval + timeout = %.2f s: p95 - bound = %+.2f s (goal: <= +1 s)\n", bound, p95 / 1000 - bound
	printf "  schedule worst case (interval + %d verdicts + %d retries) = %.2f s: p95 - worst = %+.2f s\n", fall, fall - 1, worst, p95 / 1000 - worst
	printf "  ratio median/xCAT 3-min cadence: %.3f; p95/xCAT: %.3f\n", med / 180000, p95 / 180000
}'
"$CLUSTER_SH" down >/dev/null 2>&1

# --- Footprint: 500 SNs on loopback addresses ---
echo "bench/detect: footprint with $NFOOT SNs..."
ip netns add "$FOOT_NS"
ip -n "$FOOT_NS" link set lo up
cat >"$work/snmpd.conf" <<CONF
agentaddress udp:0.0.0.0:161
rocommunity public
CONF
SNMP_PERSISTENT_DIR="$work/persist" ip netns exec "$FOOT_NS" \
    snmpd -f -C -c "$work/snmpd.conf" -Lf "$work/snmpd.log" &
spid=$!
mkdir "$work/foot"
addr() { printf '127.2.%d.%d' $(($1 / 250)) $(($1 % 250 + 1)); }
{
	echo "INSERT INTO nodelist (node, groups) VALUES"
	for i in $(seq 1 "$NFOOT"); do
		printf "('sn%d','service'),('c%d','r%d')%s\n" "$i" "$i" "$i" \
		    "$([ "$i" -lt "$NFOOT" ] && echo , || echo ';')"
	done
} | "$XCATFIX" "$work/foot" nodelist
{
	echo "INSERT INTO noderes (node, servicenode) VALUES"
	for i in $(seq 1 "$NFOOT"); do
		printf "('r%d','sn%d')%s\n" "$i" "$i" \
		    "$([ "$i" -lt "$NFOOT" ] && echo , || echo ';')"
	done
} | "$XCATFIX" "$work/foot" noderes
{
	echo "INSERT INTO hosts (node, ip) VALUES"
	for i in $(seq 1 "$NFOOT"); do
		printf "('sn%d','%s')%s\n" "$i" "$(addr "$i")" \
		    "$([ "$i" -lt "$NFOOT" ] && echo , || echo ';')"
	done
} | "$XCATFIX" "$work/foot" hosts
cat >"$work/foot.conf" <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$work/footstate"; };
probes: { snmp: { enabled = true; }; };
notify: { syslog: { enabled = false; }; };
CONF
chmod 600 "$work/foot.conf"
ip netns exec "$FOOT_NS" "$SNGUARDD" -f -c "$work/foot.conf" \
    --xcatdb "SQLite:$work/foot" 2>"$work/foot.log" &
dpid=$!
WARM=${BENCH_DETECT_WARMUP:-70}
MEASURE=${BENCH_DETECT_MEASURE:-60}
sleep "$WARM"
ticks() { awk '{ print $14 + $15 }' "/proc/$dpid/stat"; }
c0=$(ticks)
sleep "$MEASURE"
c1=$(ticks)
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$dpid/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$dpid/status")
up=$(grep -c ': UNKNOWN -> UP' "$work/foot.log")
hz=$(getconf CLK_TCK)
awk -v c=$((c1 - c0)) -v hz="$hz" -v s="$MEASURE" -v rss="$rss" -v hwm="$hwm" \
    -v n="$NFOOT" -v up="$up" 'BEGIN {
	cpu = 100 * c / hz / s
	printf "bench/detect: footprint watching %d SNs (%d UP), default intervals, icmp+snmp\n", n, up
	printf "  RSS %.1f MiB (peak %.1f MiB): ratio to the 32 MiB goal %.2f\n", rss / 1024, hwm / 1024, rss / 1024 / 32
	printf "  CPU %.2f %% of one core over %d s: ratio to the 2 %% goal %.2f\n", cpu, s, cpu / 2
}'
