# Reminders and escalation (health.md §8.2): a critical incident that
# stays open is sent to tier 2 at its notify.escalation offset and to tier
# 3 at the next, each tier's mail recipients and SNMP destinations apart;
# reminders go every notify.reminder to the tiers reached so far; the
# resolved goes to every tier reached. A warning never escalates. The
# mails go through a sendmail stand-in that records the recipient and the
# subject.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p12 --sns 1

xcat_db

MAILS="$TESTDIR/mails"
: >"$MAILS"
# One line per message: the To header and the decoded-enough subject.
cat >"$TESTDIR/sendmail" <<SENDMAIL
#!/bin/sh
to=
subj=
while IFS= read -r line; do
	line=\$(printf '%s' "\$line" | tr -d '\r')
	[ -z "\$line" ] && break
	case \$line in
	To:*) to=\${line#To: } ;;
	X-Snguard-Event:*) ev=\${line#X-Snguard-Event: } ;;
	X-Snguard-Fingerprint:*) fp=\${line#X-Snguard-Fingerprint: } ;;
	esac
done
cat >/dev/null
echo "\$ev \$fp \$to" >>"$MAILS"
SENDMAIL
chmod 755 "$TESTDIR/sendmail"

write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$TESTDIR/state"; };
probes: { interval = 1; retry_interval = 0.5; startup_spread = 0.5;
	snmp: { enabled = false; };
	tcp: { checks = ( { name = "xcatd"; port = $CLUSTER_XCATD_PORT; } ); }; };
health: { stable_for = 2; witness: { enabled = false; }; };
notify: { group_wait = 1; reminder = 4; escalation = [ 0, 6, 12 ];
	syslog: { enabled = false; };
	email: { enabled = true; transport = "sendmail";
		sendmail = "$TESTDIR/sendmail"; from = "snguard@mn1.example.org";
		to = [ "ops@example.org" ]; tier2 = [ "boss@example.org" ];
		tier3 = [ "cio@example.org" ]; }; };
CONF
agent_start sn1

# mails EVENT DIMENSION TO: how many mails of EVENT for sn1/DIMENSION
# went to TO; mails_are ... N: that many (for wait_for, which must count
# again at every try).
mails() {
	grep -c "^$1 sn1/$2 $3\$" "$MAILS"
}
mails_are() {
	test "$(mails "$1" "$2" "$3")" -eq "$4"
}

# --- A critical host incident stays open. ---
"$CLUSTER_SH" fail sn1 link >/dev/null
check "the problem goes to tier 1" wait_for 20 \
    mails_are problem host ops@example.org 1
check "tier 2 gets the escalation at +6 s" wait_for 15 \
    mails_are escalation host boss@example.org 1
check "a reminder goes to tiers 1 and 2" wait_for 10 sh -c \
    "grep -q '^reminder sn1/host ops@example.org\$' '$MAILS' &&
     grep -q '^reminder sn1/host boss@example.org\$' '$MAILS'"
check "tier 3 gets the escalation at +12 s" wait_for 15 \
    mails_are escalation host cio@example.org 1
check "then reminders reach tier 3" wait_for 10 \
    grep -q "^reminder sn1/host cio@example.org\$" "$MAILS"
check "the problem went to tier 1 only, each escalation to its tier only" sh -c \
    "test $(mails problem host ops@example.org) -eq 1 &&
     test $(mails problem host boss@example.org) -eq 0 &&
     test $(mails problem host cio@example.org) -eq 0 &&
     test $(mails escalation host ops@example.org) -eq 0 &&
     test $(grep -c '^escalation ' "$MAILS") -eq 2"
r1=$(mails reminder host ops@example.org)
check "reminders are spaced by notify.reminder (got $r1 in about 20 s)" \
    sh -c "[ $r1 -ge 2 ] && [ $r1 -le 6 ]"
expect_grep "$log" "incident [0-9]* \(sn1/host\): escalation to tier 2" \
    "the escalation is logged"
"$CLUSTER_SH" heal sn1 link >/dev/null
check "the resolved goes to every tier reached" wait_for 20 sh -c \
    "test \$(grep -c '^resolved sn1/host ' '$MAILS') -eq 3"
n=$(grep -c "^reminder sn1/host " "$MAILS")
sleep 6
check "no reminder after the resolution" \
    test "$(grep -c "^reminder sn1/host " "$MAILS")" -eq "$n"

# --- A warning: reminders to tier 1, never an escalation. ---
"$CLUSTER_SH" fail sn1 xcatd >/dev/null
check "the tcp warning goes to tier 1" wait_for 20 \
    grep -q "^problem sn1/tcp:$CLUSTER_XCATD_PORT ops@example.org\$" "$MAILS"
check "its reminder to tier 1" wait_for 15 \
    grep -q "^reminder sn1/tcp:$CLUSTER_XCATD_PORT ops@example.org\$" "$MAILS"
sleep 8
check "a warning never escalates" sh -c \
    "! grep -q 'sn1/tcp:$CLUSTER_XCATD_PORT boss@\|sn1/tcp:$CLUSTER_XCATD_PORT cio@' '$MAILS'"
"$CLUSTER_SH" heal sn1 xcatd >/dev/null
check "its resolved goes to tier 1 only" wait_for 20 \
    grep -q "^resolved sn1/tcp:$CLUSTER_XCATD_PORT ops@example.org\$" "$MAILS"

agent_stop
echo "# mails:"
diag_file "$MAILS"

done_testing
