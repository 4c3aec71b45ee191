# Shared by the probe tests: a simulated cluster (tests/cluster/cluster.sh)
# that is torn down on every exit, and helpers that run commands inside
# its mn namespace so no packet leaves the namespaces the test made.
#
# cluster_up ID ARGS...: skip the whole test when this machine cannot make
# namespaces or lacks snmpd; else start the cluster and source its env.

CLUSTER_SH="$top_srcdir/tests/cluster/cluster.sh"
PROBETOOL="$top_builddir/tests/probetool"
export CLUSTER_DIR="$TESTDIR/cluster"

cluster_cleanup() {
	"$CLUSTER_SH" down >/dev/null 2>&1
	cleanup
}

cluster_up() {
	local why=
	export CLUSTER_ID=$1
	shift
	if [ "$(id -u)" -ne 0 ]; then
		why="needs root for network namespaces"
	else
		for c in ip snmpd snmpget nft unshare nsenter; do
			command -v "$c" >/dev/null || why="$why $c missing"
		done
	fi
	if [ -z "$why" ] && ! ip netns add "sg${CLUSTER_ID}chk" 2>/dev/null; then
		why="cannot create network namespaces here"
	fi
	ip netns del "sg${CLUSTER_ID}chk" 2>/dev/null
	if [ -n "$why" ]; then
		echo "1..0 # SKIP$why"
		exit 0
	fi
	mkdir -p "$CLUSTER_DIR"
	trap cluster_cleanup EXIT
	if [ -x "$top_builddir/tests/cluster/sglisten" ]; then
		export SGLISTEN="$top_builddir/tests/cluster/sglisten"
	fi
	if ! "$CLUSTER_SH" up "$@" >"$TESTDIR/cluster-up.log" 2>&1; then
		echo "Bail out! cluster.sh up failed"
		diag_file "$TESTDIR/cluster-up.log"
		exit 1
	fi
	# shellcheck disable=SC1091
	. "$CLUSTER_DIR/env"
}

# mn CMD...: run CMD inside the cluster's mn namespace.
mn() {
	ip netns exec "$CLUSTER_MN_NS" "$@"
}

# notify_hook FILE: write an exec-notifier program at $TESTDIR/hook that
# appends one line per notification to FILE:
#   EVENT SUBJECT DIMENSION SEVERITY incident=N reason=TEXT
# (run as the agent's user: notify.exec.user = "").
notify_hook() {
	: >"$1"
	cat >"$TESTDIR/hook" <<HOOK
#!/bin/sh
echo "\$SNGUARD_EVENT \$SNGUARD_SUBJECT \$SNGUARD_DIMENSION \$SNGUARD_SEVERITY incident=\$SNGUARD_INCIDENT reason=\$SNGUARD_REASON" >>"$1"
HOOK
	chmod 755 "$TESTDIR/hook"
}

# xcat_db [--sns N] [--backups] [--aix K]: an xCAT database in $DB
# (SQLite, xCAT's DDL) for the cluster's first N SNs (all by default):
# sn1..snN in group service at their cluster addresses, and per SN a
# compute node cI in group rI served by snI -- with --backups, "snI,snJ"
# where snJ is the next SN (round robin); with --aix, the first K SNs are
# AIX. Tests add rows of their own with $XCATFIX.
XCATFIX="$top_builddir/tests/xcatfix"
DB="$TESTDIR/xcat"
xcat_db() {
	local n=$CLUSTER_SNS backups= aix=0 i sep addr
	while [ $# -gt 0 ]; do
		case $1 in
		--sns) n=$2; shift 2 ;;
		--backups) backups=1; shift ;;
		--aix) aix=$2; shift 2 ;;
		*) echo "Bail out! xcat_db: unknown option $1"; exit 1 ;;
		esac
	done
	mkdir -p "$DB"
	{
		echo "INSERT INTO nodelist (node, groups) VALUES"
		for i in $(seq 1 "$n"); do
			sep=,; [ "$i" -eq "$n" ] && sep=';'
			echo "('c$i','r$i'),('sn$i','service')$sep"
		done
	} | "$XCATFIX" "$DB" nodelist
	{
		echo "INSERT INTO noderes (node, servicenode) VALUES"
		for i in $(seq 1 "$n"); do
			sep=,; [ "$i" -eq "$n" ] && sep=';'
			if [ -n "$backups" ] && [ "$n" -gt 1 ]; then
				echo "('r$i','sn$i,sn$((i % n + 1))')$sep"
			else
				echo "('r$i','sn$i')$sep"
			fi
		done
	} | "$XCATFIX" "$DB" noderes
	{
		echo "INSERT INTO hosts (node, ip) VALUES"
		for i in $(seq 1 "$n"); do
			sep=,; [ "$i" -eq "$n" ] && sep=';'
			eval "addr=\$CLUSTER_SN${i}_ADDR"
			echo "('sn$i','$addr')$sep"
		done
	} | "$XCATFIX" "$DB" hosts
	if [ "$aix" -gt 0 ]; then
		{
			echo "INSERT INTO nodetype (node, os) VALUES"
			for i in $(seq 1 "$n"); do
				sep=,; [ "$i" -eq "$n" ] && sep=';'
				if [ "$i" -le "$aix" ]; then
					echo "('sn$i','AIX')$sep"
				else
					echo "('sn$i','rhels8.6')$sep"
				fi
			done
		} | "$XCATFIX" "$DB" nodetype
	fi
}

# agent_start [SN...]: snguardd in the cluster's mn namespace with
# $TESTDIR/snguard.conf and $DB, its log in $log; waits (10 s at most per
# SN) until each SN named is UP.
log="$TESTDIR/daemon.log"
agent_start() {
	local sn
	ip netns exec "$CLUSTER_MN_NS" "$SNGUARDD" -f \
	    -c "$TESTDIR/snguard.conf" --xcatdb "SQLite:$DB" 2>>"$log" &
	DAEMON_PID=$!
	for sn in "$@"; do
		wait_for 10 grep -q "$sn: UNKNOWN -> UP" "$log"
	done
}

# agent_stop: SIGTERM, then check a clean exit and a log without a
# sanitizer report.
agent_stop() {
	local rc
	kill -TERM "$DAEMON_PID"
	wait_for 10 daemon_exited
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=
	check "the daemon stops cleanly (got $rc)" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || tail -n 20 "$log" | diag_file /dev/stdin
	check "no sanitizer report" sh -c "! grep -q Sanitizer '$log'"
}
