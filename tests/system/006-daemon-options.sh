# snguardd's options: usage errors, detaching, the locked pid file.
. "$(dirname "$0")/common.sh"

write_conf snguard.conf <<'CONF'
probes: { interval = 10; };
CONF

expect_exit 2 "an unknown option is a usage error" "$SNGUARDD" -x
expect_grep "$TESTDIR/err" "^usage: snguardd" "the usage line is printed"
expect_exit 2 "a stray argument is a usage error" "$SNGUARDD" -f extra

# Without -f the daemon detaches; the pid file tells where it went.
pidfile="$TESTDIR/bg.pid"
expect_exit 0 "snguardd detaches without -f" \
	"$SNGUARDD" -c "$TESTDIR/snguard.conf" -p "$pidfile"
if wait_for 10 test -s "$pidfile"; then
	ok "the detached daemon writes its pid file"
	DAEMON_PID=$(cat "$pidfile")
	check "the detached daemon runs" kill -0 "$DAEMON_PID"

	expect_exit 1 "a second daemon on the same pid file is refused" \
		"$SNGUARDD" -f -c "$TESTDIR/snguard.conf" -p "$pidfile"
	expect_grep "$TESTDIR/err" "locked: another snguardd is running" \
		"the refusal says why"
	check "the first daemon's pid file is intact" \
		[ "$(cat "$pidfile")" = "$DAEMON_PID" ]

	kill -TERM "$DAEMON_PID"
	check "the detached daemon stops on SIGTERM" wait_for 5 daemon_exited
	check "its pid file is removed" wait_for 5 test ! -e "$pidfile"
	DAEMON_PID=
else
	not_ok "the detached daemon writes its pid file"
fi

# Relative paths are resolved before detaching (daemon() moves to /).
(cd "$TESTDIR" && "$SNGUARDD" -c snguard.conf -p rel.pid) >"$TESTDIR/out" 2>&1
if wait_for 10 test -s "$TESTDIR/rel.pid"; then
	ok "a relative pid file is written where it was named"
	DAEMON_PID=$(cat "$TESTDIR/rel.pid")
	kill -HUP "$DAEMON_PID"
	sleep 0.2
	check "the detached daemon survives a reload of its relative -c" \
		kill -0 "$DAEMON_PID"
	kill -TERM "$DAEMON_PID"
	check "it stops and removes its relative pid file" wait_for 5 \
		test ! -e "$TESTDIR/rel.pid"
	DAEMON_PID=
else
	not_ok "a relative pid file is written where it was named"
	test -e /rel.pid && rm -f /rel.pid
fi

done_testing
