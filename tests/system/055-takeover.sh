# A confirmed takeover end to end (health.md §10.4-10.6): sn1 dies, its
# witness confirms, a plan is made; a plan can be aborted, five wrong
# codes invalidate one, a non-terminal caller must give the code; the
# right code runs it: rpower fences sn1 (stat, off, stat), our snmove
# moves the nodes in the xCAT database, verify reads them back, snguard
# netboot reboots the statelite nodes one wave at a time (rsetboot net
# before rpower on, stateless and diskful nodes untouched), every step
# journalled, sn1 TAKEN_OVER. The daemon is killed during the second
# wave: restarted, the plan is paused (the move committed); --resume runs
# what is left, not wave 1 again. sn1 answering again stays TAKEN_OVER,
# also across a restart.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p16 --sns 2

BIN="$TESTDIR/bin"
export FAKEXCAT_LOG="$TESTDIR/commands.log"
export FAKEXCAT_SCENARIO="$TESTDIR/scenario"
export FAKEXCAT_STATE="$TESTDIR/power"
export FAKEXCAT_DB="$DB"
mkdir -p "$DB" "$BIN" "$FAKEXCAT_STATE"
for c in xdsh nodeset updatenode makeconservercf rpower rsetboot rnetboot; do
	ln -s "$top_builddir/tests/fakexcat/fakexcat" "$BIN/$c"
done
: >"$FAKEXCAT_LOG"
# sn2's leg in the compute network, for snmove's new xcatmaster.
cat >"$TESTDIR/sn2.ipaddr" <<'OUT'
sn2: 2: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP
sn2:     inet 127.0.1.252/24 brd 127.0.1.255 scope global eth1
OUT
cat >"$FAKEXCAT_SCENARIO" <<'RULES'
xdsh "sn2 *ping*" print sn2: SNGUARD_WITNESS_DEAD
xdsh "sn2 -s /sbin/ip addr*" print-file sn2.ipaddr
rsetboot "c4 *" sleep 4
rpower "sn1 off" sleep 2
RULES
"$XCATFIX" "$DB" nodelist <<'SQL'
INSERT INTO nodelist (node, groups, status) VALUES ('sn1','service',NULL),
  ('sn2','service',NULL),('c1','compute','booted'),('c2','compute','booted'),
  ('c3','compute','booted'),('c4','compute','booted');
SQL
"$XCATFIX" "$DB" noderes <<'SQL'
INSERT INTO noderes (node, servicenode, xcatmaster) VALUES
  ('compute','sn1,sn2','sn1');
SQL
"$XCATFIX" "$DB" nodetype <<'SQL'
INSERT INTO nodetype (node, os, provmethod) VALUES
  ('c1','rhels9','netboot'),('c2','rhels9','statelite'),
  ('c3','rhels9','install'),('c4','rhels9','statelite');
SQL
"$XCATFIX" "$DB" nodehm <<'SQL'
INSERT INTO nodehm (node, mgt) VALUES ('sn1','ipmi'),('compute','ipmi');
SQL
"$XCATFIX" "$DB" hosts <<SQL
INSERT INTO hosts (node, ip) VALUES ('sn1','$CLUSTER_SN1_ADDR'),
  ('sn2','$CLUSTER_SN2_ADDR'),('compute','|\D+(\d+)|127.0.1.(\$1+0)|');
SQL

"$XCATFIX" "$DB" networks <<'SQL'
INSERT INTO networks (netname, net, mask) VALUES ('cn','127.0.1.0','255.255.255.0');
SQL

chmod 711 "$TESTDIR"
NOTES="$TESTDIR/notes"
notify_hook "$NOTES"
CTL="$TESTDIR/ctl/ctl.sock"
# Traps go to a real snmptrapd in the mn namespace.
ROOT=.1.3.6.1.4.1.32473.1
TRAPPORT=16362
TRAPLOG="$TESTDIR/traps"
TRAPD_PID=
if command -v snmptrapd >/dev/null; then
	echo "authCommunity log sgtake" >"$TESTDIR/trapd.conf"
	MIBS= MIBDIRS=/nonexistent ip netns exec "$CLUSTER_MN_NS" snmptrapd -f \
	    -n -On -C -c "$TESTDIR/trapd.conf" -Lf "$TRAPLOG" \
	    -F "TRAP %V|%v\n" "udp:127.0.0.1:$TRAPPORT" >/dev/null 2>&1 &
	TRAPD_PID=$!
fi
trapd_cleanup() {
	[ -n "$TRAPD_PID" ] && kill "$TRAPD_PID" 2>/dev/null
	cluster_cleanup
}
trap trapd_cleanup EXIT
write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; bin_path = "$BIN";
	settle = 0; };
state: { dir = "$TESTDIR/state"; };
control: { socket = "$CTL"; };
probes: { interval = 1; retry_interval = 0.5; startup_spread = 0.5;
	snmp: { enabled = false; }; };
health: { stable_for = 2; witness: { retry = 1; timeout = 5; }; };
notify: { group_wait = 1; syslog: { enabled = false; };
	exec: { enabled = true; program = "$TESTDIR/hook"; user = ""; };
	snmp: { destinations = ( { host = "127.0.0.1"; port = $TRAPPORT;
		community = "sgtake"; } ); }; };
takeover: { backup_stable = 2; wave = 1; wave_pause = "500ms";
	wave_timeout = 10; fence_poll = "200ms"; fence_timeout = 5;
	shutdown_grace = "500ms"; };
netboot: { poll = "100ms"; off_timeout = "500ms"; command_timeout = 5; };
CONF
agent_start sn1 sn2
STATEDB="$TESTDIR/state/snguard.sqlite"

sg() {
	"$SNGUARD" "$@" -S "$CTL"
}
jget() {	# FILE EXPR: a python expression on the JSON in FILE (r)
	python3 -c "
import json, sys
r = json.load(open('$1'))
print($2)"
}
plan_state() {
	sqlite3 "$STATEDB" "SELECT state FROM plans WHERE key = '$1'"
}
new_plan() {	# sets id and code
	sg plan sn1 --json >"$TESTDIR/plan.json"
	id=$(jget "$TESTDIR/plan.json" "r['plan']['id']")
	code=$(jget "$TESTDIR/plan.json" "r.get('code', '')")
}

check "without a terminal, takeover SN asks for --yes --code" sh -c \
    "sg() { '$SNGUARD' \"\$@\" -S '$CTL'; }; sg takeover sn1 </dev/null >/dev/null 2>'$TESTDIR/err';
     test \$? -eq 2 && grep -q 'no terminal to confirm on' '$TESTDIR/err'"

"$CLUSTER_SH" fail sn1 link >/dev/null
check "sn1 DOWN, confirmed by its witness" wait_for 30 grep -q "sn1: DOWN confirmed" "$log"

# --- A plan aborted before it ran. ---
new_plan
check "an eligible plan with a code" test -n "$code"
check "abort a plan that did not run" sh -c "'$SNGUARD' takeover --abort $id -S '$CTL' | grep -q 'aborted'"
check "... it is aborted" test "$(plan_state "$id")" = aborted
check "... and cannot be confirmed any more" sh -c \
    "! '$SNGUARD' takeover --confirm $id --code $code -S '$CTL' 2>'$TESTDIR/err' &&
     grep -q 'is aborted' '$TESTDIR/err'"

# --- Five wrong codes invalidate a plan. ---
new_plan
check "a wrong code is refused, saying how many tries are left" sh -c \
    "! '$SNGUARD' takeover --confirm $id --code WRONG234 -S '$CTL' 2>'$TESTDIR/err' &&
     grep -q 'wrong code for plan $id (4 attempts left)' '$TESTDIR/err'"
for i in 2 3 4 5; do
	sg takeover --confirm "$id" --code WRONG234 2>"$TESTDIR/err"
done
check "the fifth wrong code invalidates the plan" sh -c \
    "grep -q 'now invalid (5 wrong codes)' '$TESTDIR/err' && test \"\$(sqlite3 '$STATEDB' \"SELECT state FROM plans WHERE key = '$id'\")\" = invalid"
check "... then even the right code is refused" sh -c \
    "! '$SNGUARD' takeover --confirm $id --code $code -S '$CTL' 2>'$TESTDIR/err' &&
     grep -q 'plan $id is invalid: too many wrong confirmation codes' '$TESTDIR/err'"
check "wrong codes are audited with the reason" sh -c \
    "test \$(sqlite3 '$STATEDB' \"SELECT COUNT(*) FROM audit WHERE what = 'takeover-confirm' AND detail LIKE '$id: refused: takeover: wrong code%'\") -eq 5"
check "nothing ran so far" sh -c "! grep -q '\"rpower\"' '$FAKEXCAT_LOG'"

# --- The xCAT database changes while sn1 is fenced: the re-check before
# the move refuses, nothing moves. ---
new_plan
sg takeover --confirm "$id" --code "$code" >"$TESTDIR/d.out" 2>&1 &
RUN=$!
check "a confirmed plan fences sn1 (slowly)" wait_for 20 \
    grep -q "takeover $id: rpower sn1 off" "$log"
sqlite3 "$DB/nodetype.sqlite" "UPDATE nodetype SET provmethod = 'statelite' WHERE node = 'c3'"
wait "$RUN"
rc=$?
check "a node changed during the fence: the takeover fails (exit $rc)" sh -c \
    "[ $rc -eq 1 ] && grep -q 'failed: move sn2 failed: re-checked before the move: the state of the SN, its backup or its nodes changed' '$TESTDIR/d.out'"
check "... and says so: takeoverFailed, critical" wait_for 10 grep -q \
    "^takeoverFailed sn1 takeover critical incident=0 reason=move sn2 failed: re-checked before the move" "$NOTES"
check "... before snmove ran: nothing moved" sh -c \
    "! grep -q '/snmove ' '$log' && '$top_builddir/snguard' nodes --xcatdb 'SQLite:$DB' -a servicenode c1 | grep -q 'servicenode=sn1,sn2'"
sqlite3 "$DB/nodetype.sqlite" "UPDATE nodetype SET provmethod = 'install' WHERE node = 'c3'"
echo on >"$FAKEXCAT_STATE/sn1.power"
: >"$FAKEXCAT_LOG"

# --- The takeover: sn2 takes sn1's nodes. ---
new_plan
sg takeover sn1 --yes --code "$code" -m "sn1 PSU failed" >"$TESTDIR/run.out" 2>"$TESTDIR/run.err" &

RUN=$!
check "the daemon starts the plan's reboot waves" wait_for 60 \
    grep -q "takeover $id: wave 2" "$log"
check "sn1 is TAKEN_OVER once the move committed" \
    grep -q "sn1: DOWN -> TAKEN_OVER: takeover $id" "$log"
# Wave 2 is slow (rsetboot c4 sleeps 4 s): kill the daemon in it, once
# the follower has shown wave 1's end.
check "the follower shows wave 1's end" wait_for 10 \
    grep -q '^  wave 1       ok' "$TESTDIR/run.out"
check "wave 2 is rebooting c4" wait_for 10 grep -q '"rsetboot","c4"' "$FAKEXCAT_LOG"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
wait "$RUN"
rc=$?
[ -s "$TESTDIR/run.err" ] && diag_file "$TESTDIR/run.err"
check "the follower stops when the daemon dies, saying so (exit $rc)" \
    [ "$rc" -eq 4 ]
check "it showed the steps as they ended" sh -c \
    "grep -q '^  fence        ok: sn1 is off after' '$TESTDIR/run.out' &&
     grep -q '^  move sn2     ok: snmove of 4 nodes to sn2 exited with status 0' '$TESTDIR/run.out' &&
     grep -q '^  verify       ok: 4 nodes name their backup first' '$TESTDIR/run.out' &&
     grep -q '^  wave 1       ok: 1 node: 1 back, 0 failed' '$TESTDIR/run.out'"
check "fenced: rpower stat, off, then stat says off" sh -c \
    "test \"\$(grep '^\\[\"rpower\",\"sn1\"' '$FAKEXCAT_LOG' | tr -d '\\n')\" = \
     '[\"rpower\",\"sn1\",\"stat\"][\"rpower\",\"sn1\",\"off\"][\"rpower\",\"sn1\",\"stat\"]' &&
     test \"\$(cat '$FAKEXCAT_STATE/sn1.power')\" = off"
check "the nodes name sn2 first, and its compute-network address" sh -c \
    "'$top_builddir/snguard' nodes --xcatdb 'SQLite:$DB' -a servicenode,xcatmaster c1-c4 >'$TESTDIR/nodes' &&
     test \$(grep -c ': servicenode=sn2,sn1\$' '$TESTDIR/nodes') -eq 4 &&
     test \$(grep -c ': xcatmaster=127.0.1.252\$' '$TESTDIR/nodes') -eq 4"

# The netboot of wave 2 outlives the daemon (own process group); let it end.
check "the orphaned netboot of wave 2 ends by itself" wait_for 20 \
    sh -c "! pgrep -f -- 'netboot .*--json c4\$' >/dev/null"
agent_start
check "restarted: the plan is paused, the move having committed" wait_for 15 \
    grep -q "takeover $id paused: the daemon stopped during wave 2" "$log"
check "... and the step in flight is journalled as aborted" sh -c \
    "test \"\$(sqlite3 '$STATEDB' \"SELECT j.state FROM takeover_journal j JOIN plans p ON p.id = j.plan WHERE p.key = '$id' AND j.step = 'wave 2'\")\" = aborted"
check "sn1 is still TAKEN_OVER after the restart" wait_for 10 sh -c \
    "'$SNGUARD' status -S '$CTL' --json | grep -q '\"TAKEN_OVER\"'"
check "--show tells why it is paused" sh -c \
    "'$SNGUARD' takeover --show $id -S '$CTL' | grep -q 'paused: the daemon stopped during wave 2.*--resume $id'"

# Meanwhile someone points c4 back at sn1: wave 2 must not reboot it
# (it would boot from the fenced SN).
sqlite3 "$DB/noderes.sqlite" "UPDATE noderes SET servicenode = 'sn1,sn2' WHERE node = 'c4'"
check "c4 names sn1 first again" sh -c \
    "'$top_builddir/snguard' nodes --xcatdb 'SQLite:$DB' -a servicenode c4 | grep -q 'servicenode=sn1,sn2'"
cp "$FAKEXCAT_LOG" "$TESTDIR/commands.before-resume"
check "--resume runs what is left" sh -c \
    "'$SNGUARD' takeover --resume $id -S '$CTL' >'$TESTDIR/resume.out' 2>&1"
diag_file "$TESTDIR/resume.out"
check "... it completes, c4 left out of wave 2" grep -q \
    "takeover $id of sn1: completed: 4 moved, 1 rebooted (1 back, 0 failed), 1 skipped" "$TESTDIR/resume.out"
check "notified: started, each step, resumed, completed" wait_for 10 sh -c \
    "grep -q '^takeoverStarted sn1 takeover info incident=0 reason=confirmed by root: sn1 PSU failed\$' '$NOTES' &&
     grep -q '^takeoverStep sn1 takeover info incident=0 reason=fence ok: sn1 is off after' '$NOTES' &&
     grep -q '^takeoverStep sn1 takeover info incident=0 reason=move sn2 ok: snmove of 4 nodes' '$NOTES' &&
     grep -q '^takeoverStep sn1 takeover info incident=0 reason=wave 1 ok: 1 node: 1 back' '$NOTES' &&
     grep -q '^takeoverStarted sn1 takeover info incident=0 reason=resumed by root from wave 2\$' '$NOTES' &&
     grep -q '^takeoverStep sn1 takeover info incident=0 reason=wave 2 skipped: no node to reboot: c4 not moved' '$NOTES' &&
     grep -q '^takeoverCompleted sn1 takeover info incident=0 reason=4 moved, 1 rebooted (1 back, 0 failed), 1 skipped\$' '$NOTES'"
if [ -n "$TRAPD_PID" ]; then
	check "traps: sngTakeoverStarted, Step, Completed with plan, operator, counts" wait_for 10 sh -c \
	    "grep -q 'OID: $ROOT.0.11|.*$ROOT.1.14.0 = STRING: \"$id\"' '$TRAPLOG' &&
	     grep -q 'OID: $ROOT.0.12|.*$ROOT.1.15.0 = STRING: \"root\"' '$TRAPLOG' &&
	     grep -q 'OID: $ROOT.0.13|$ROOT.1.1.0 = STRING: \"sn1\"|$ROOT.1.13.0 = STRING: \"sn2\"|$ROOT.1.14.0 = STRING: \"$id\"|$ROOT.1.15.0 = STRING: \"root\"|$ROOT.1.16.0 = STRING: \"moved=4,rebooted=1,failed=0,skipped=1\"|' '$TRAPLOG' &&
	     grep -q 'OID: $ROOT.0.14|' '$TRAPLOG'"
else
	ok "# SKIP snmptrapd is not installed: no trap check"
fi
check "... wave 2 says why" grep -q \
    "wave 2       skipped: no node to reboot: c4 not moved" "$TESTDIR/resume.out"
check "... and ran nothing on c4" sh -c \
    "test \$(grep -c '\"c4\"' '$FAKEXCAT_LOG') -eq \$(grep -c '\"c4\"' '$TESTDIR/commands.before-resume')"
check "... from wave 2: fence, move and wave 1 are not run again" sh -c \
    "test \$(grep -c '\"rpower\",\"sn1\",\"off\"' '$FAKEXCAT_LOG') -eq 1 &&
     test \$(grep -c '\"rsetboot\",\"c2\"' '$FAKEXCAT_LOG') -eq 1 &&
     test \$(grep -c 'takeover $id: .*/snmove ' '$log') -eq 1"
check "the statelite nodes were netbooted, never powered on before rsetboot net" sh -c \
    "test \"\$(cat '$FAKEXCAT_STATE/c2.boot')\" = net && test \"\$(cat '$FAKEXCAT_STATE/c4.boot')\" = net &&
     test ! -s '$FAKEXCAT_STATE/violations'"
check "the stateless and diskful nodes were not powered or netbooted" sh -c \
    "! grep -Eq '^\\[\"(rpower|rsetboot|rnetboot)\",\"c[13]\"' '$FAKEXCAT_LOG' &&
     ! grep -Eq '^\\[\"xdsh\",\"c[13]\".*shutdown' '$FAKEXCAT_LOG'"
sg takeover --show "$id" --json >"$TESTDIR/show.json"
check "the journal has every step, in order, each done" sh -c \
    "test \"\$(python3 -c \"
import json
r = json.load(open('$TESTDIR/show.json'))
print(' '.join(j['step'] + '=' + j['state'] for j in r['journal']))\")\" = \
'precheck=ok fence=ok move sn2=ok verify=ok wave 1=ok wave 2=aborted wave 2=skipped report=ok'"
check "... with each command's argv and exit code" sh -c \
    "python3 -c \"
import json, sys
r = json.load(open('$TESTDIR/show.json'))
m = [j for j in r['journal'] if j['step'] == 'move sn2'][0]
sys.exit(not (m['exit'] == 0 and m['argv'].endswith('c1-c4 -s sn1 -d sn2') and 'snmove' in m['argv']))\""
check "who confirmed it and why is kept" \
    test "$(jget "$TESTDIR/show.json" "r['confirmed_by'] + '|' + r['reason']")" = 'root|sn1 PSU failed'
check "the confirmation is audited" sh -c \
    "sqlite3 '$STATEDB' \"SELECT detail FROM audit WHERE what = 'takeover-confirm'\" | grep -q 'sn=sn1 plan=$id hash=.* reason=sn1 PSU failed'"
check "the same plan cannot run twice" sh -c \
    "! '$SNGUARD' takeover --confirm $id --code $code -S '$CTL' 2>'$TESTDIR/err' &&
     grep -q 'is completed' '$TESTDIR/err'"
check "a new plan for sn1 is not eligible now" sh -c \
    "'$SNGUARD' plan sn1 -S '$CTL' --json | grep -q 'sn1 is TAKEN_OVER, not DOWN'"

# --- sn1 answers again: it stays TAKEN_OVER, also across a restart. ---
"$CLUSTER_SH" heal sn1 link >/dev/null
check "sn1 answering again: recovered, not in service" wait_for 20 \
    grep -q "sn1: recovered, not in service" "$log"
check "... and still TAKEN_OVER" sh -c \
    "'$SNGUARD' status -S '$CTL' --json | grep -q '\"TAKEN_OVER\"' && ! grep -q 'sn1: TAKEN_OVER -> ' '$log'"
agent_stop
mark=$(wc -l <"$log")
agent_start sn2
sleep 3
tail -n +"$((mark + 1))" "$log" >"$TESTDIR/log3"
check "after a restart with sn1 answering, sn1 is TAKEN_OVER still" sh -c \
    "'$SNGUARD' status -S '$CTL' --json | grep -q '\"TAKEN_OVER\"' &&
     grep -q 'sn1: history restored (last state TAKEN_OVER' '$TESTDIR/log3' &&
     ! grep -q 'sn1: TAKEN_OVER -> \\|sn1: UNKNOWN -> ' '$TESTDIR/log3'"
agent_stop
done_testing
