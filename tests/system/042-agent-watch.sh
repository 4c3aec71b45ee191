# snguardd watches the SNs of the xCAT database: it resolves them through
# xCAT's hosts table, probes them (icmp, snmp, and nim on the AIX one) in
# the simulated cluster, and logs each health transition with the probes'
# evidence: a dead link goes UP -> SUSPECT -> DOWN, a healed one
# DOWN -> RECOVERING -> UP after rise and stable_for; the other SN never
# moves.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p3 --sns 2 --aix 1

XCATFIX="$top_builddir/tests/xcatfix"
DB="$TESTDIR/xcat"
mkdir "$DB"
"$XCATFIX" "$DB" nodelist <<'SQL'
INSERT INTO nodelist (node, groups) VALUES ('c1','r1'),('c2','r1'),
 ('c3','r2'),('sn1','service'),('sn2','service');
SQL
"$XCATFIX" "$DB" noderes <<'SQL'
INSERT INTO noderes (node, servicenode) VALUES ('r1','sn1,sn2'),('r2','sn2,sn1');
SQL
"$XCATFIX" "$DB" nodetype <<'SQL'
INSERT INTO nodetype (node, os) VALUES ('sn1','AIX'),('sn2','rhels8.6');
SQL
"$XCATFIX" "$DB" hosts <<SQL
INSERT INTO hosts (node, ip) VALUES ('sn1','$CLUSTER_SN1_ADDR'),
 ('sn2','$CLUSTER_SN2_ADDR');
SQL

write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$TESTDIR/state"; };
probes: {
	interval = 1;
	retry_interval = 0.5;
	startup_spread = 0.5;
	snmp: { enabled = true; community = "public"; };
	nim: { enabled = true; };
};
health: { stable_for = 2; };
CONF

ip netns exec "$CLUSTER_MN_NS" "$SNGUARDD" -f -c "$TESTDIR/snguard.conf" \
    --xcatdb "SQLite:$DB" \
    2>>"$TESTDIR/daemon.log" &
DAEMON_PID=$!
log="$TESTDIR/daemon.log"

check "sn1 is watched at its hosts-table address, with NIM checks" \
    wait_for 10 grep -q "sn1: watching $CLUSTER_SN1_ADDR, path group unmatched (AIX: NIM checks)" "$log"
check "sn2 is watched" wait_for 10 grep -q "sn2: watching $CLUSTER_SN2_ADDR, path group unmatched\$" "$log"
check "sn1 comes UP with the probes' evidence" wait_for 10 grep -Eq \
    "sn1: UNKNOWN -> UP: icmp echo reply in [0-9.]+ ms; snmp sysUpTime [0-9]+; nim nimesis answers on port 1058, runs" "$log"
check "sn2 comes UP" wait_for 10 grep -q "sn2: UNKNOWN -> UP" "$log"

"$CLUSTER_SH" fail sn1 link >/dev/null
check "a dead link makes sn1 SUSPECT" wait_for 15 grep -q "sn1: UP -> SUSPECT" "$log"
check "then DOWN, with why" wait_for 15 grep -Eq \
    "sn1: SUSPECT -> DOWN: icmp (unreachable|destination unreachable).*; snmp " "$log"
check "DOWN opens the host incident" wait_for 5 grep -q \
    "sn1: incident 1 opened (host, critical)" "$log"
"$CLUSTER_SH" heal sn1 link >/dev/null
check "a healed link makes sn1 RECOVERING" wait_for 20 grep -q \
    "sn1: DOWN -> RECOVERING" "$log"
check "then UP after rise and stable_for" wait_for 20 grep -q \
    "sn1: RECOVERING -> UP" "$log"
check "UP resolves it" wait_for 5 grep -Eq \
    "sn1: incident 1 resolved after [0-9]+ s" "$log"
check "ICMP answers again after the errors of the dead link" grep -Eq "sn1: RECOVERING -> UP: icmp echo reply" "$log"
check "sn2 never left UP" sh -c "! grep -q 'sn2: UP ->' '$log'"

"$CLUSTER_SH" fail sn2 snmpd >/dev/null
sleep 3
check "snmpd down alone does not make sn2 SUSPECT (ICMP still answers)" \
    sh -c "! grep -q 'sn2: UP ->' '$log'"
"$CLUSTER_SH" heal sn2 snmpd >/dev/null

# sn1 dies again within notify.reopen_window: the same incident reopens.
"$CLUSTER_SH" fail sn1 link >/dev/null
check "a second DOWN soon after reopens incident 1" wait_for 20 grep -q \
    "sn1: incident 1 reopened (host, critical)" "$log"

kill -TERM "$DAEMON_PID"
if wait_for 10 daemon_exited; then
	wait "$DAEMON_PID"
	rc=$?
else
	kill -KILL "$DAEMON_PID"
	rc=124
fi
DAEMON_PID=
check "snguardd stops cleanly while probing (got $rc)" [ "$rc" -eq 0 ]
check "no sanitizer report" sh -c "! grep -q Sanitizer '$log'"
check "no SNMP secret in the log" sh -c "! grep -q public '$log'"
check "the state database is private" \
    [ "$(stat -c %a "$TESTDIR/state/snguard.sqlite")" = 600 ]

# A restart restores each SN's history, in state UNKNOWN, and counts on;
# the incident left open is resumed.
: >"$log"
ip netns exec "$CLUSTER_MN_NS" "$SNGUARDD" -f -c "$TESTDIR/snguard.conf" \
    --xcatdb "SQLite:$DB" 2>>"$log" &
DAEMON_PID=$!
check "a restart restores sn1's history" wait_for 10 grep -Eq \
    "sn1: history restored \(last state DOWN, [6-9] transitions\)" "$log"
check "the open incident is resumed, not opened again" wait_for 20 grep -q \
    "sn1: incident 1 resumed (host, critical)" "$log"
"$CLUSTER_SH" heal sn1 link >/dev/null
check "and resolved when sn1 is back" wait_for 20 grep -Eq \
    "sn1: incident 1 resolved after [0-9]+ s" "$log"
kill -TERM "$DAEMON_PID"
wait_for 10 daemon_exited
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
check "second run stops cleanly (got $rc)" [ "$rc" -eq 0 ]
check "no sanitizer report in the second run" \
    sh -c "! grep -q Sanitizer '$log'"

done_testing
