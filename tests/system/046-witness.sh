# Witness confirmation (health.md §6): when sn1 goes DOWN the agent asks
# its backup sn2, through xdsh (the fakexcat stand-in), whether sn2 still
# reaches it. ALIVE makes the DOWN a path problem, sent as an update with
# severity warning; DEAD confirms it; no usable answer is
# witness_unavailable and is asked again every health.witness.retry; an
# SN without a backup is witness_unavailable at once. The argv is exactly
# xdsh, the backup, and the remote text with the SN's address (its
# compute nodes' xcatmaster when that differs), never a local shell.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p7 --sns 3

XCATFIX="$top_builddir/tests/xcatfix"
DB="$TESTDIR/xcat"
BIN="$TESTDIR/bin"
export FAKEXCAT_LOG="$TESTDIR/commands.log"
export FAKEXCAT_SCENARIO="$TESTDIR/scenario"
mkdir "$DB" "$BIN"
ln -s "$top_builddir/tests/fakexcat/fakexcat" "$BIN/xdsh"
: >"$FAKEXCAT_LOG"
: >"$FAKEXCAT_SCENARIO"
"$XCATFIX" "$DB" nodelist <<'SQL'
INSERT INTO nodelist (node, groups) VALUES ('c1','r1'),('c2','r1'),('c3','r3'),
  ('sn1','service'),('sn2','service'),('sn3','service');
SQL
"$XCATFIX" "$DB" noderes <<'SQL'
INSERT INTO noderes (node, servicenode) VALUES ('r1','sn1,sn2'),('r3','sn3');
SQL
"$XCATFIX" "$DB" hosts <<SQL
INSERT INTO hosts (node, ip) VALUES ('sn1','$CLUSTER_SN1_ADDR'),
  ('sn2','$CLUSTER_SN2_ADDR'),('sn3','$CLUSTER_SN3_ADDR');
SQL

write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; bin_path = "$BIN"; };
state: { dir = "$TESTDIR/state"; };
probes: { interval = 1; retry_interval = 0.5; startup_spread = 0.5; };
health: { stable_for = 2; witness: { retry = 1; timeout = 5; }; };
notify: { group_wait = 1; syslog: { enabled = false; };
	exec: { enabled = true; program = "/bin/true"; user = ""; }; };
CONF
log="$TESTDIR/daemon.log"
ip netns exec "$CLUSTER_MN_NS" env FAKEXCAT_LOG="$FAKEXCAT_LOG" \
    FAKEXCAT_SCENARIO="$FAKEXCAT_SCENARIO" "$SNGUARDD" -f \
    -c "$TESTDIR/snguard.conf" --xcatdb "SQLite:$DB" 2>>"$log" &
DAEMON_PID=$!
for sn in sn1 sn2 sn3; do
	wait_for 10 grep -q "$sn: UNKNOWN -> UP" "$log"
done
REMOTE="ping -c 3 -W 1 $CLUSTER_SN1_ADDR >/dev/null 2>&1 && echo SNGUARD_WITNESS_ALIVE || echo SNGUARD_WITNESS_DEAD"
# heal_and_wait SN: bring SN back and wait for UP.
heal_and_wait() {
	local n
	n=$(grep -c "$1: RECOVERING -> UP" "$log")
	"$CLUSTER_SH" heal "$1" link >/dev/null
	wait_for 30 sh -c "test \$(grep -c '$1: RECOVERING -> UP' '$log') -gt $n"
}

# The witness reaches sn1: a path problem, not a dead SN.
echo 'xdsh "sn2 *" print sn2: SNGUARD_WITNESS_ALIVE' >"$FAKEXCAT_SCENARIO"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "ALIVE from the witness: DOWN from the MN only" wait_for 30 grep -q \
    "sn1: DOWN from the MN only: MN-SN path problem (witness sn2 reaches $CLUSTER_SN1_ADDR)" "$log"
check "xdsh ran with the backup and the remote text as single arguments" \
    grep -qxF "[\"xdsh\",\"sn2\",\"$REMOTE\"]" "$FAKEXCAT_LOG"
db="$TESTDIR/state/snguard.sqlite"
# problem_says TEXT: the first problem's payload has TEXT.
problem_says() {
	sqlite3 "$db" "SELECT payload FROM outbox WHERE event = 'problem'" |
	    grep -q "$1"
}
check "the problem still in group_wait learns it: path_problem, warning" \
    wait_for 10 problem_says '"confirm":"path_problem".*"severity":"warning"'
check "no separate update for a problem not sent yet" test \
    "$(sqlite3 "$db" "SELECT COUNT(*) FROM outbox WHERE event = 'update'")" -eq 0
heal_and_wait sn1

# The witness cannot reach it either: confirmed.
echo 'xdsh "sn2 *" print sn2: SNGUARD_WITNESS_DEAD' >"$FAKEXCAT_SCENARIO"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "DEAD from the witness: confirmed" wait_for 30 grep -q \
    "sn1: DOWN confirmed (witness sn2 cannot reach $CLUSTER_SN1_ADDR either)" "$log"
heal_and_wait sn1

# xdsh fails: unavailable, asked again every witness.retry.
printf '%s\n' 'xdsh "sn2 *" error sn2: ssh: connect to host sn2: No route to host' \
    'xdsh "sn2 *" exit 1' >"$FAKEXCAT_SCENARIO"
: >"$FAKEXCAT_LOG"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "a failing xdsh: witness unavailable, with the reason" wait_for 30 grep -q \
    "sn1: DOWN witness_unavailable (no answer from witness sn2 (exited with status 1))" "$log"
check "asked again after witness.retry" wait_for 10 sh -c \
    "test \$(grep -c xdsh '$FAKEXCAT_LOG') -ge 3"
confirmed=$(grep -c "sn1: DOWN confirmed" "$log")
echo 'xdsh "sn2 *" print sn2: SNGUARD_WITNESS_DEAD' >"$FAKEXCAT_SCENARIO"
check "and confirmed once the witness answers" wait_for 10 sh -c \
    "test \$(grep -c 'sn1: DOWN confirmed' '$log') -gt $confirmed"
check "the confirmation after the problem went out is an update" \
    wait_for 10 sh -c "sqlite3 '$db' \"SELECT payload FROM outbox WHERE event = 'update'\" | grep -q '\"confirm\":\"confirmed\"'"
n=$(grep -c xdsh "$FAKEXCAT_LOG")
sleep 2.5
if [ "$(grep -c xdsh "$FAKEXCAT_LOG")" -eq "$n" ]; then
	ok "no more asking once confirmed"
else
	not_ok "no more asking once confirmed"
	grep -E "sn1|witness" "$log" | tail -12 | diag_file /dev/stdin
	diag_file "$FAKEXCAT_LOG"; date -u +%T.%N | diag_file /dev/stdin
fi
heal_and_wait sn1

# sn3's nodes name no backup.
"$CLUSTER_SH" fail sn3 link >/dev/null
check "no backup: witness unavailable at once" wait_for 30 grep -q \
    "sn3: DOWN witness_unavailable (no backup SN to ask" "$log"
heal_and_wait sn3

# A node of sn1 names sn3 as its backup: sn1 has two witnesses, both
# asked; one reaching it makes a path problem, every one that answers
# must say DEAD to confirm.
"$XCATFIX" "$DB" nodelist <<'SQL'
INSERT INTO nodelist (node, groups) VALUES ('c4','r4');
SQL
"$XCATFIX" "$DB" noderes <<'SQL'
INSERT INTO noderes (node, servicenode) VALUES ('r4','sn1,sn3');
SQL
n=$(grep -c "topology: 3 service nodes" "$log")
kill -HUP "$DAEMON_PID"
wait_for 10 sh -c "test \$(grep -c 'topology: 3 service nodes' '$log') -gt $n"
printf '%s\n' 'xdsh "sn2 *" print sn2: SNGUARD_WITNESS_DEAD' \
    'xdsh "sn3 *" print sn3: SNGUARD_WITNESS_ALIVE' >"$FAKEXCAT_SCENARIO"
: >"$FAKEXCAT_LOG"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "two witnesses, one reaches it: a path problem" wait_for 30 grep -q \
    "sn1: DOWN from the MN only: MN-SN path problem (witness sn3 reaches $CLUSTER_SN1_ADDR)" "$log"
check "both were asked" sh -c \
    "grep -qF '[\"xdsh\",\"sn2\",' '$FAKEXCAT_LOG' && grep -qF '[\"xdsh\",\"sn3\",' '$FAKEXCAT_LOG'"
heal_and_wait sn1
printf '%s\n' 'xdsh "sn2 *" print sn2: SNGUARD_WITNESS_DEAD' \
    'xdsh "sn3 *" print sn3: SNGUARD_WITNESS_DEAD' >"$FAKEXCAT_SCENARIO"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "both say DEAD: confirmed" wait_for 30 grep -q \
    "sn1: DOWN confirmed (witness sn2, sn3 cannot reach $CLUSTER_SN1_ADDR either)" "$log"
heal_and_wait sn1
printf '%s\n' 'xdsh "sn2 *" print sn2: SNGUARD_WITNESS_DEAD' \
    'xdsh "sn3 *" exit 1' >"$FAKEXCAT_SCENARIO"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "one DEAD, one without an answer: confirmed, and it says so" wait_for 30 grep -q \
    "sn1: DOWN confirmed (witness sn2 cannot reach $CLUSTER_SN1_ADDR either; no answer from sn3 (exited with status 1))" "$log"
heal_and_wait sn1

# health.watch narrows the SNs watched, as a noderange on the xCAT
# database; one that does not evaluate is said and narrows nothing.
sed -i 's/^health: { /health: { watch = "service,-sn3"; /' "$TESTDIR/snguard.conf"
kill -HUP "$DAEMON_PID"
check "health.watch leaves sn3 out" wait_for 10 grep -q \
    'topology: 1 service nodes not in health.watch "service,-sn3" are not watched' "$log"
check "sn3 is no longer watched" wait_for 5 grep -q "sn3: no longer watched" "$log"
sed -i 's/watch = "service,-sn3"/watch = "sn1,sn9"/' "$TESTDIR/snguard.conf"
kill -HUP "$DAEMON_PID"
check "a health.watch naming no node is said" wait_for 10 grep -q \
    'topology: health.watch "sn1,sn9" names sn9, which is no node' "$log"
sed -i 's/watch = "sn1,sn9"/watch = "(sn1,sn2"/' "$TESTDIR/snguard.conf"
kill -HUP "$DAEMON_PID"
check "a health.watch that does not evaluate is said, naming it" wait_for 10 \
    grep -q 'topology: health.watch "(sn1,sn2": .*; every SN counts' "$log"
check "and every SN is watched again" wait_for 10 sh -c \
    "test \$(grep -c 'sn3: watching' '$log') -eq 2"

# Split network: the witnesses ping the SN's node-facing address, the
# most frequent xcatmaster of its compute nodes (resolved through the
# hosts table), not the address the MN probes.
"$XCATFIX" "$DB" noderes <<'SQL'
UPDATE noderes SET xcatmaster = 'sn1-ib' WHERE node = 'r1';
SQL
"$XCATFIX" "$DB" hosts <<'SQL'
UPDATE hosts SET otherinterfaces = 'sn1-ib:192.0.2.41' WHERE node = 'sn1';
SQL
kill -HUP "$DAEMON_PID"
check "the witnesses of sn1 ping its compute nodes' xcatmaster" wait_for 10 \
    grep -q "sn1: its witnesses ping 192.0.2.41, the xcatmaster of its compute nodes" "$log"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "asked about the node-facing address" wait_for 30 \
    grep -q "sn1: asking sn2 whether it reaches 192.0.2.41" "$log"
check "the remote text carries it" wait_for 10 \
    grep -q "ping -c 3 -W 1 192.0.2.41 >/dev/null 2>&1 && echo SNGUARD_WITNESS_ALIVE" "$FAKEXCAT_LOG"
heal_and_wait sn1

# An empty witness command is no crash: the witness is unavailable.
sed -i 's/witness: { retry = 1; timeout = 5; }/witness: { retry = 1; timeout = 5; command = [ ]; }/' \
    "$TESTDIR/snguard.conf"
n=$(grep -c "configuration reloaded" "$log")
kill -HUP "$DAEMON_PID"
wait_for 10 sh -c "test \$(grep -c 'configuration reloaded' '$log') -gt $n"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "an empty witness command: unavailable, and said" wait_for 30 grep -q \
    "sn1: DOWN witness_unavailable (no answer from witness sn2 (its witness command is empty), sn3 (its witness command is empty))" "$log"
heal_and_wait sn1

kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
check "the daemon stops cleanly (got $?)" test $? -eq 0
DAEMON_PID=
check "no sanitizer report" sh -c "! grep -q Sanitizer '$log'"

done_testing
