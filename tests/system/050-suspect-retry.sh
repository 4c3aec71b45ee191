# A suspect SN is probed again after probes.retry_interval, not after a
# whole probes.interval (health.md §3): the round that makes it SUSPECT
# has already planned the next one when the state machine says so, and
# that plan must be redone. With interval 10 s and retry_interval 0.5 s,
# the two more failed rounds that make it DOWN take about 2 x (2.4 s ICMP
# verdict + 0.5 s), far less than the 10 s interval alone.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p11 --sns 1

xcat_db
write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$TESTDIR/state"; };
probes: { interval = 10; retry_interval = 0.5; startup_spread = 0.5;
	snmp: { enabled = false; }; };
health: { witness: { enabled = false; }; };
notify: { syslog: { enabled = false; }; };
CONF
agent_start sn1
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

agent_stop

done_testing
