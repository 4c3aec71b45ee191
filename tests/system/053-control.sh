# The control socket and what goes through it (health.md §5.2, §7, §10.8):
# snguard status; an acknowledgement stops reminders and is told to the
# tiers notified, withdrawn or expired they resume; a maintenance window
# holds an SN's notifications and, ended with the SN still DOWN, tells at
# once; an operator clears a degraded path and the SNs behind it go DOWN;
# a user outside control.admin_group may read but not change, and is
# audited; malformed and oversized requests get an error and change
# nothing.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p14 --sns 3

xcat_db --backups
NOTES="$TESTDIR/notes"
notify_hook "$NOTES"
# Mail through a sendmail stand-in: one line per message.
MAILS="$TESTDIR/mails"
: >"$MAILS"
cat >"$TESTDIR/sendmail" <<SENDMAIL
#!/bin/sh
grep -m1 '^Subject:' >>"$MAILS"
SENDMAIL
chmod 755 "$TESTDIR/sendmail"
hour0=$(date -u +%Y%m%d%H)
# nobody must reach the socket through the test's directory.
chmod 711 "$TESTDIR"
CTL="$TESTDIR/ctl/ctl.sock"
write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$TESTDIR/state"; };
control: { socket = "$CTL"; group = "nogroup"; max_request = 1024; };
probes: { interval = 1; retry_interval = 0.5; startup_spread = 0.5;
	snmp: { enabled = false; }; };
health: { stable_for = 2; witness: { enabled = false; };
	path: { window = 10; clear_after = 4; }; };
notify: { group_wait = 1; reminder = 3; escalation = [ 0, 3600, 7200 ];
	syslog: { enabled = false; };
	exec: { enabled = true; program = "$TESTDIR/hook"; user = ""; };
	email: { enabled = true; transport = "sendmail";
		sendmail = "$TESTDIR/sendmail"; to = [ "ops@example.org" ];
		rate_limit = 2; }; };
CONF
agent_start sn1 sn2 sn3

SG="$SNGUARD"
sg() {
	"$SG" "$@" -S "$CTL"
}
# lines PATTERN: notifications matching PATTERN so far.
lines() {
	grep -c -- "$1" "$NOTES"
}
more_than() {
	test "$(lines "$1")" -gt "$2"
}
# json EXPR: evaluate a python expression on `snguard status --json` (r).
json() {
	sg status --json | python3 -c "
import json, sys
r = json.load(sys.stdin)
sns = {s['name']: s for s in r['sns']}
sys.exit(0 if ($1) else 1)"
}

check "the socket is mode 0660, group nogroup" sh -c \
    "test \"\$(stat -c '%a %G' '$CTL')\" = '660 nogroup'"
out=$(sg status)
check "status lists the SNs, UP" sh -c \
    "printf '%s\n' '$out' | grep -q '^sn1 *UP' &&
     printf '%s\n' '$out' | grep -q '^sn3 *UP'"
check "status --json: three SNs, with backups and compute nodes" \
    json "len(sns) == 3 and sns['sn1']['backup'] == 'sn2' and sns['sn1']['children'] == 1"

# --- Acknowledgement: reminders stop, and start again. ---
"$CLUSTER_SH" fail sn1 link >/dev/null
check "sn1's problem is notified" wait_for 20 grep -q "^problem sn1 host" "$NOTES"
check "and reminded" wait_for 10 grep -q "^reminder sn1 host" "$NOTES"
id=$(sg incidents --json | python3 -c "
import json, sys
print([i['id'] for i in json.load(sys.stdin)['incidents'] if i['subject'] == 'sn1'][0])")
check "the incident is listed ($id)" test -n "$id"
check "snguard ack" sg ack "$id" -m "PSU swap under way"
check "the acknowledgement is notified" wait_for 5 \
    grep -q "^acknowledged sn1 host critical incident=$id reason=acknowledged by root: PSU swap under way" "$NOTES"
check "status shows who acknowledged" \
    json "sns['sn1']['incidents'][0]['state'] == 'acknowledged' and sns['sn1']['incidents'][0]['ack']['author'] == 'root'"
r=$(lines "^reminder sn1 host")
sleep 7
check "no reminder while acknowledged" test "$(lines "^reminder sn1 host")" -eq "$r"
check "snguard unack" sg unack "$id" -m "wrong incident"
check "reminders resume after unack" wait_for 10 more_than "^reminder sn1 host" "$r"
check "a second unack is refused" sh -c "! '$SG' unack '$id' -S '$CTL' 2>'$TESTDIR/err'"
check "... saying why" grep -q "has no acknowledgement in force" "$TESTDIR/err"
check "ack with an expiry" sg ack "$id" -m "look again in 4 s" --expire 4
r=$(lines "^reminder sn1 host")
check "the expiry ends it" wait_for 10 grep -q "incident $id: acknowledgement expired" "$log"
check "reminders resume after the expiry" wait_for 10 more_than "^reminder sn1 host" "$r"
check "an expiry beyond notify.ack_max is refused" sh -c \
    "! '$SG' ack '$id' -m x --expire 8d -S '$CTL' 2>'$TESTDIR/err' &&
     grep -q 'longer than notify.ack_max' '$TESTDIR/err'"
check "acknowledging a closed incident is refused" sh -c \
    "! '$SG' ack 999 -m x -S '$CTL' 2>/dev/null"
"$CLUSTER_SH" heal sn1 link >/dev/null
check "sn1's resolved is notified" wait_for 20 grep -q "^resolved sn1 host" "$NOTES"

# --- Maintenance: nothing told while it lasts, at once at its end. ---
check "snguard maint sn2" sh -c \
    "'$SG' maint sn2 --until +120s -m 'firmware upgrade' -S '$CTL' --xcatdb 'SQLite:$DB' >'$TESTDIR/out'"
check "... names the window" grep -q "^window [0-9]*: sn2 from .* (in force), by root: firmware upgrade" "$TESTDIR/out"
w=$(sed -n 's/^window \([0-9]*\):.*/\1/p' "$TESTDIR/out")
check "maint --list shows it" sh -c "'$SG' maint --list -S '$CTL' | grep -q '^window $w: sn2'"
"$CLUSTER_SH" fail sn2 link >/dev/null
check "sn2 goes DOWN in maintenance" wait_for 20 grep -q "sn2: .* -> DOWN" "$log"
check "its problem is held" wait_for 5 grep -q "sn2: problem of incident [0-9]* (host) held: maintenance window $w" "$log"
sleep 3
check "nothing is notified during the window" test "$(lines " sn2 ")" -eq 0
check "status shows the window" json "sns['sn2'].get('maintenance') == $w"
check "maint --end" sg maint --end "$w" -m "done early"
check "the held problem goes at once" wait_for 5 grep -q "^problem sn2 host" "$NOTES"
check "with a maintenanceEnd naming what is wrong" wait_for 5 \
    grep -q "^maintenanceEnd sn2 maintenance warning incident=0 reason=maintenance window $w (firmware upgrade) is over; sn2 is DOWN; open: host" "$NOTES"
"$CLUSTER_SH" heal sn2 link >/dev/null
check "sn2's resolved is notified" wait_for 20 grep -q "^resolved sn2 host" "$NOTES"
# A problem told before a window: its resolved is not held by it.
"$CLUSTER_SH" fail sn3 link >/dev/null
check "sn3's problem is notified" wait_for 20 grep -q "^problem sn3 host" "$NOTES"
check "a window for sn3" sg maint sn3 --until +1h -m "cabling" --xcatdb "SQLite:$DB"
"$CLUSTER_SH" heal sn3 link >/dev/null
check "its resolved goes out during the window" wait_for 20 grep -q "^resolved sn3 host" "$NOTES"
w3=$(sg maint --list --json | python3 -c "
import json, sys
print([w['id'] for w in json.load(sys.stdin)['windows'] if w['target'] == 'sn3'][0])")
check "and the window ends" sg maint --end "$w3"
check "a group noderange covers its SNs" sh -c \
    "'$SG' maint service --until +1h -m 'rack work' -S '$CTL' --xcatdb 'SQLite:$DB' --json >'$TESTDIR/out'"
check "... all three" python3 -c "
import json
w = json.load(open('$TESTDIR/out'))['window']
assert w['sns'] == ['sn1', 'sn2', 'sn3'] and w['target'] == 'service', w"
w2=$(python3 -c "import json; print(json.load(open('$TESTDIR/out'))['window']['id'])")
check "and ends" sg maint --end "$w2"
check "a window beyond notify.maintenance_max is refused" sh -c \
    "! '$SG' maint sn3 --until +8d -m x -S '$CTL' --xcatdb 'SQLite:$DB' 2>'$TESTDIR/err' &&
     grep -q 'longer than notify.maintenance_max' '$TESTDIR/err'"
check "an unknown node is refused" sh -c \
    "! '$SG' maint nosuch --until +1h -m x -S '$CTL' --xcatdb 'SQLite:$DB' 2>'$TESTDIR/err' &&
     grep -q 'not a node or group: nosuch' '$TESTDIR/err'"
check "a compute node is not a watched SN" sh -c \
    "! '$SG' maint c1 --until +1h -m x -S '$CTL' --xcatdb 'SQLite:$DB' 2>'$TESTDIR/err' &&
     grep -q 'not a watched service node: c1' '$TESTDIR/err'"

# --- A degraded path cleared by hand. ---
downs() {
	grep -c "$1: SUSPECT -> DOWN" "$log"
}
d2=$(downs sn2)
d3=$(downs sn3)
"$CLUSTER_SH" fail sn2 link >/dev/null &
p1=$!
"$CLUSTER_SH" fail sn3 link >/dev/null &
p2=$!
wait $p1 $p2
group=$(sg status --json | python3 -c "
import json, sys
print([s['group'] for s in json.load(sys.stdin)['sns'] if s['name'] == 'sn2'][0])")
check "sn2 and sn3 failing together degrade path group $group" wait_for 20 \
    grep -q "path group $group degraded" "$log"
check "neither is DOWN" sh -c "test $(downs sn2) -eq $d2 && test $(downs sn3) -eq $d3"
check "clearing an unknown group is refused" sh -c \
    "! '$SG' path-clear nosuch -S '$CTL' 2>'$TESTDIR/err' &&
     grep -q 'no path group \"nosuch\"' '$TESTDIR/err'"
check "snguard path-clear" sg path-clear "$group" -m "both really died"
check "the clear is logged with who and why" grep -q "path group $group clear: cleared by root: both really died" "$log"
both_down() {
	test "$(downs sn2)" -gt "$d2" && test "$(downs sn3)" -gt "$d3"
}
check "then both go DOWN" wait_for 10 both_down
check "and are notified" wait_for 10 sh -c \
    "test \$(grep -c '^problem sn3 host' '$NOTES') -eq 2 && test \$(grep -c '^problem sn2 host' '$NOTES') -eq 2"
check "a second clear is refused" sh -c \
    "! '$SG' path-clear '$group' -S '$CTL' 2>'$TESTDIR/err' && grep -q 'is not degraded' '$TESTDIR/err'"
"$CLUSTER_SH" heal sn2 link >/dev/null
"$CLUSTER_SH" heal sn3 link >/dev/null

# --- Who may do what (SO_PEERCRED). ---
check "a member of control.group may read" \
    runuser -u nobody -- "$SG" status -S "$CTL"
check "but not acknowledge" sh -c \
    "! runuser -u nobody -- '$SG' ack '$id' -m x -S '$CTL' 2>'$TESTDIR/err'"
check "... told why" grep -q "permission denied: nobody (uid [0-9]*) is neither root nor in control.admin_group" "$TESTDIR/err"
STATEDB="$TESTDIR/state/snguard.sqlite"
check "the refusal is audited" sh -c \
    "sqlite3 '$STATEDB' \"SELECT who, what, detail FROM audit WHERE who = 'nobody'\" | grep -q '^nobody|ack|refused'"
check "every change is audited with its outcome" sh -c \
    "test \$(sqlite3 '$STATEDB' \"SELECT COUNT(*) FROM audit WHERE who = 'root' AND detail LIKE '%: ok'\") -ge 7"
check "audit lines in the log" grep -q "audit: user=root uid=0 op=ack incident=$id" "$log"

# --- Malformed and oversized requests. ---
check "bad requests get errors, the connection and daemon carry on" python3 - "$CTL" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile('rwb')
def ask(b):
    f.write(b)
    f.flush()
    return json.loads(f.readline())
r = ask(b'not json\n')
assert r['ok'] is False and 'not JSON' in r['error'], r
r = ask(b'{"op":"shutdown"}\n')
assert 'unknown operation "shutdown"' in r['error'], r
r = ask(b'{"op":"ack","incident":1,"comment":"x","force":true}\n')
assert 'unknown field "force"' in r['error'], r
r = ask(b'{"op":"status"}\r\n')
assert r['ok'] is True and len(r['sns']) == 3, r
# 200 requests in one write, no reply read meanwhile: served one at a
# time, all answered, in order.
f.write(b''.join(b'{"op":"maint-list"}\n' if i % 2 else b'{"op":"version"}\n'
                 for i in range(200)))
f.flush()
for i in range(200):
    r = json.loads(f.readline())
    assert r['ok'] is True and (('windows' in r) if i % 2 else ('version' in r)), (i, r)
f.write(b'{"op":"status","pad":"' + b'x' * 3000)
f.flush()
r = json.loads(f.readline())
assert 'longer than control.max_request (1024 bytes)' in r['error'], r
assert f.readline() == b'', 'the connection is closed after it'
PY
check "a peer that half-closes after its request still gets the reply" python3 - "$CTL" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b'{"op":"status"}\n')
s.shutdown(socket.SHUT_WR)
data = b''
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
r = json.loads(data.split(b'\n')[0])
assert r['ok'] is True and len(r['sns']) == 3, r
PY
python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.close()" "$CTL"
check "the daemon still answers, after a peer that left without a word" sg status
"$SG" status -S "$TESTDIR/none.sock" 2>"$TESTDIR/err"
rc=$?
check "no daemon at the socket: exit 4 (got $rc), and the CLI says so" sh -c \
    "test $rc -eq 4 && grep -q 'is snguardd running' '$TESTDIR/err'"
check "a second daemon on the same socket refuses to start" sh -c \
    "! ip netns exec '$CLUSTER_MN_NS' '$SNGUARDD' -f -c '$TESTDIR/snguard.conf' --xcatdb 'SQLite:$DB' 2>'$TESTDIR/err2' &&
     grep -q 'is in use (another snguardd running?)' '$TESTDIR/err2'"

# --- notify.email.rate_limit: 2 mails an hour, the rest for the digest. ---
if [ "$(date -u +%Y%m%d%H)" = "$hour0" ]; then
	check "two mails this hour, no more" test "$(wc -l <"$MAILS")" -eq 2
else
	ok "# SKIP two mails this hour: the clock hour changed during the test"
fi
check "the excess is held for the next hour's digest" \
    grep -q "outbox: 2 mails to ops@example.org this hour: .* held for the digest at [0-9][0-9]:00 UTC" "$log"
check "the first held mail says why" sh -c \
    "test \$(sqlite3 '$STATEDB' \"SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND state = 'pending' AND last_error LIKE '%rate_limit reached: in the digest at %'\") -eq 1"
check "the others wait behind it for the digest" sh -c \
    "test \$(sqlite3 '$STATEDB' \"SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND state = 'pending'\") -ge 5"

agent_stop
check "the socket is removed at stop" test ! -e "$CTL"
echo "# notifications:"
diag_file "$NOTES"

done_testing
