# SIGTERM and SIGINT stop snguardd cleanly with exit 0 within 1 s.
. "$(dirname "$0")/common.sh"

write_conf good.conf <<'CONF'
state: { dir = "/nonexistent/unused"; };
CONF
# An empty xCAT database, so that the daemon has nothing to complain about.
mkdir "$TESTDIR/xcat"
echo "SELECT 1;" | "$top_builddir/tests/xcatfix" "$TESTDIR/xcat" nodelist
export XCATCFG="SQLite:$TESTDIR/xcat"

for sig in TERM INT; do
	if start_daemon "$TESTDIR/good.conf" -p "$TESTDIR/snguardd.pid"; then
		ok "snguardd starts (SIG$sig run)"
	else
		not_ok "snguardd starts (SIG$sig run)"
		diag_file "$TESTDIR/daemon.log"
	fi
	expect_grep "$TESTDIR/snguardd.pid" "^$DAEMON_PID\$" \
		"the pid file holds the daemon's pid (SIG$sig run)"
	stop_daemon "$sig"
	echo "# SIG$sig: stopped in $stop_ms ms"
	check "SIG$sig: exit status 0 (got $rc)" [ "$rc" -eq 0 ]
	check "SIG$sig: stopped within 1 s ($stop_ms ms)" [ "$stop_ms" -le 1000 ]
	expect_grep "$TESTDIR/daemon.log" "received .*, stopping" \
		"SIG$sig: the stop is logged"
	expect_grep "$TESTDIR/daemon.log" "info: snguardd stopped$" \
		"SIG$sig: the loop closed cleanly"
	check "SIG$sig: no error logged" \
		sh -c "! grep -E 'error|fatal|Sanitizer' '$TESTDIR/daemon.log'"
	check "SIG$sig: the pid file is removed" [ ! -e "$TESTDIR/snguardd.pid" ]
done

# The demo configuration (what ./quickstart demo runs) stops on Ctrl-C.
cp "$top_srcdir/conf/demo.conf" "$TESTDIR/demo.conf"
chmod 644 "$TESTDIR/demo.conf"
if start_daemon "$TESTDIR/demo.conf"; then
	ok "snguardd starts on demo.conf"
else
	not_ok "snguardd starts on demo.conf"
	diag_file "$TESTDIR/daemon.log"
fi
stop_daemon INT
check "demo.conf: SIGINT stops it with exit 0 (got $rc)" [ "$rc" -eq 0 ]

done_testing
