# snmove when things go wrong: the destination's xdsh fails or hangs, a
# post-action fails after the commit, the database is locked by another
# writer for longer than the busy timeout, another snmove holds the lock,
# and SIGKILL at every point of apply (all old or all new, never half).
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/snmove-env.sh"

HOLDER=
# The holder runs in a session of its own: killing its process group
# takes the xCAT command it waits for along (a hanging stand-in would
# otherwise outlive the test).
cleanup_holder() {
	if [ -n "$HOLDER" ]; then
		kill -- "-$HOLDER" 2>/dev/null || kill "$HOLDER" 2>/dev/null
		wait "$HOLDER" 2>/dev/null
		HOLDER=
	fi
}
trap 'cleanup_holder; cleanup' EXIT

# The rows a move writes, as text.
dump() {
	sqlite3 "$DB/noderes.sqlite" "SELECT * FROM noderes ORDER BY node"
	sqlite3 "$DB/nodehm.sqlite" "SELECT * FROM nodehm ORDER BY node"
}

# The destination's xdsh fails.
scenario <<'SCN'
xdsh "svc2 -s /sbin/ip addr *" exit 1
SCN
before=$(db_sum)
expect_exit 2 "probe fails" "$SNMOVE" n01
expect_text "$TESTDIR/err" "Error: Could not get IP addresses from service node svc2.
Error: Could not determine an xcatmaster value for node n01." "probe failure messages"
check "probe failure changed nothing" test "$(db_sum)" = "$before"

# The destination's xdsh hangs: killed at the timeout (3 s in the test).
printf 'xdsh "svc2 -s*" hang\n' >"$FAKEXCAT_SCENARIO"
expect_exit 2 "probe hangs" "$SNMOVE" n01
expect_grep "$TESTDIR/err" '^Error: Could not get IP addresses from service node svc2\.$' \
	"hang reported as a failed probe"
check "hang changed nothing" test "$(db_sum)" = "$before"

# makeconservercf fails after the commit: exit 1, committed and journalled.
scenario <<'SCN'
makeconservercf * error conserver.cf: permission denied
makeconservercf * exit 1
SCN
expect_exit 1 "makeconservercf fails" "$SNMOVE" n01
expect_grep "$TESTDIR/err" \
	'^Error: Command failed: makeconservercf\. Error message: conserver\.cf: permission denied\.$' \
	"failure message"
expect_text <(sql noderes "SELECT servicenode FROM noderes WHERE node='n01'") \
	"svc2,svc1" "the database is committed"
expect_grep "$FAKEXCAT_LOG" '^\["updatenode","n01","-s"\]$' \
	"later actions still run"
"$SNMOVE" --list-moves >"$TESTDIR/moves"
expect_grep "$TESTDIR/moves" ' committed 1 n01$' "the move is journalled committed"

# Another writer holds the database longer than the busy timeout (30 s).
make_fixture
scenario </dev/null
before=$(dump)
{ echo "BEGIN IMMEDIATE;"; sleep 45; echo "COMMIT;"; } |
	sqlite3 "$DB/noderes.sqlite" &
HOLDER=$!
sleep 0.5
expect_exit 3 "database locked" "$SNMOVE" n01
expect_grep "$TESTDIR/err" '^Error: Could not update xCAT node definitions\.$' \
	"locked: message"
expect_grep "$TESTDIR/err" 'locked' "locked: the reason"
cleanup_holder
check "locked: nothing changed" test "$(dump)" = "$before"
"$SNMOVE" --list-moves >"$TESTDIR/moves"
expect_grep "$TESTDIR/moves" ' void 1 n01$' "locked: the record is void"

# Another snmove holds the lock.
scenario <<'SCN'
makeconservercf * hang
SCN
setsid "$SNMOVE" n01 >/dev/null 2>&1 &
HOLDER=$!
wait_for 10 grep -q makeconservercf "$FAKEXCAT_LOG"
expect_exit 3 "second snmove" "$SNMOVE" n02
expect_text "$TESTDIR/err" "Error: Another snmove is running (pid $HOLDER)." \
	"names the pid"
cleanup_holder
# leftovers: the stand-in commands of this test still running.
leftovers() {
	local p
	for p in $(pgrep -x makeconservercf); do
		grep -qs "FAKEXCAT_LOG=$FAKEXCAT_LOG" "/proc/$p/environ" && echo "$p"
	done
}
no_leftovers() {
	test -z "$(leftovers)"
}
check "a stopped snmove takes its running command along" wait_for 5 no_leftovers

# The database changes between the plan and the transaction.
make_fixture
scenario </dev/null
(SNGUARD_CRASHPOINT=after-journal:stop exec "$SNMOVE" n01) \
	>"$TESTDIR/out" 2>"$TESTDIR/err" &
HOLDER=$!
stopped() {
	[ "$(ps -o stat= -p "$HOLDER" 2>/dev/null | cut -c1)" = T ]
}
check "stopped after the journal record" wait_for 10 stopped
sql noderes "UPDATE noderes SET tftpserver='tftp7' WHERE node='compute'"
kill -CONT "$HOLDER"
wait "$HOLDER"
rc=$?
HOLDER=
check "a changed input ends the move with status 3" test "$rc" -eq 3
expect_text "$TESTDIR/err" \
	"Error: The xCAT database changed while snmove was running; no changes were made." \
	"changed input: message"
expect_text <(sql noderes "SELECT count(*) FROM noderes WHERE node='n01'") 0 \
	"changed input: nothing written"

# SIGKILL at each point of apply.
make_fixture
old=$(dump)
scenario </dev/null
"$SNMOVE" -s svc1 -d svc2 -i >/dev/null
new=$(dump)
for point in before-journal after-journal after-begin mid-write \
	before-commit after-commit; do
	make_fixture
	rm -rf "$STATE"
	scenario </dev/null
	# (The shell's "Killed" notice goes with the subshell's stderr.)
	rc=$({
		(SNGUARD_CRASHPOINT=$point exec "$SNMOVE" -s svc1 -d svc2 -i) \
			>/dev/null 2>&1
		echo $?
	} 2>/dev/null)
	check "crash at $point: killed" test "$rc" -eq 137
	now=$(dump)
	case $point in
	after-commit) want=$new state=committed ;;
	before-journal) want=$old state= ;;
	*) want=$old state=void ;;
	esac
	check "crash at $point: database all $([ "$want" = "$old" ] && echo old || echo new)" \
		test "$now" = "$want"
	"$SNMOVE" --list-moves >"$TESTDIR/moves" 2>"$TESTDIR/err"
	if [ -n "$state" ]; then
		expect_grep "$TESTDIR/moves" " $state 4 n01" \
			"crash at $point: reconciled as $state"
		expect_grep "$TESTDIR/err" "was interrupted; it is now recorded as $state" \
			"crash at $point: reconciliation reported"
	else
		expect_text "$TESTDIR/moves" "" "crash at $point: no record"
	fi
done

done_testing
