# Takeover plans (health.md §10.1-10.2) through the control socket: a
# plan for an UP SN lists why it cannot run and carries no code; once sn1
# is DOWN and its witness confirms it, the plan is eligible: the compute
# nodes that move and where (one snmove per backup, an explicit list), the
# classes, the reboot waves of the statelite nodes, the risks (a node
# without a backup, one without provmethod), a 32-hex-digit id, a SHA-256
# state hash and an 8-character code shown once and stored only hashed.
# Planning needs the admin right and is audited.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p15 --sns 3

BIN="$TESTDIR/bin"
export FAKEXCAT_LOG="$TESTDIR/commands.log"
export FAKEXCAT_SCENARIO="$TESTDIR/scenario"
mkdir -p "$DB" "$BIN"
ln -s "$top_builddir/tests/fakexcat/fakexcat" "$BIN/xdsh"
: >"$FAKEXCAT_LOG"
echo 'xdsh "sn2 *" print sn2: SNGUARD_WITNESS_DEAD' >"$FAKEXCAT_SCENARIO"
"$XCATFIX" "$DB" nodelist <<'SQL'
INSERT INTO nodelist (node, groups) VALUES ('sn1','service'),
  ('sn2','service'),('sn3','service'),('c1','compute'),('c2','compute'),
  ('c3','compute'),('c4','compute'),('c5','compute'),('c6','compute'),
  ('c7','compute');
SQL
"$XCATFIX" "$DB" noderes <<'SQL'
INSERT INTO noderes (node, servicenode, xcatmaster) VALUES
  ('c1','sn1,sn2','sn1'),('c2','sn1,sn2','sn1'),('c3','sn1,sn2','sn1'),
  ('c4','sn1,sn2','sn1'),('c5','sn1','sn1'),('c6','sn1,sn2','sn1'),
  ('c7','sn3,sn2','sn3');
SQL
"$XCATFIX" "$DB" nodetype <<'SQL'
INSERT INTO nodetype (node, os, provmethod) VALUES
  ('c1','rhels9','netboot'),('c2','rhels9','statelite'),
  ('c3','rhels9','install'),('c5','rhels9','statelite'),
  ('c6','rhels9','statelite'),('c7','rhels9','install');
SQL
"$XCATFIX" "$DB" hosts <<SQL
INSERT INTO hosts (node, ip) VALUES ('sn1','$CLUSTER_SN1_ADDR'),
  ('sn2','$CLUSTER_SN2_ADDR'),('sn3','$CLUSTER_SN3_ADDR');
SQL

chmod 711 "$TESTDIR"
CTL="$TESTDIR/ctl/ctl.sock"
write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; bin_path = "$BIN"; };
state: { dir = "$TESTDIR/state"; };
control: { socket = "$CTL"; group = "nogroup"; };
probes: { interval = 1; retry_interval = 0.5; startup_spread = 0.5;
	snmp: { enabled = false; }; };
health: { stable_for = 2; witness: { retry = 1; timeout = 5; }; };
notify: { group_wait = 1; syslog: { enabled = false; };
	exec: { enabled = true; program = "/bin/true"; user = ""; }; };
takeover: { backup_stable = 2; wave = 1; };
CONF
ip netns exec "$CLUSTER_MN_NS" env FAKEXCAT_LOG="$FAKEXCAT_LOG" \
    FAKEXCAT_SCENARIO="$FAKEXCAT_SCENARIO" "$SNGUARDD" -f \
    -c "$TESTDIR/snguard.conf" --xcatdb "SQLite:$DB" 2>>"$log" &
DAEMON_PID=$!
for sn in sn1 sn2 sn3; do
	wait_for 10 grep -q "$sn: UNKNOWN -> UP" "$log"
done

sg() {
	"$SNGUARD" "$@" -S "$CTL"
}
# field EXPR: a python expression on the last plan reply (r).
field() {
	python3 -c "
import json, sys
r = json.load(open('$TESTDIR/plan.json'))
p = r['plan']
ok = $1
if not ok:
    print('# refusals: %s' % p.get('refusals'))
sys.exit(0 if ok else 1)"
}

# --- sn1 is UP: a plan says why not, and gives no code. ---
check "a plan for an UP SN is computed" sh -c "'$SNGUARD' plan sn1 -S '$CTL' --json >'$TESTDIR/plan.json'"
check "... not eligible, because sn1 is up" \
    field "not p['eligible'] and 'sn1 is UP, not DOWN' in p['refusals']"
check "... and carries no code" field "'code' not in r"
check "an SN that is no node is refused" sh -c \
    "! '$SNGUARD' plan nosuch -S '$CTL' 2>'$TESTDIR/err' &&
     grep -q 'nosuch is not a node of the xCAT database' '$TESTDIR/err'"
check "a user outside the admin group may not plan" sh -c \
    "! runuser -u nobody -- '$SNGUARD' plan sn1 -S '$CTL' 2>'$TESTDIR/err' &&
     grep -q 'permission denied' '$TESTDIR/err'"

# --- sn1 dies, its witness confirms: an eligible plan. ---
"$CLUSTER_SH" fail sn1 link >/dev/null
check "sn1 DOWN, confirmed by its witness" wait_for 30 grep -q "sn1: DOWN confirmed" "$log"
check "the plan" sh -c "'$SNGUARD' plan sn1 -S '$CTL' --json >'$TESTDIR/plan.json'"
check "... is eligible" field "p['eligible'] and p['refusals'] == []"
check "... moves the five nodes with a backup, not c5" \
    field "p['moving'] == 5 and [n['name'] for n in p['nodes'] if n['moves']] == ['c1','c2','c3','c4','c6']"
check "... with one snmove to sn2 and an explicit node list" \
    field "p['moves'] == [{'backup': 'sn2', 'count': 5, 'argv': ['snmove', 'c1-c4,c6', '-s', 'sn1', '-d', 'sn2']}]"
check "... reboots the statelite nodes, one wave each" field "p['waves'] == [['c2'], ['c6']]"
check "... keeps stateless and diskful nodes running" \
    field "{n['name']: n['class'] for n in p['nodes']} == {'c1': 'stateless', 'c2': 'statelite', 'c3': 'diskful', 'c4': 'unknown', 'c5': 'statelite', 'c6': 'statelite'}"
check "... names the risks" \
    field "any('c4 has no provmethod' in x for x in p['risks']) and any('c5 has no backup' in x for x in p['risks'])"
check "... fences by attestation (sn1 has no power method)" field "p['fencing'] == 'attest'"
check "... has a 32-hex-digit id and a SHA-256 state hash" \
    field "len(p['id']) == 32 and int(p['id'], 16) >= 0 and len(p['state_hash']) == 64"
check "... and an 8-character code from the alphabet" \
    field "len(r['code']) == 8 and all(c in 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789' for c in r['code'])"
code=$(python3 -c "import json; print(json.load(open('$TESTDIR/plan.json'))['code'])")
id=$(python3 -c "import json; print(json.load(open('$TESTDIR/plan.json'))['plan']['id'])")
STATEDB="$TESTDIR/state/snguard.sqlite"
check "the plan is stored with its hash, the code only hashed" sh -c \
    "test \"\$(sqlite3 '$STATEDB' \"SELECT state, kind FROM plans WHERE key = '$id'\")\" = 'planned|takeover' &&
     test \$(sqlite3 '$STATEDB' \"SELECT length(code_hash) FROM plans WHERE key = '$id'\") -eq 64 &&
     ! sqlite3 '$STATEDB' .dump | grep -q '$code'"
check "planning is audited" sh -c \
    "sqlite3 '$STATEDB' \"SELECT detail FROM audit WHERE what = 'plan'\" | grep -q 'sn=sn1 plan=$id hash=.* eligible=yes nodes=5: ok'"
sg plan sn1 >"$TESTDIR/human"
check "the human form shows the commands and the code" sh -c \
    "grep -q '^    snmove c1-c4,c6 -s sn1 -d sn2   (5 nodes)' '$TESTDIR/human' &&
     grep -q '^  reboot wave 2: c6' '$TESTDIR/human' &&
     grep -q '^  confirmation code (for you only): [A-Z2-9]\{8\}' '$TESTDIR/human'"
check "each plan has its own id and code" sh -c \
    "! grep -q '$code' '$TESTDIR/human' && ! grep -q '$id' '$TESTDIR/human'"
check "the takeover's commands were not run" sh -c \
    "! grep -q 'snmove\|rpower\|rnetboot' '$FAKEXCAT_LOG'"

"$CLUSTER_SH" heal sn1 link >/dev/null
agent_stop
done_testing
