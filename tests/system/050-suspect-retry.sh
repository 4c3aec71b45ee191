# A suspect SN is probed again after probes.retry_interval, not after a
# whole probes.interval (health.md §3): the round that makes it SUSPECT
# has already planned the next one when the state machine says so, and
# that plan must be redone. With interval 10 s and retry_interval 0.5 s,
# the two more failed rounds that make it DOWN take about 2 x (2.4 s ICMP
# verdict + 0.5 s), far less than the 10 s interval alone.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p11 --sns 1

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
write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$TESTDIR/state"; };
probes: { interval = 10; retry_interval = 0.5; startup_spread = 0.5;
	snmp: { enabled = false; }; };
health: { witness: { enabled = false; }; };
notify: { syslog: { enabled = false; }; };
CONF
log="$TESTDIR/daemon.log"
ip netns exec "$CLUSTER_MN_NS" "$SNGUARDD" -f -c "$TESTDIR/snguard.conf" \
    --xcatdb "SQLite:$DB" 2>>"$log" &
DAEMON_PID=$!
wait_for 10 grep -q "sn1: UNKNOWN -> UP" "$log"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "sn1 goes SUSPECT" wait_for 20 grep -q "sn1: UP -> SUSPECT" "$log"
check "then DOWN" wait_for 20 grep -q "sn1: SUSPECT -> DOWN" "$log"

# ms TEXT: the log line's time in ms since the epoch.
ms() {
	date -d "$(grep -m1 "$1" "$log" | cut -d' ' -f1)" +%s%3N
}
gap=$(($(ms "sn1: SUSPECT -> DOWN") - $(ms "sn1: UP -> SUSPECT")))
check "SUSPECT to DOWN took two retries, not an interval ($gap ms < 9000)" \
    [ "$gap" -lt 9000 ]
"$CLUSTER_SH" heal sn1 link >/dev/null
check "back from DOWN" wait_for 30 grep -q "sn1: DOWN -> RECOVERING" "$log"

kill -TERM "$DAEMON_PID"
wait_for 10 daemon_exited
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
check "the daemon stops cleanly (got $rc)" [ "$rc" -eq 0 ]
check "no sanitizer report" sh -c "! grep -q Sanitizer '$log'"

done_testing
