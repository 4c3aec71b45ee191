# Service dimensions (health.md §2, §4, §8.1): xcatd's TCP port, SNMP, the
# NIM master of an AIX SN and an exec plugin each have a sub-state that
# changes after 3 evaluations in a row, only while the host is alive, and
# an incident of its own: a problem when it breaks (the SN stays UP), an
# update when the severity changes, resolved when it is back. A dead host
# raises its host incident and no service alert on top.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p9 --sns 2 --aix 1

xcat_db --backups --aix 1

# The plugin answers what $TESTDIR/plugin.state says for its SN; with
# $TESTDIR/plugin.slow it takes 5 s (and says it runs).
PLUGIN="$TESTDIR/plugin"
cat >"$PLUGIN" <<PLUG
#!/bin/sh
if [ -e "$TESTDIR/plugin.slow" ]; then
	: >"$TESTDIR/plugin.running"
	sleep 5
fi
st=OK
[ "\$1" = sn2 ] && [ -s "$TESTDIR/plugin.state" ] && st=\$(cat "$TESTDIR/plugin.state")
echo "DISK \$st - /install at 40%|used=40%"
case \$st in OK) exit 0 ;; WARNING) exit 1 ;; CRITICAL) exit 2 ;; *) exit 3 ;; esac
PLUG
chmod 755 "$PLUGIN"
: >"$TESTDIR/plugin.state"

NOTES="$TESTDIR/notes"
notify_hook "$NOTES"
write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$TESTDIR/state"; };
probes: {
	interval = 1; retry_interval = 0.5; startup_spread = 0.5;
	snmp: { enabled = true; };
	nim: { enabled = true; };
	tcp: { checks = ( { name = "xcatd"; port = $CLUSTER_XCATD_PORT; } ); };
	exec = ( { name = "disk"; argv = [ "$PLUGIN", "{sn}" ]; period = 1;
		timeout = 5; },
		{ name = "only2"; argv = [ "$PLUGIN", "always-ok" ]; period = 1;
		targets = "sn2"; } );
};
health: { stable_for = 2; witness: { enabled = false; }; };
notify: { group_wait = 1; group_interval = 20; syslog: { enabled = false; };
	exec: { enabled = true; program = "$TESTDIR/hook"; user = ""; }; };
CONF
agent_start sn1 sn2
check "every service of sn1 comes OK after 3 evaluations" wait_for 10 sh -c \
    "grep -q 'sn1: nim NIM_UNKNOWN -> NIM_OK' '$log' &&
     grep -q 'sn1: snmp SNMP_UNKNOWN -> SNMP_OK' '$log' &&
     grep -q 'sn1: tcp:$CLUSTER_XCATD_PORT UNKNOWN -> OK' '$log' &&
     grep -q 'sn1: exec:disk UNKNOWN -> OK: OK: DISK OK' '$log'"
check "sn2 has no NIM dimension" sh -c "! grep -q 'sn2: nim' '$log'"
check "an exec probe runs on its targets" wait_for 10 \
    grep -q "sn2: exec:only2 UNKNOWN -> OK" "$log"
check "and only there" sh -c "! grep -q 'sn1: exec:only2' '$log'"

# notes PATTERN: notifications matching PATTERN.
notes() {
	grep -c -- "$1" "$NOTES"
}

# --- xcatd stops on sn1: a warning, the SN stays UP. ---
"$CLUSTER_SH" fail sn1 xcatd >/dev/null
check "xcatd refused: tcp DOWN after 3 rounds" wait_for 15 grep -q \
    "sn1: tcp:$CLUSTER_XCATD_PORT OK -> DOWN: port $CLUSTER_XCATD_PORT: connection refused" "$log"
check "a warning problem is notified for tcp:$CLUSTER_XCATD_PORT" wait_for 10 \
    grep -q "^problem sn1 tcp:$CLUSTER_XCATD_PORT warning incident=[0-9]* reason=DOWN: port" "$NOTES"
check "the SN stays UP (a refusal is a sign of life)" \
    sh -c "! grep -q 'sn1: UP -> SUSPECT' '$log'"
"$CLUSTER_SH" heal sn1 xcatd >/dev/null
check "xcatd back: resolved" wait_for 15 \
    grep -q "^resolved sn1 tcp:$CLUSTER_XCATD_PORT warning" "$NOTES"

# --- nimesis stops on the AIX SN: NIM_DOWN, critical. ---
"$CLUSTER_SH" fail sn1 nimesis >/dev/null
check "nimesis gone: NIM_DOWN" wait_for 15 grep -q "sn1: nim NIM_OK -> NIM_DOWN: N1:" "$log"
check "a critical problem for nim" wait_for 10 \
    grep -q "^problem sn1 nim critical incident=[0-9]* reason=NIM_DOWN: N1: nimesis port 1058" "$NOTES"
"$CLUSTER_SH" heal sn1 nimesis >/dev/null
check "nimesis back: resolved" wait_for 15 grep -q "^resolved sn1 nim critical" "$NOTES"

# --- snmpd stops, ICMP still answers: SNMP_NORESP. ---
"$CLUSTER_SH" fail sn2 snmpd >/dev/null
check "snmpd silent with the host alive: SNMP_NORESP" wait_for 15 \
    grep -q "sn2: snmp SNMP_OK -> SNMP_NORESP" "$log"
check "a warning problem for snmp" wait_for 10 \
    grep -q "^problem sn2 snmp warning" "$NOTES"
"$CLUSTER_SH" heal sn2 snmpd >/dev/null
check "snmpd back: resolved" wait_for 15 grep -q "^resolved sn2 snmp warning" "$NOTES"

# --- The plugin: CRITICAL, then WARNING (an update), then OK. ---
echo CRITICAL >"$TESTDIR/plugin.state"
check "3x CRITICAL: a critical problem for exec:disk" wait_for 15 \
    grep -q "^problem sn2 exec:disk critical incident=[0-9]* reason=CRITICAL: DISK CRITICAL" "$NOTES"
echo WARNING >"$TESTDIR/plugin.state"
check "3x WARNING: an update to warning" wait_for 15 \
    grep -q "^update sn2 exec:disk warning" "$NOTES"
# Two more changes within group_interval (20 s): their updates wait until
# 20 s after the first one went out, and go together.
echo CRITICAL >"$TESTDIR/plugin.state"
wait_for 15 grep -q "sn2: exec:disk WARNING -> CRITICAL" "$log"
echo WARNING >"$TESTDIR/plugin.state"
wait_for 15 grep -q "sn2: exec:disk CRITICAL -> WARNING" "$log"
check "no second update within group_interval" \
    test "$(notes '^update sn2 exec:disk')" -eq 1
# updates_due: the update rows' due times, oldest first.
updates_due() {
	sqlite3 "$TESTDIR/state/snguard.sqlite" \
	    "SELECT group_concat(next_at) FROM (SELECT next_at FROM outbox
	     WHERE event = 'update' AND channel = 'exec' ORDER BY id)"
}
wait_for 5 sh -c "test \$(sqlite3 '$TESTDIR/state/snguard.sqlite' \
    \"SELECT COUNT(*) FROM outbox WHERE event = 'update' AND channel = 'exec'\") -eq 3"
due=$(updates_due)
check "they are due group_interval after the first, together ($due)" \
    sh -c "echo '$due' | awk -F, '{ exit !(NF == 3 && \$2 - \$1 == 20000 && \$3 == \$2) }'"
check "both go out then" wait_for 25 sh -c \
    "test \$(grep -c '^update sn2 exec:disk' '$NOTES') -eq 3"
n=$(grep -c 'sn2: exec:disk WARNING -> ' "$log")
echo UNKNOWN >"$TESTDIR/plugin.state"
sleep 4
check "UNKNOWN changes nothing" \
    test "$(grep -c 'sn2: exec:disk WARNING -> ' "$log")" -eq "$n"
echo OK >"$TESTDIR/plugin.state"
check "3x OK: resolved" wait_for 15 grep -q "^resolved sn2 exec:disk" "$NOTES"
check "one problem, three updates, one resolved for exec:disk" \
    test "$(notes ' exec:disk ')" -eq 5

# --- The host dies: its own incident, no service alert on top. ---
n0=$(grep -vc " host " "$NOTES")
"$CLUSTER_SH" fail sn1 link >/dev/null
check "sn1 DOWN is notified" wait_for 20 grep -q "^problem sn1 host critical" "$NOTES"
check "its services are UNKNOWN, not failed" wait_for 5 \
    grep -q "sn1: nim NIM_OK -> NIM_UNKNOWN (the host is not alive)" "$log"
sleep 3
check "no service notification while the host is dead" \
    test "$(grep -vc " host " "$NOTES")" -eq "$n0"
"$CLUSTER_SH" heal sn1 link >/dev/null
check "sn1 back: resolved" wait_for 20 grep -q "^resolved sn1 host" "$NOTES"
check "its services come back OK" wait_for 15 sh -c \
    "test \$(grep -c 'sn1: nim NIM_UNKNOWN -> NIM_OK' '$log') -eq 2"
sleep 1
check "still no service notification" \
    test "$(grep -vc " host " "$NOTES")" -eq "$n0"

# Stopping while a plugin runs: its probe goes without a leak.
touch "$TESTDIR/plugin.slow"
check "a slow plugin is running" wait_for 10 test -e "$TESTDIR/plugin.running"
agent_stop
echo "# notifications:"
diag_file "$NOTES"

done_testing
