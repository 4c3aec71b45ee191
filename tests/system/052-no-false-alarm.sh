# No false alarm (health.md §3-§5): 30 % packet loss towards an SN, a
# single lost round, an SN frozen for 2 s and the agent itself stalled for
# 3 s (a VM pause) never make a DOWN nor send anything. The loss is
# netem's where the kernel has sch_netem, else nftables dropping 30 % of
# what reaches the SN.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p13 --sns 2

xcat_db --backups

NOTES="$TESTDIR/notes"
notify_hook "$NOTES"
write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$TESTDIR/state"; };
probes: { interval = 1; retry_interval = 0.5; startup_spread = 0.5;
	snmp: { enabled = true; }; };
health: { stable_for = 2; witness: { enabled = false; }; };
notify: { group_wait = 2; syslog: { enabled = false; };
	exec: { enabled = true; program = "$TESTDIR/hook"; user = ""; }; };
CONF
agent_start sn1 sn2

no_down() {
	! grep -q -- "-> DOWN" "$log"
}

# --- 30 % loss for 40 s. ---
"$CLUSTER_SH" netem sn1 --loss 30 >/dev/null
how=$(cat "$CLUSTER_DIR/sn1/netem" 2>/dev/null)
sleep 40
"$CLUSTER_SH" netem sn1 --clear >/dev/null
check "30 % loss for 40 s ($how): no DOWN" no_down
check "and nothing sent" test ! -s "$NOTES"

# --- SNMP silent for three rounds, then answering: SNMP_NORESP, and
# SNMP_OK at the first answer (health.md §2.2), within group_wait, so
# nothing is sent. Under packet loss this is what a silence looks like;
# needing three answers again kept it open past group_wait. ---
snmpd_signal() {
	local p
	for p in $(ip netns pids "sg${CLUSTER_ID}s1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = snmpd ] && kill -"$1" "$p"
	done
}
snmpd_signal STOP
check "snmpd of sn1 stopped for three rounds: SNMP_NORESP" wait_for 15 \
    grep -q "sn1: snmp SNMP_OK -> SNMP_NORESP" "$log"
snmpd_signal CONT
check "its first answer: SNMP_OK again" wait_for 10 \
    grep -q "sn1: snmp SNMP_NORESP -> SNMP_OK" "$log"
sleep 3
check "and nothing sent (resolved within group_wait)" test ! -s "$NOTES"

# --- A single lost round. ---
"$CLUSTER_SH" fail sn1 link >/dev/null
wait_for 10 grep -q "sn1: UP -> SUSPECT" "$log"
"$CLUSTER_SH" heal sn1 link >/dev/null
check "a single lost round makes sn1 SUSPECT, then UP again" wait_for 10 \
    grep -q "sn1: SUSPECT -> UP" "$log"
check "no DOWN" no_down

# --- sn2 frozen for 2 s (processes stopped, every packet dropped). ---
"$CLUSTER_SH" fail sn2 freeze >/dev/null
sleep 2
"$CLUSTER_SH" heal sn2 freeze >/dev/null
sleep 5
check "a 2 s freeze: no DOWN" no_down

# --- The agent stalls for 3 s (a VM pause). ---
kill -STOP "$DAEMON_PID"
sleep 3
kill -CONT "$DAEMON_PID"
check "the stall is noticed (results in flight are void)" wait_for 10 \
    grep -Eq "event loop stalled for [0-9]+ ms" "$log"
sleep 5
check "a stall of the agent: no DOWN" no_down
check "nothing was sent at all" test ! -s "$NOTES"

agent_stop
if [ -s "$NOTES" ]; then
	echo "# notifications:"
	diag_file "$NOTES"
fi

done_testing
