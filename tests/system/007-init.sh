# Running under an init system: the systemd notification protocol
# (READY=1 once the control socket listens, RELOADING=1 and READY=1 around
# a reload, STOPPING=1, a WATCHDOG=1 keep-alive only from a loop that is on
# time), the SysV script (start, status, reload, stop) and what make
# install puts where.
. "$(dirname "$0")/common.sh"

if ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP python3 missing (it plays systemd's notify socket)"
	exit 0
fi

mkdir "$TESTDIR/xcat"
echo "SELECT 1;" | "$top_builddir/tests/xcatfix" "$TESTDIR/xcat" nodelist
export XCATCFG="SQLite:$TESTDIR/xcat"
write_conf snguard.conf <<CONF
state: { dir = "$TESTDIR/state"; };
CONF

# --- sd_notify: a datagram socket standing in for systemd's. ---
NOTES="$TESTDIR/notify"
: >"$NOTES"
python3 - "$TESTDIR/notify.sock" "$NOTES" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1)
end = time.time() + 60
with open(sys.argv[2], "a") as out:
    while time.time() < end:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            continue
        out.write(m.replace("\n", " ") + "\n")
        out.flush()
        if m.startswith("STOPPING=1"):
            break
PY
LISTENER=$!
wait_for 5 test -S "$TESTDIR/notify.sock"
: >"$TESTDIR/daemon.log"
# WATCHDOG_PID names the daemon: sh execs it under its own pid.
NOTIFY_SOCKET="$TESTDIR/notify.sock" WATCHDOG_USEC=1500000 \
    sh -c 'WATCHDOG_PID=$$ exec "$0" -f -c "$1" 2>>"$2"' \
    "$SNGUARDD" "$TESTDIR/snguard.conf" "$TESTDIR/daemon.log" &
DAEMON_PID=$!
check "READY=1 once running" wait_for 10 grep -q "^READY=1 STATUS=watching, configuration generation 1" "$NOTES"
check "the control socket listens by then" test -S "$CTL"
check "the keep-alive period is a third of WATCHDOG_USEC" \
    grep -q "systemd watchdog: keep-alive every 500 ms" "$TESTDIR/daemon.log"
keepalives() {
	test "$(grep -c '^WATCHDOG=1' "$NOTES")" -ge "$1"
}
check "keep-alives come" wait_for 5 keepalives 4
kill -HUP "$DAEMON_PID"
check "a reload says RELOADING=1, then READY=1 with the new generation" \
    wait_for 5 sh -c "grep -q '^RELOADING=1' '$NOTES' &&
	grep -q '^READY=1 STATUS=watching, configuration generation 2' '$NOTES'"
# A stalled loop must not keep systemd happy.
kill -STOP "$DAEMON_PID"
sleep 3
n=$(grep -c '^WATCHDOG=1' "$NOTES")
kill -CONT "$DAEMON_PID"
check "after a 3 s stall the late keep-alive is withheld" wait_for 5 \
    grep -q "watchdog keep-alive skipped: the loop ran [0-9]* ms late" "$TESTDIR/daemon.log"
check "then they resume" wait_for 5 keepalives $((n + 2))
stop_daemon TERM
check "a clean stop (exit $rc)" test "$rc" -eq 0
check "STOPPING=1 at the stop" wait_for 5 grep -q '^STOPPING=1' "$NOTES"
wait "$LISTENER"
check "no sanitizer report" sh -c "! grep -q Sanitizer '$TESTDIR/daemon.log'"

# Without NOTIFY_SOCKET nothing is attempted and nothing said.
start_daemon "$TESTDIR/snguard.conf"
check "outside systemd: no watchdog" sh -c \
    "! grep -q 'systemd watchdog' '$TESTDIR/daemon.log'"
stop_daemon TERM

# --- The SysV script, with its paths pointed into the test. ---
INIT="$top_builddir/init/snguardd.init"
check "the SysV script is built" test -x "$INIT"
check "it is valid sh" sh -n "$INIT"
export SNGUARDD SNGUARD_CONF="$TESTDIR/snguard.conf" \
    PIDFILE="$TESTDIR/run/snguardd.pid" LOGFILE="$TESTDIR/log/snguardd.log"
check "start" sh -c "'$INIT' start | grep -q 'Starting snguardd: ok'"
check "status while running" sh -c "'$INIT' status | grep -q 'snguardd is running (pid [0-9]*)'"
check "a second start does nothing" sh -c "'$INIT' start | grep -q 'already running'"
check "the log goes to LOGFILE" wait_for 5 grep -q "running (configuration" "$LOGFILE"
pid=$(cat "$PIDFILE")
check "reload" "$INIT" reload
check "... reloads the daemon" wait_for 5 grep -q "configuration reloaded" "$LOGFILE"
check "stop" sh -c "'$INIT' stop | grep -q 'Stopping snguardd: ok'"
check "the daemon is gone" sh -c "! kill -0 $pid 2>/dev/null"
"$INIT" status >/dev/null
check "status when stopped: exit 3 (LSB)" test $? -eq 3
printf 'control: { socket = 7; };\n' >"$TESTDIR/bad.conf"
chmod 600 "$TESTDIR/bad.conf"
check "a bad configuration is refused before starting" sh -c \
    "! SNGUARD_CONF='$TESTDIR/bad.conf' '$INIT' start >/dev/null 2>&1"
check "... and nothing runs" test ! -s "$PIDFILE"

# --- make install: every file where its tool looks for it. ---
DEST="$TESTDIR/root"
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" install \
    DESTDIR="$DEST" >"$TESTDIR/install.log" 2>&1; then
	ok "make install DESTDIR"
else
	not_ok "make install DESTDIR"
	tail -20 "$TESTDIR/install.log" | diag_file /dev/stdin
fi
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
sysconfdir=$(sed -n 's/^sysconfdir = //p' "$top_builddir/Makefile" |
	sed "s|\${prefix}|$prefix|")
check "the SysV script, executable" test -x "$DEST$sysconfdir/init.d/snguardd"
check "the logrotate file" grep -q copytruncate "$DEST$sysconfdir/logrotate.d/snguard"
check "the sysctl.d drop-in" grep -q "^net.ipv4.ping_group_range = 0 2147483647" \
    "$DEST$prefix/lib/sysctl.d/99-snguard-ping.conf"
check "the tmpfiles.d file" grep -q "^d /run/snguard 0755 root root" \
    "$DEST$prefix/lib/tmpfiles.d/snguard.conf"
check "the MIB" test -f "$DEST$prefix/share/snmp/mibs/SNGUARD-MIB.txt"
unit=$(find "$DEST" -name snguardd.service | head -1)
if [ -n "$unit" ]; then
	check "the unit is Type=notify with a watchdog" sh -c \
	    "grep -q '^Type=notify' '$unit' && grep -q '^WatchdogSec=30' '$unit'"
	check "the unit grants CAP_NET_RAW and makes /run/snguard" sh -c \
	    "grep -q '^AmbientCapabilities=CAP_NET_RAW' '$unit' &&
	     grep -q '^RuntimeDirectory=snguard' '$unit'"
	check "the unit runs the installed daemon" grep -q "^ExecStart=$prefix/sbin/snguardd -f" "$unit"
else
	ok "# SKIP no systemd unit directory configured"
fi

done_testing
