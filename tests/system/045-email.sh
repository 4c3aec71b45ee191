# Mail notifications: over SMTP (libcurl) to a loopback sink in the mn
# namespace and through a sendmail stand-in. A DOWN mails every recipient
# once with RFC 5322 headers, a subject that says what broke and a body
# with the evidence, the backup SN and the command to take over; UP mails
# the resolution. A sink that is down, answers 451 or is SIGKILLed with
# the agent loses nothing and duplicates nothing; 550 is dead at once; a
# credentials file others can read is refused.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

if ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP python3 missing (it parses the mails)"
	exit 0
fi

cluster_up p6 --sns 2

XCATFIX="$top_builddir/tests/xcatfix"
SGSMTP="$top_builddir/tests/cluster/sgsmtp"
DB="$TESTDIR/xcat"
mkdir "$DB"
"$XCATFIX" "$DB" nodelist <<'SQL'
INSERT INTO nodelist (node, groups) VALUES ('c1','r1'),('c2','r1'),('c3','r1'),
  ('sn1','service'),('sn2','service');
SQL
"$XCATFIX" "$DB" noderes <<'SQL'
INSERT INTO noderes (node, servicenode) VALUES ('r1','sn1,sn2');
SQL
"$XCATFIX" "$DB" hosts <<SQL
INSERT INTO hosts (node, ip) VALUES ('sn1','$CLUSTER_SN1_ADDR'),
  ('sn2','$CLUSTER_SN2_ADDR');
SQL

MAIL="$TESTDIR/mail"
mkdir "$MAIL"
PORT=2525
# conf TRANSPORT GROUP_WAIT [extra email settings]
conf() {
	write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$TESTDIR/state"; };
probes: { interval = 1; retry_interval = 0.5; startup_spread = 0.5; };
# sn1 fails and heals often here, which is no flapping to hold back; sn1
# and sn2 failing together are no path problem.
health: { stable_for = 2; witness: { enabled = false; };
	flap_start = 100; flap_stop = 90; path: { min_sns = 3; }; };
notify: {
	group_wait = $2;
	syslog: { enabled = false; };
	outbox: { backoff = 1; backoff_cap = 2; };
	email: { enabled = true; transport = "$1";
		smtp_url = "smtp://127.0.0.1:$PORT"; smtp_require_tls = false;
		connect_timeout = 2; timeout = 10;
		sendmail = "$TESTDIR/sendmail";
		from = "snguard@mn1.example.org";
		to = [ "ops@example.org", "oncall@example.org" ]; ${3-} };
};
CONF
}
log="$TESTDIR/daemon.log"
start() {
	ip netns exec "$CLUSTER_MN_NS" "$SNGUARDD" -f -c "$TESTDIR/snguard.conf" \
	    --xcatdb "SQLite:$DB" 2>>"$log" &
	DAEMON_PID=$!
}
stop() {
	kill -"$1" "$DAEMON_PID"
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=
}
SINK_PID=
sink() {
	ip netns exec "$CLUSTER_MN_NS" "$SGSMTP" 127.0.0.1 "$PORT" "$MAIL" &
	SINK_PID=$!
	wait_for 5 mn bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
}
sink_stop() {
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID"
	SINK_PID=
}
email_cleanup() {
	sink_stop
	cluster_cleanup
}
trap email_cleanup EXIT
# mails WHAT: how many stored mails have X-Snguard-Event WHAT.
mails() {
	cat "$MAIL"/msg.* 2>/dev/null | grep -c "^X-Snguard-Event: $1" || :
}
mails_are() {
	test "$(mails "$1")" -eq "$2"
}
# The checks of one mail, by python's email parser.
check_mail() {
	python3 - "$@" <<'PYEOF'
import email, email.header, email.utils, sys, re
path, want = sys.argv[1], sys.argv[2]
raw = open(path, 'rb').read()
env, _, data = raw.partition(b'\n\n')
m = email.message_from_bytes(data)
subject = str(email.header.make_header(email.header.decode_header(m['Subject'])))
body = m.get_payload(decode=True).decode('utf-8')
def need(cond, what):
    if not cond:
        print('# %s: %s\n# subject: %s\n# body:\n%s' % (path, what, subject,
              re.sub('(?m)^', '# ', body)))
        sys.exit(1)
need(m['From'] == 'snguard@mn1.example.org', 'From')
need(m['To'] in ('ops@example.org', 'oncall@example.org'), 'To')
need(email.utils.parsedate_to_datetime(m['Date']) is not None, 'Date')
need(re.fullmatch(r'<snguard\.\d+\.\d+@[^>]+>', m['Message-ID']), 'Message-ID')
need(m['Content-Type'] == 'text/plain; charset=UTF-8', 'Content-Type')
need(m['X-Snguard-Fingerprint'] == 'sn1/host', 'fingerprint')
need(len(subject) <= 200, 'subject length')
if want == 'problem':
    need(subject == '[snguard] CRITICAL sn1 DOWN \u2014 3 compute nodes without primary',
         'subject')
    need('evidence: icmp' in body, 'evidence')
    need('backup service node: sn2 (UP)' in body, 'backup and its health')
    need('    snguard takeover sn1' in body, 'the command to run')
    need('confirmation: pending' in body, 'confirmation')
else:
    need(subject == '[snguard] RESOLVED sn1 UP again', 'subject')
    need('takeover' not in body, 'no takeover advice when resolved')
PYEOF
}

conf smtp 1
sink
start
wait_for 10 grep -q "sn1: UNKNOWN -> UP" "$log"
wait_for 10 grep -q "sn2: UNKNOWN -> UP" "$log"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "a DOWN mails both recipients" wait_for 30 mails_are problem 2
check "one envelope each" sh -c "grep -h '^RCPT TO:' '$MAIL'/msg.* | sort | tr '\n' ' ' | grep -qx 'RCPT TO:<oncall@example.org> RCPT TO:<ops@example.org> '"
for f in "$MAIL"/msg.*; do
	check "$(basename "$f"): headers, subject and body of the problem" \
	    check_mail "$f" problem
done
"$CLUSTER_SH" heal sn1 link >/dev/null
check "UP mails the resolution to both" wait_for 30 mails_are resolved 2
for f in $(grep -l "^X-Snguard-Event: resolved" "$MAIL"/msg.*); do
	check "$(basename "$f"): the resolved mail" check_mail "$f" resolved
done

# The sink is down while sn1 fails: retried, delivered when it is back,
# once per recipient.
sink_stop
"$CLUSTER_SH" fail sn1 link >/dev/null
check "with the sink down the problem is retried" wait_for 30 grep -q \
    "outbox: problem email to ops@example.org failed (attempt 2)" "$log"
"$SNGUARD" events -c "$TESTDIR/snguard.conf" --failed >"$TESTDIR/out"
expect_grep "$TESTDIR/out" "Couldn't connect|Failed to connect|Connection refused" \
    "snguard events shows why"
sink
if wait_for 30 mails_are problem 4; then
	ok "the sink back: both problems delivered"
else
	not_ok "the sink back: both problems delivered"
	grep -E 'outbox|email|smtp|sn1' "$log" | tail -20 | diag_file /dev/stdin
	ls "$MAIL" | diag_file /dev/stdin
	"$SNGUARD" events -c "$TESTDIR/snguard.conf" | head | diag_file /dev/stdin
	date -u +%T | diag_file /dev/stdin
	gdb -p "$(pgrep -f "snguardd -f -c $TESTDIR")" -batch -ex 'thread 1' -ex bt 2>&1 | grep '^#' | diag_file /dev/stdin
fi
sleep 3
check "and not twice" mails_are problem 4
"$CLUSTER_SH" heal sn1 link >/dev/null
wait_for 30 mails_are resolved 4

# 451 is retried, 550 is dead at once.
echo "451 1" >"$MAIL/reply"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "a 451 is retried and then delivered" wait_for 30 mails_are problem 6
expect_grep "$log" "failed \(attempt 1\): SMTP server answered 451" \
    "the 451 is logged with the attempt"
"$CLUSTER_SH" heal sn1 link >/dev/null
wait_for 30 mails_are resolved 6
echo "550 1" >"$MAIL/reply"
"$CLUSTER_SH" fail sn1 link >/dev/null
check "a 550 makes the row dead at once" wait_for 30 grep -q \
    "is dead after 1 attempts: SMTP server answered 550" "$log"
"$CLUSTER_SH" heal sn1 link >/dev/null
wait_for 30 mails_are resolved 8
stop TERM

# SIGKILL with problems in the outbox: delivered once after the restart.
conf smtp 4
start
wait_for 10 sh -c "grep -c 'sn1: UNKNOWN -> UP' '$log' | grep -qx 2"
"$CLUSTER_SH" fail sn1 link >/dev/null
wait_for 20 sh -c "grep -c 'sn1: incident [0-9]* opened\|sn1: incident [0-9]* reopened' '$log' | grep -qx 5"
before=$(mails problem)
stop KILL
start
check "after SIGKILL and restart the queued problem reaches both" \
    wait_for 30 mails_are problem $((before + 2))
sleep 3
check "exactly once" mails_are problem $((before + 2))
"$CLUSTER_SH" heal sn1 link >/dev/null
wait_for 30 mails_are resolved 10

# sn1 and sn2 fail together: their problems fall due together and each
# recipient gets one mail naming both.
before=$(mails problem)
"$CLUSTER_SH" fail sn1 link >/dev/null &
pid=$!
"$CLUSTER_SH" fail sn2 link >/dev/null
wait $pid
check "two SNs failing within group_wait: one mail per recipient" \
    wait_for 30 sh -c "test \$(grep -l '^X-Snguard-Incidents: ' '$MAIL'/msg.* 2>/dev/null | wc -l) -eq 2"
for f in $(grep -l "^X-Snguard-Incidents: " "$MAIL"/msg.* 2>/dev/null); do
	check "$(basename "$f") tells both SNs" sh -c \
	    "grep -q 'incident [0-9]* (sn1/host), problem' '$f' &&
	     grep -q 'incident [0-9]* (sn2/host), problem' '$f'"
done
sleep 3
check "and no mail of its own for either" mails_are problem $((before + 2))
expect_grep "$log" "outbox: 2 events for ops@example.org go as one mail" \
    "the batch is logged"
"$CLUSTER_SH" heal sn1 link >/dev/null
"$CLUSTER_SH" heal sn2 link >/dev/null
stop TERM
check "the daemon stops cleanly (got $rc)" [ "$rc" -eq 0 ]

# sendmail: argv, never a shell, the message on stdin.
cat >"$TESTDIR/sendmail" <<EOF
#!/bin/sh
{ printf 'ARGV:'; printf ' <%s>' "\$@"; echo; cat; } >"$MAIL/sendmail.\$\$"
EOF
chmod 755 "$TESTDIR/sendmail"
conf sendmail 1
expect_exit 0 "notify-test through sendmail" \
    "$SNGUARD" notify-test -c "$TESTDIR/snguard.conf" --channel email
check "sendmail ran with -t -oi -f FROM, once per recipient" sh -c \
    "grep -h '^ARGV:' '$MAIL'/sendmail.* | sort -u | grep -qx 'ARGV: <-t> <-oi> <-f> <snguard@mn1.example.org>' && test \$(ls '$MAIL' | grep -c '^sendmail') -eq 2"
cat "$MAIL"/sendmail.* >"$TESTDIR/sent"
expect_grep "$TESTDIR/sent" "^Subject: \[snguard\] TEST notification" \
    "the message came on stdin"

# A credentials file others can read is refused, naming it.
printf 'user:secret\n' >"$TESTDIR/creds"
chmod 644 "$TESTDIR/creds"
conf smtp 1 "smtp_credentials = \"$TESTDIR/creds\";"
expect_exit 1 "notify-test with readable credentials fails" \
    "$SNGUARD" notify-test -c "$TESTDIR/snguard.conf" --channel email
expect_grep "$TESTDIR/out" "$TESTDIR/creds must be a regular file owned by uid 0 and readable only by it" \
    "the error names the file and the rule"
check "the password is in no output" sh -c "! grep -q secret '$TESTDIR/out' '$TESTDIR/err' '$log'"
check "no sanitizer report" sh -c "! grep -q Sanitizer '$log'"

done_testing
