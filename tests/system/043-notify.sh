# Notifications through the outbox, with the exec hook as the channel: a
# DOWN notifies a problem after group_wait and UP a resolved one; a
# failing hook is retried with back-off and delivered once; a problem
# that resolves within group_wait sends nothing at all; a problem still
# in the outbox when the daemon is SIGKILLed is delivered once after the
# restart.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p4 --sns 1

xcat_db

# The hook runs as notify.exec.user (nobody): its directory must be
# reachable and writable for that user.
chmod 711 "$TESTDIR"
HOOKDIR="$TESTDIR/hookdir"
mkdir -m 1777 "$HOOKDIR"
HOOK="$HOOKDIR/hook"
cat >"$HOOK" <<EOF
#!/bin/sh
# Hang while $HOOKDIR/hook.hang exists (the agent stops meanwhile).
if [ -e "$HOOKDIR/hook.hang" ]; then
	echo \$\$ >"$HOOKDIR/hook.hung"
	sleep 30
fi
# Fail while $HOOKDIR/hook.fail holds a positive count.
if [ -s "$HOOKDIR/hook.fail" ]; then
	n=\$(cat "$HOOKDIR/hook.fail")
	if [ "\$n" -gt 0 ]; then
		echo \$((n - 1)) >"$HOOKDIR/hook.fail"
		echo "hook refuses (\$n)"
		exit 1
	fi
fi
echo "args=\$* event=\$SNGUARD_EVENT subject=\$SNGUARD_SUBJECT" \
    "dim=\$SNGUARD_DIMENSION sev=\$SNGUARD_SEVERITY" \
    "incident=\$SNGUARD_INCIDENT seq=\$SNGUARD_SEQUENCE" \
    "path=\$PATH home=\${HOME-unset} user=\$(id -un)" >>"$HOOKDIR/hook.log"
EOF
chmod 755 "$HOOK"
: >"$HOOKDIR/hook.log"
: >"$HOOKDIR/hook.fail"
chmod 666 "$HOOKDIR/hook.log" "$HOOKDIR/hook.fail"

# conf GROUP_WAIT: the daemon's configuration.
conf() {
	write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$TESTDIR/state"; };
probes: { interval = 1; retry_interval = 0.5; startup_spread = 0.5;
	snmp: { enabled = true; }; };
health: { stable_for = 2; };
notify: {
	group_wait = $1;
	syslog: { enabled = false; };
	exec: { enabled = true; program = "$HOOK"; user = "nobody";
		args = [ "{event}", "{subject}", "{incident}" ]; };
	outbox: { backoff = 1; backoff_cap = 2; };
};
CONF
}

log="$TESTDIR/daemon.log"
start() {
	ip netns exec "$CLUSTER_MN_NS" "$SNGUARDD" -f -c "$TESTDIR/snguard.conf" \
	    --xcatdb "SQLite:$DB" 2>>"$log" &
	DAEMON_PID=$!
}
stop() {
	kill -"$1" "$DAEMON_PID"
	wait_for 10 daemon_exited
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=
}
count() {
	grep -c "$1" "$HOOKDIR/hook.log"
}
# seen PATTERN N: the hook has been called N times with PATTERN (for
# wait_for, which must re-run the count each time).
seen() {
	test "$(count "$1")" -eq "$2"
}

conf 1
start
wait_for 10 grep -q "sn1: UNKNOWN -> UP" "$log"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "a DOWN calls the hook with the problem" wait_for 20 grep -q \
    "^args=problem sn1 1 event=problem subject=sn1 dim=host sev=critical incident=1 seq=[0-9]" \
    "$HOOKDIR/hook.log"
expect_grep "$HOOKDIR/hook.log" "path=/usr/sbin:/usr/bin:/sbin:/bin home=unset user=nobody$" \
    "the hook gets a minimal environment and runs as nobody"
"$CLUSTER_SH" heal sn1 link >/dev/null
check "UP calls it with resolved" wait_for 20 grep -q \
    "^args=resolved sn1 1 event=resolved" "$HOOKDIR/hook.log"

# The hook fails twice: retried after the back-off, delivered once.
echo 2 >"$HOOKDIR/hook.fail"
"$CLUSTER_SH" fail sn1 link >/dev/null
if wait_for 30 seen '^args=problem' 2; then
	ok "a failing hook is retried until it takes the message"
else
	not_ok "a failing hook is retried until it takes the message"
	diag_file "$HOOKDIR/hook.log"
	grep -E 'outbox|incident|sn1:' "$log" | diag_file /dev/stdin
fi
expect_grep "$log" "outbox: problem exec to $HOOK failed \(attempt 1\): exited with status 1; will retry" \
    "the first failure is logged with the attempt"
expect_grep "$log" "failed \(attempt 2\)" "so is the second"
expect_grep "$log" "exec hook $HOOK: hook refuses" "the hook's output is logged"
"$CLUSTER_SH" heal sn1 link >/dev/null
wait_for 20 seen '^args=resolved' 2
stop TERM
check "the daemon stops cleanly (got $rc)" [ "$rc" -eq 0 ]

# group_wait 20 s: a DOWN that is over before then sends nothing.
conf 20
: >"$log"
start
wait_for 10 grep -q "sn1: UNKNOWN -> UP" "$log"
"$CLUSTER_SH" fail sn1 link >/dev/null
wait_for 20 grep -q "sn1: incident [0-9]* opened" "$log"
"$CLUSTER_SH" heal sn1 link >/dev/null
check "resolved within group_wait: nothing sent" wait_for 20 grep -q \
    "resolved within group_wait: nothing sent" "$log"
sleep 1
check "no problem and no resolved for it" \
    test "$(count '^args=')" -eq 4

# A problem in the outbox survives SIGKILL and goes out once after restart.
stop TERM
conf 4
start
wait_for 10 grep -q "sn1: UNKNOWN -> UP" "$log"
"$CLUSTER_SH" fail sn1 link >/dev/null
wait_for 20 grep -q "sn1: incident [0-9]* opened" "$log"
stop KILL
start
check "after the restart the queued problem is delivered" wait_for 20 \
    seen '^args=problem' 3
sleep 2
check "exactly once" test "$(count '^args=problem')" -eq 3
"$CLUSTER_SH" heal sn1 link >/dev/null
wait_for 20 seen '^args=resolved' 3

# Stopping while a hook still runs: the hook's process group is killed,
# the agent exits cleanly, and the row is delivered after the next start.
touch "$HOOKDIR/hook.hang"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "the hook hangs" wait_for 30 test -s "$HOOKDIR/hook.hung"
stop TERM
check "stopping with a hook running exits cleanly (got $rc)" [ "$rc" -eq 0 ]
hung=$(cat "$HOOKDIR/hook.hung")
check "the hung hook was killed" wait_for 5 sh -c "! kill -0 $hung 2>/dev/null"
check "so was its child" wait_for 5 sh -c "! pgrep -g $hung >/dev/null"
expect_grep "$log" "outbox: problem exec to $HOOK failed \(attempt [0-9]*\): stopping; will retry" \
    "the interrupted delivery is kept for a retry"
rm -f "$HOOKDIR/hook.hang"
start
check "the interrupted problem is delivered after the restart" wait_for 20 \
    seen '^args=problem' 4
"$CLUSTER_SH" heal sn1 link >/dev/null
stop TERM
check "no sanitizer report" sh -c "! grep -q Sanitizer '$log'"

done_testing
