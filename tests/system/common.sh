# Shared helpers of the system tests: one temporary directory per test,
# cleanup on every exit, bounded waits, and TAP output for automake.
#
# A test sources this file, calls the assertions, and ends with done_testing.

set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
SNGUARDD="$top_builddir/snguardd"
SNGUARD="$top_builddir/snguard"

TESTDIR=$(mktemp -d "${TMPDIR:-/tmp}/snguard-test.XXXXXX")
chmod 700 "$TESTDIR"
DAEMON_PID=
test_count=0
test_failed=0

cleanup() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	# KEEP_TESTDIR=1 keeps it for a look after a failure.
	if [ "${KEEP_TESTDIR:-0}" = 1 ]; then
		echo "# kept $TESTDIR"
	else
		rm -rf "$TESTDIR"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $*"
}

not_ok() {
	test_count=$((test_count + 1))
	test_failed=$((test_failed + 1))
	echo "not ok $test_count - $*"
}

# Print a file's contents as TAP diagnostics.
diag_file() {
	sed 's/^/# /' "$1"
}

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# run CMD...: run with output in $TESTDIR/out and $TESTDIR/err, status in rc.
run() {
	"$@" >"$TESTDIR/out" 2>"$TESTDIR/err"
	rc=$?
}

# expect_exit CODE DESCRIPTION CMD...: the command exits with CODE.
expect_exit() {
	local want=$1 desc=$2
	shift 2
	run "$@"
	if [ "$rc" -eq "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $rc, expected $want)"
		diag_file "$TESTDIR/out"
		diag_file "$TESTDIR/err"
	fi
}

# expect_text FILE TEXT DESCRIPTION: FILE is exactly TEXT (plus newline).
expect_text() {
	if [ "$(cat "$1")" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		echo "# expected: $2"
		diag_file "$1"
	fi
}

# expect_grep FILE PATTERN DESCRIPTION: FILE has a line matching PATTERN.
expect_grep() {
	if grep -E -q -- "$2" "$1"; then
		ok "$3"
	else
		not_ok "$3"
		echo "# no line matches: $2"
		diag_file "$1"
	fi
}

# write_conf NAME: standard input becomes $TESTDIR/NAME, mode 0600. A
# configuration without a control group gets one with its control socket
# in $TESTDIR ($CTL), so that daemons of tests running at once never meet.
CTL=$TESTDIR/ctl.sock
write_conf() {
	cat >"$TESTDIR/$1"
	if ! grep -q '^control' "$TESTDIR/$1"; then
		printf '\ncontrol: { socket = "%s"; };\n' "$CTL" \
		    >>"$TESTDIR/$1"
	fi
	chmod 600 "$TESTDIR/$1"
}

# wait_for SECONDS COMMAND...: poll every 50 ms until COMMAND succeeds.
wait_for() {
	local deadline=$(($1 * 20)) i=0
	shift
	while [ $i -lt $deadline ]; do
		if "$@"; then return 0; fi
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# start_daemon CONF [ARGS...]: snguardd in the foreground, log in
# $TESTDIR/daemon.log; waits (10 s at most) until it says it runs.
start_daemon() {
	local conf=$1
	shift
	: >"$TESTDIR/daemon.log"
	"$SNGUARDD" -f -c "$conf" "$@" 2>>"$TESTDIR/daemon.log" &
	DAEMON_PID=$!
	wait_for 10 grep -q 'running (configuration' "$TESTDIR/daemon.log"
}

# stop_daemon SIGNAL: send SIGNAL, wait (bounded) for the exit; sets rc
# and stop_ms (how long it took).
stop_daemon() {
	local t0
	t0=$(date +%s%N)
	kill -"$1" "$DAEMON_PID"
	if wait_for 5 daemon_exited; then
		wait "$DAEMON_PID"
		rc=$?
	else
		kill -KILL "$DAEMON_PID"
		wait "$DAEMON_PID"
		rc=124
	fi
	stop_ms=$((($(date +%s%N) - t0) / 1000000))
	DAEMON_PID=
}

daemon_exited() {
	! kill -0 "$DAEMON_PID" 2>/dev/null ||
		[ "$(ps -o stat= -p "$DAEMON_PID" 2>/dev/null | cut -c1)" = Z ]
}

# done_testing: print the plan and exit with the result.
done_testing() {
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
	exit $?
}
