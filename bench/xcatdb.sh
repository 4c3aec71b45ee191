#!/bin/sh
# bench/xcatdb: snguard's reading of an xCAT database against the floor of
# sqlite3 reading the same tables whole, in the same run, at 10,000 and
# 100,000 nodes (racks of 40 nodes; servicenode inherited from the rack
# group, xcatmaster a regex value on the "all" group, a few node rows).
#
# Run from a build directory without sanitizers: make bench
set -eu

: "${top_builddir:=.}"
SNGUARD="$top_builddir/snguard"
XCATFIX="$top_builddir/tests/xcatfix"
RUNS=${BENCH_RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/snguard-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

if ! command -v sqlite3 >/dev/null; then
	echo "bench/xcatdb: sqlite3 is needed (apt-get install sqlite3)" >&2
	exit 1
fi
case "$(nm "$SNGUARD" 2>/dev/null | grep -c __asan_init || true)" in
0) ;;
*) echo "bench/xcatdb: warning: $SNGUARD is built with sanitizers;" \
	"timings are not meaningful" >&2 ;;
esac

# make_db DIR N: an xCAT database of N compute nodes.
make_db() {
	mkdir -p "$1"
	awk -v n="$2" 'BEGIN {
		print "BEGIN;"
		for (i = 1; i <= n; i++) {
			r = int((i - 1) / 40) + 1
			printf "INSERT INTO nodelist (node, groups) VALUES " \
			    "(\x27cn%d\x27,\x27rack%d,compute,all\x27);\n", i, r
		}
		for (s = 1; s <= n / 1000 + 1; s++)
			printf "INSERT INTO nodelist (node, groups) VALUES " \
			    "(\x27sn%d\x27,\x27service\x27);\n", s
		print "COMMIT;"
	}' | "$XCATFIX" "$1" nodelist
	awk -v n="$2" 'BEGIN {
		print "BEGIN;"
		racks = int((n - 1) / 40) + 1
		for (r = 1; r <= racks; r++) {
			s = int((r - 1) / 25) + 1
			printf "INSERT INTO noderes (node, servicenode, " \
			    "tftpserver, nfsserver) VALUES (\x27rack%d\x27," \
			    "\x27sn%d,sn%d\x27,\x27sn%d-c\x27,\x27sn%d-c\x27);\n",
			    r, s, s + 1, s, s
		}
		printf "INSERT INTO noderes (node, xcatmaster, monserver) " \
		    "VALUES (\x27all\x27,\x27|cn(\\d+)|sn(($1-1)/1000+1)-c|\x27," \
		    "\x27mn,mn-c\x27);\n"
		for (i = 1; i <= n; i += 97)
			printf "INSERT INTO noderes (node, tftpserver) VALUES " \
			    "(\x27cn%d\x27,\x27own-tftp\x27);\n", i
		print "COMMIT;"
	}' | "$XCATFIX" "$1" noderes
	echo "INSERT INTO nodehm (node, mgt, conserver) VALUES
	    ('compute','ipmi','mn');" | "$XCATFIX" "$1" nodehm
}

# best_ms CMD...: the fastest of $RUNS runs, in milliseconds.
best_ms() {
	best=
	i=0
	while [ $i -lt "$RUNS" ]; do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
		i=$((i + 1))
	done
	echo "$best"
}

# floor DIR TABLE...: sqlite3 reading the tables whole in one process.
floor() {
	dir=$1
	shift
	sql=
	for t in "$@"; do
		sql="$sql ATTACH '$dir/$t.sqlite' AS $t; SELECT * FROM $t.$t;"
	done
	sqlite3 :memory: "$sql"
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b < 1) b = 1; printf "%.2f", a / b }'
}

for n in 10000 100000; do
	db="$work/db$n"
	make_db "$db" "$n"
	export XCATCFG="SQLite:$db"
	count=$("$SNGUARD" nodes compute | wc -l)
	[ "$count" -eq "$n" ] || { echo "bench: expected $n nodes, got $count" >&2; exit 1; }

	s1=$(best_ms "$SNGUARD" nodes all)
	f1=$(best_ms floor "$db" nodelist)
	s2=$(best_ms "$SNGUARD" nodes -a \
		servicenode,xcatmaster,tftpserver,nfsserver,monserver,conserver all)
	f2=$(best_ms floor "$db" nodelist noderes nodehm)
	eval "s1_$n=$s1 s2_$n=$s2"
	echo "xcatdb $n nodes: 'nodes all' ${s1} ms vs sqlite3 floor ${f1} ms:" \
		"ratio $(ratio "$s1" "$f1")"
	echo "xcatdb $n nodes: 'nodes -a 6 attributes all' ${s2} ms vs" \
		"sqlite3 floor ${f2} ms: ratio $(ratio "$s2" "$f2")"
done
echo "xcatdb linearity (time per node, 100k over 10k): 'nodes all'" \
	"$(ratio "$((s1_100000 / 10))" "$s1_10000"), 'nodes -a'" \
	"$(ratio "$((s2_100000 / 10))" "$s2_10000") (1.00 is linear)"
