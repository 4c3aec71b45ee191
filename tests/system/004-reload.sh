# SIGHUP reloads: a good file becomes the next generation, a bad one is
# refused with its errors logged and the old configuration kept.
. "$(dirname "$0")/common.sh"

write_conf snguard.conf <<'CONF'
probes: { interval = 10; };
CONF

if start_daemon "$TESTDIR/snguard.conf"; then
	ok "snguardd starts"
else
	not_ok "snguardd starts"
	diag_file "$TESTDIR/daemon.log"
fi
expect_grep "$TESTDIR/daemon.log" "generation 1\)" "first generation is 1"

write_conf snguard.conf <<'CONF'
probes: { interval = 20; };
log: { trace = [ "config" ]; };
CONF
kill -HUP "$DAEMON_PID"
check "a good file is loaded on SIGHUP" wait_for 10 \
	grep -q "configuration reloaded from $TESTDIR/snguard.conf (generation 2)" \
	"$TESTDIR/daemon.log"

write_conf snguard.conf <<'CONF'
probes: {
	interval = 20;
	icmp: { count = 0; };
};
CONF
kill -HUP "$DAEMON_PID"
check "a bad file is refused on SIGHUP" wait_for 10 \
	grep -q "reload refused, keeping configuration generation 2" \
	"$TESTDIR/daemon.log"
expect_grep "$TESTDIR/daemon.log" \
	"snguard.conf:3: probes.icmp.count: 0 is below the minimum 1" \
	"the refused file's error names file, line and key"
check "the daemon still runs after a refused reload" kill -0 "$DAEMON_PID"

chmod 666 "$TESTDIR/snguard.conf"
write_conf ok.conf </dev/null
cat "$TESTDIR/ok.conf" >"$TESTDIR/snguard.conf"
kill -HUP "$DAEMON_PID"
check "a world-writable file is refused on SIGHUP" wait_for 10 \
	grep -q "refusing a group- or world-writable configuration (mode 0666)" \
	"$TESTDIR/daemon.log"

chmod 600 "$TESTDIR/snguard.conf"
kill -HUP "$DAEMON_PID"
check "a fixed file loads as generation 3" wait_for 10 \
	grep -q "(generation 3)" "$TESTDIR/daemon.log"

stop_daemon TERM
check "exit status 0 after reloads (got $rc)" [ "$rc" -eq 0 ]

done_testing
