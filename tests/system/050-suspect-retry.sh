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
# Stopped while sn1 is DOWN, started when it is back: the incident left
# open is resolved at the first good round, not kept open for ever.
agent_stop
"$CLUSTER_SH" heal sn1 link >/dev/null
wait_for 10 mn ping -c 1 -W 1 "$CLUSTER_SN1_ADDR" >/dev/null
agent_start sn1
if wait_for 10 grep -q "sn1: incident 1 resolved after" "$log"; then
	ok "an incident left open by a restart resolves when the SN is UP"
else
	not_ok "an incident left open by a restart resolves when the SN is UP"
	grep -E "sn1|running" "$log" | diag_file /dev/stdin
fi
agent_stop

done_testing
