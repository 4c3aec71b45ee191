# SNMP notifications received by a real snmptrapd on the mn namespace's
# loopback: SNGUARD-MIB compiles cleanly; a DOWN and its recovery arrive
# as sngSnStateChange on v2c TRAP, v2c INFORM, v3 INFORM and v3 TRAP (our
# persisted engine ID); heartbeats come as TRAPs; snguard notify-test
# reports each destination; an INFORM nobody acknowledges is retried and
# shown by snguard events; no community or passphrase reaches a log.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

MIB="$top_srcdir/mibs/SNGUARD-MIB.txt"
ROOT=.1.3.6.1.4.1.32473.1

# Debian ships no IETF base modules (they are non-free there), so the MIB
# is checked against minimal stand-ins that declare only the names
# SNGUARD-MIB imports.
mkdir "$TESTDIR/mibs"
cat >"$TESTDIR/mibs/SNMPv2-SMI.txt" <<'EOF'
SNMPv2-SMI DEFINITIONS ::= BEGIN
internet OBJECT IDENTIFIER ::= { iso 3 6 1 }
private OBJECT IDENTIFIER ::= { internet 4 }
enterprises OBJECT IDENTIFIER ::= { private 1 }
MODULE-IDENTITY MACRO ::= BEGIN END
OBJECT-TYPE MACRO ::= BEGIN END
NOTIFICATION-TYPE MACRO ::= BEGIN END
Counter32 ::= [APPLICATION 1] IMPLICIT INTEGER (0..4294967295)
Unsigned32 ::= [APPLICATION 2] IMPLICIT INTEGER (0..4294967295)
END
EOF
cat >"$TESTDIR/mibs/SNMPv2-CONF.txt" <<'EOF'
SNMPv2-CONF DEFINITIONS ::= BEGIN
MODULE-COMPLIANCE MACRO ::= BEGIN END
OBJECT-GROUP MACRO ::= BEGIN END
NOTIFICATION-GROUP MACRO ::= BEGIN END
END
EOF
translate() {
	MIBS= snmptranslate -M "$TESTDIR/mibs" -m "$MIB" "$@"
}
if command -v snmptranslate >/dev/null; then
	translate -Tp >"$TESTDIR/tree" 2>"$TESTDIR/mib.err"
	check "snmptranslate -Tp reads SNGUARD-MIB without a diagnostic" \
	    test ! -s "$TESTDIR/mib.err"
	[ -s "$TESTDIR/mib.err" ] && diag_file "$TESTDIR/mib.err"
	check "the tree has the heartbeat at root.0.20" \
	    test "$(translate -IR -On sngHeartbeat 2>&1)" = "$ROOT.0.20"
	check "and sngMonitorHost at root.1.18" \
	    test "$(translate -IR -On sngMonitorHost 2>&1)" = "$ROOT.1.18"
	check "the module's DESCRIPTION says the root is a placeholder" \
	    grep -q 'PLACEHOLDER under the Private Enterprise Number 32473' "$MIB"
else
	ok "# SKIP snmptranslate missing"
fi
if command -v smilint >/dev/null; then
	printf 'path :%s\n' "$TESTDIR/mibs" >"$TESTDIR/smi.conf"
	smilint -c "$TESTDIR/smi.conf" -l 4 "$MIB" >"$TESTDIR/smilint" 2>&1
	check "smilint -l 4 finds nothing in SNGUARD-MIB" \
	    test ! -s "$TESTDIR/smilint"
	[ -s "$TESTDIR/smilint" ] && diag_file "$TESTDIR/smilint"
fi

if ! command -v snmptrapd >/dev/null; then
	echo "1..$test_count # snmptrapd missing: the rest is skipped"
	exit 0
fi

cluster_up p5 --sns 1

XCATFIX="$top_builddir/tests/xcatfix"
DB="$TESTDIR/xcat"
mkdir "$DB"
"$XCATFIX" "$DB" nodelist <<'SQL'
INSERT INTO nodelist (node, groups) VALUES ('c1','r1'),('sn1','service');
SQL
"$XCATFIX" "$DB" noderes <<'SQL'
INSERT INTO noderes (node, servicenode) VALUES ('r1','sn1');
SQL
"$XCATFIX" "$DB" hosts <<SQL
INSERT INTO hosts (node, ip) VALUES ('sn1','$CLUSTER_SN1_ADDR');
SQL

COMMUNITY=Tr4pC0mmunity
AUTH=Tr4pAuthPass
PRIV=Tr4pPrivPass
PORT=16262
DEAD_PORT=16263
write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$TESTDIR/state"; };
probes: { interval = 1; retry_interval = 0.5; startup_spread = 0.5; };
health: { stable_for = 2; witness: { enabled = false; }; };
notify: {
	group_wait = 1;
	heartbeat = 10;
	syslog: { enabled = false; };
	outbox: { backoff = 1; backoff_cap = 2; };
	snmp: {
		inform_timeout = 0.5;
		inform_retries = 1;
		destinations = (
		{ host = "127.0.0.1"; port = $PORT; community = "$COMMUNITY"; },
		{ host = "127.0.0.1"; port = $PORT; community = "$COMMUNITY";
		  kind = "inform"; },
		{ host = "127.0.0.1"; port = $PORT; version = "v3"; kind = "inform";
		  user = "iuser"; auth_passphrase = "$AUTH";
		  priv_passphrase = "$PRIV"; },
		{ host = "127.0.0.1"; port = $PORT; version = "v3";
		  user = "tuser"; auth_passphrase = "$AUTH";
		  priv_passphrase = "$PRIV"; },
		{ host = "127.0.0.1"; port = $DEAD_PORT; community = "$COMMUNITY";
		  kind = "inform"; }
		);
	};
};
CONF

log="$TESTDIR/daemon.log"
start() {
	ip netns exec "$CLUSTER_MN_NS" "$SNGUARDD" -f -c "$TESTDIR/snguard.conf" \
	    --xcatdb "SQLite:$DB" 2>>"$log" &
	DAEMON_PID=$!
}
TRAPLOG="$TESTDIR/traps"
TRAPD_PID=
trapd() {
	cat >"$TESTDIR/trapd.conf" <<EOF
authCommunity log $COMMUNITY
createUser -e $1 tuser SHA $AUTH AES $PRIV
createUser -e $1 iuser SHA $AUTH AES $PRIV
createUser iuser SHA $AUTH AES $PRIV
authUser log tuser
authUser log iuser
EOF
	MIBS= MIBDIRS=/nonexistent ip netns exec "$CLUSTER_MN_NS" snmptrapd -f \
	    -n -On -C -c "$TESTDIR/trapd.conf" -Lf "$TRAPLOG" \
	    -F "TRAP [%P] %V|%v\n" "udp:127.0.0.1:$PORT" >/dev/null 2>&1 &
	TRAPD_PID=$!
}
trap_cleanup() {
	[ -n "$TRAPD_PID" ] && kill "$TRAPD_PID" 2>/dev/null
	cluster_cleanup
}
trap trap_cleanup EXIT
# traps N PATTERN...: at least N received traps match every PATTERN.
traps() {
	local n=$1 f="$TRAPLOG.sel"
	shift
	grep '^TRAP' "$TRAPLOG" >"$f" 2>/dev/null || :
	for p in "$@"; do
		grep -F -- "$p" "$f" >"$f.2"
		mv "$f.2" "$f"
	done
	test "$(wc -l <"$f")" -ge "$n"
}
var() {
	printf '%s.1.%s.0 = %s' "$ROOT" "$1" "$2"
}

start
check "the agent tells the engine ID receivers need" wait_for 10 grep -q \
    "v3 traps from engine ID 0x80007ed905" "$log"
ENGINE=$(sed -n 's/.*v3 traps from engine ID \(0x[0-9a-f]*\), boots \([0-9]*\).*/\1/p' "$log" | head -1)
BOOTS1=$(sed -n 's/.*v3 traps from engine ID 0x[0-9a-f]*, boots \([0-9]*\).*/\1/p' "$log" | head -1)
trapd "$ENGINE"
wait_for 10 grep -q "NET-SNMP version" "$TRAPLOG"
wait_for 10 grep -q "sn1: UNKNOWN -> UP" "$log"

"$CLUSTER_SH" fail sn1 link >/dev/null
PROBLEM="OID: $ROOT.0.1"
if wait_for 30 traps 4 "$PROBLEM" "$(var 1 'STRING: "sn1"')" \
    "$(var 3 'INTEGER: 3')" "$(var 7 'INTEGER: 1')"; then
	ok "a DOWN arrives as sngSnStateChange problem on all four receivers"
else
	not_ok "a DOWN arrives as sngSnStateChange problem on all four receivers"
	diag_file "$TRAPLOG"
	grep -E 'outbox|trap|snmp' "$log" | diag_file /dev/stdin
fi
check "it carries previous state suspect, confirmation pending, critical, the fingerprint and the incident id" \
    traps 1 "$PROBLEM" "$(var 4 'INTEGER: 2')" "$(var 5 'INTEGER: 1')" \
    "$(var 6 'INTEGER: 3')" "$(var 9 'STRING: "sn1/host"')" \
    "$(var 8 'Gauge32: 1')"
for how in "TRAP2, SNMP v2c" "INFORM, SNMP v2c" "INFORM, SNMP v3, user iuser" \
    "TRAP2, SNMP v3, user tuser"; do
	check "received as $how" traps 1 "[$how" "$PROBLEM"
done
check "the first varbinds are sysUpTime.0 then snmpTrapOID.0" \
    sh -c "grep -F '$PROBLEM' '$TRAPLOG' | head -1 | grep -q '^TRAP \[[^]]*\] .1.3.6.1.2.1.1.3.0 = Timeticks: ([0-9]*) [^|]*|.1.3.6.1.6.3.1.1.4.1.0 = OID: $ROOT.0.1|'"
check "the reason names the failed probes" \
    traps 1 "$PROBLEM" "$(var 12 'STRING: "icmp')"
check "RFC 3339 event time" sh -c \
    "grep '$PROBLEM' '$TRAPLOG' | grep -Eq '$ROOT.1.11.0 = STRING: \"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\"'"

"$CLUSTER_SH" heal sn1 link >/dev/null
check "recovery arrives as resolved on all four" wait_for 30 traps 4 \
    "$PROBLEM" "$(var 7 'INTEGER: 6')" "$(var 3 'INTEGER: 1')"
check "the INFORM nobody acknowledges is retried" wait_for 20 grep -q \
    "outbox: problem trap to inform/v2c@127.0.0.1:$DEAD_PORT failed (attempt 2)" "$log"
check "heartbeats arrive as sngHeartbeat with the summary" wait_for 20 \
    traps 1 "OID: $ROOT.0.20" "up=1,suspect=0,down=0" "outbox="
check "as a TRAP to every destination, v3 ones from our engine" traps 1 \
    "[TRAP2, SNMP v3, user iuser" "OID: $ROOT.0.20"

expect_exit 0 "snguard events lists the outbox" \
    "$SNGUARD" events -c "$TESTDIR/snguard.conf"
expect_grep "$TESTDIR/out" "^[0-9]+ +[0-9-]+ [0-9:]+ +1 +problem +trap +sent +1 +trap/v3/tuser@127.0.0.1:$PORT" \
    "a sent v3 trap row"
expect_exit 0 "snguard events --failed" \
    "$SNGUARD" events -c "$TESTDIR/snguard.conf" --failed --json
check "shows only the unacknowledged INFORM, with its error" python3 -c "
import json, sys
rows = json.load(open('$TESTDIR/out'))
assert rows and all(r['destination'] == 'inform/v2c@127.0.0.1:$DEAD_PORT' for r in rows), rows
assert all(r['state'] in ('retry', 'dead') for r in rows), rows
assert 'no acknowledgement' in rows[0]['error'], rows[0]
"

mn "$SNGUARD" notify-test -c "$TESTDIR/snguard.conf" --channel trap \
    >"$TESTDIR/out" 2>"$TESTDIR/err"
check "notify-test fails when one destination does not answer (got $?)" \
    test $? -eq 1
expect_grep "$TESTDIR/out" "^trap +trap/v3/tuser@127.0.0.1:$PORT: delivered$" \
    "notify-test reports the v3 trap delivered"
expect_grep "$TESTDIR/out" "^trap +inform/v3/iuser@127.0.0.1:$PORT: delivered$" \
    "and the v3 inform acknowledged"
expect_grep "$TESTDIR/out" "^trap +inform/v2c@127.0.0.1:$DEAD_PORT: FAILED: no acknowledgement" \
    "and names the one that failed"
check "the test trap reached the receiver as a service change" \
    traps 2 "OID: $ROOT.0.2" "$(var 2 'STRING: "test"')" "run by root"

# A restart counts engineBoots up: v3 traps are still accepted.
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
DAEMON_PID=
start
wait_for 10 grep -q "boots $((BOOTS1 + 1))" "$log"
check "engineBoots counts the restart, same engine ID" \
    grep -q "engine ID $ENGINE, boots $((BOOTS1 + 1))" "$log"
wait_for 10 sh -c "grep -c 'sn1: UNKNOWN -> UP' '$log' | grep -q 2"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "after the restart a v3 TRAP is still accepted" wait_for 30 traps 2 \
    "[TRAP2, SNMP v3, user tuser" "$PROBLEM" "$(var 7 'INTEGER: 1')"
"$CLUSTER_SH" heal sn1 link >/dev/null

check "no community or passphrase in the daemon's log" \
    sh -c "! grep -E '$COMMUNITY|$AUTH|$PRIV' '$log'"
"$SNGUARD" events -c "$TESTDIR/snguard.conf" --json >"$TESTDIR/ev" 2>&1
check "nor in snguard events" sh -c "! grep -E '$COMMUNITY|$AUTH|$PRIV' '$TESTDIR/ev'"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
check "the daemon stops cleanly (got $?)" test $? -eq 0
DAEMON_PID=
check "no sanitizer report" sh -c "! grep -q Sanitizer '$log'"

done_testing
