#!/bin/sh
# bench/snmove: snmove -s sn1 -d sn2 -D sn2-c -i on 10,000 and 100,000
# nodes that inherit servicenode=sn1,sn2 from a group, with the fake xCAT
# commands, against the floor of sqlite3 executing the same node-level
# upserts in one transaction, in the same run.
#
# Run from a build directory without sanitizers: make bench
set -eu

: "${top_builddir:=.}"
SNMOVE="$top_builddir/snmove"
XCATFIX="$top_builddir/tests/xcatfix"
FAKEXCAT="$top_builddir/tests/fakexcat/fakexcat"
RUNS=${BENCH_RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/snguard-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

if ! command -v sqlite3 >/dev/null; then
	echo "bench/snmove: sqlite3 is needed (apt-get install sqlite3)" >&2
	exit 1
fi
case "$(nm "$SNMOVE" 2>/dev/null | grep -c __asan_init || true)" in
0) ;;
*) echo "bench/snmove: warning: $SNMOVE is built with sanitizers;" \
	"timings are not meaningful" >&2 ;;
esac

mkdir "$work/bin"
for c in xdsh nodeset updatenode makeconservercf; do
	ln -s "$(cd "$(dirname "$FAKEXCAT")" && pwd)/fakexcat" "$work/bin/$c"
done
cat >"$work/snguard.conf" <<CONF
xcat: { bin_path = "$work/bin"; settle = 0; system_resolver = false; };
state: { dir = "$work/state"; };
CONF
chmod 600 "$work/snguard.conf"
export SNGUARD_CONF="$work/snguard.conf"
unset FAKEXCAT_LOG FAKEXCAT_SCENARIO SNGUARD_XCAT_PATH

# make_db DIR N: N compute nodes inheriting everything from "compute".
make_db() {
	mkdir -p "$1"
	awk -v n="$2" 'BEGIN {
		print "BEGIN;"
		for (i = 1; i <= n; i++)
			printf "INSERT INTO nodelist (node, groups) VALUES " \
			    "(\x27cn%06d\x27,\x27compute,all\x27);\n", i
		print "INSERT INTO nodelist (node, groups) VALUES " \
		    "(\x27sn1\x27,\x27service\x27),(\x27sn2\x27,\x27service\x27);"
		print "COMMIT;"
	}' | "$XCATFIX" "$1" nodelist
	echo "INSERT INTO noderes (node, servicenode, xcatmaster, tftpserver,
	    nfsserver) VALUES ('compute','sn1,sn2','sn1-c','sn1-c','sn1-c');" |
		"$XCATFIX" "$1" noderes
	echo "INSERT INTO nodehm (node, conserver) VALUES ('compute','sn1');" |
		"$XCATFIX" "$1" nodehm
	echo "INSERT INTO nodetype (node, os, provmethod) VALUES
	    ('compute','rhels9.4','netboot');" | "$XCATFIX" "$1" nodetype
	echo "INSERT INTO hosts (node, ip) VALUES
	    ('compute','|\\D+(\\d+)|10.(\$1/65536).((\$1/256)%256).(\$1%256)|'),
	    ('sn1','172.20.0.1'),('sn2','172.20.0.2');" | "$XCATFIX" "$1" hosts
	echo "INSERT INTO site (key, value) VALUES ('master','172.20.0.254');" |
		"$XCATFIX" "$1" site
}

# The floor's SQL: the same rows upserted in one transaction.
make_floor_sql() {
	awk -v n="$2" -v dir="$1" 'BEGIN {
		printf "ATTACH \x27%s/noderes.sqlite\x27 AS r;\n", dir
		printf "ATTACH \x27%s/nodehm.sqlite\x27 AS h;\n", dir
		print "BEGIN IMMEDIATE;"
		for (i = 1; i <= n; i++) {
			printf "INSERT INTO r.noderes (node, servicenode, " \
			    "xcatmaster, tftpserver, nfsserver) VALUES " \
			    "(\x27cn%06d\x27,\x27sn2,sn1\x27,\x27sn2-c\x27," \
			    "\x27sn2-c\x27,\x27sn2-c\x27) ON CONFLICT(node) DO " \
			    "UPDATE SET servicenode=excluded.servicenode, " \
			    "xcatmaster=excluded.xcatmaster, " \
			    "tftpserver=excluded.tftpserver, " \
			    "nfsserver=excluded.nfsserver;\n", i
			printf "INSERT INTO h.nodehm (node, conserver) VALUES " \
			    "(\x27cn%06d\x27,\x27sn2\x27) ON CONFLICT(node) DO " \
			    "UPDATE SET conserver=excluded.conserver;\n", i
		}
		print "COMMIT;"
	}'
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# best OF: the fastest of $RUNS runs of "$OF" on a fresh copy of the base.
best() {
	best=
	i=0
	while [ $i -lt "$RUNS" ]; do
		rm -rf "$work/run" "$work/state"
		cp -r "$base" "$work/run"
		t0=$(now_ms)
		"$@"
		t1=$(now_ms)
		ms=$((t1 - t0))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
		i=$((i + 1))
	done
	echo "$best"
}

run_snmove() {
	XCATCFG="SQLite:$work/run" "$SNMOVE" -s sn1 -d sn2 -D sn2-c -i \
		>"$work/out" 2>&1 || { tail -c 2000 "$work/out" >&2; exit 1; }
}

run_floor() {
	sqlite3 :memory: <"$work/floor-$n.sql" >/dev/null
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b < 1) b = 1; printf "%.2f", a / b }'
}

for n in 10000 100000; do
	base="$work/db$n"
	make_db "$base" "$n"
	make_floor_sql "$work/run" "$n" >"$work/floor-$n.sql"
	s=$(best run_snmove)
	moved=$(sqlite3 "$work/run/noderes.sqlite" \
		"SELECT count(*) FROM noderes WHERE servicenode = 'sn2,sn1'")
	[ "$moved" -eq "$n" ] ||
		{ echo "bench/snmove: moved $moved of $n nodes" >&2; exit 1; }
	f=$(best run_floor)
	eval "s_$n=$s"
	echo "snmove $n nodes: 'snmove -s sn1 -d sn2 -D sn2-c -i' ${s} ms vs" \
		"sqlite3 upsert floor ${f} ms: ratio $(ratio "$s" "$f")"
done
echo "snmove linearity (time per node, 100k over 10k):" \
	"$(ratio "$((s_100000 / 10))" "$s_10000") (1.00 is linear)"
