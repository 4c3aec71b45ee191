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
