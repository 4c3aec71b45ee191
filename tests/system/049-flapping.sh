# Flapping (health.md §5.2): an SN whose link goes down and up again and
# again changes state many times but notifies one flappingStart, nothing
# of its host while it flaps, one flappingEnd when it has settled, and
# then its state only if that differs from the last one told (here: UP
# again after a DOWN that was told, so one resolved).
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p10 --sns 1

xcat_db

NOTES="$TESTDIR/notes"
notify_hook "$NOTES"
write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$TESTDIR/state"; };
probes: { interval = 1; retry_interval = 0.5; startup_spread = 0.5; };
health: { stable_for = 2; witness: { enabled = false; }; };
notify: { group_wait = 1; syslog: { enabled = false; };
	exec: { enabled = true; program = "$TESTDIR/hook"; user = ""; }; };
CONF
agent_start sn1

# A first outage, told.
"$CLUSTER_SH" fail sn1 link >/dev/null
check "a first DOWN is notified" wait_for 20 grep -q "^problem sn1 host critical" "$NOTES"

# Then the link flaps: up 1.8 s (never the 3 good rounds that make it UP),
# down 4 s, until flapping has been seen for three more cycles (at most
# 12 cycles).
cycles=0
after=0
while [ "$cycles" -lt 12 ] && [ "$after" -lt 3 ]; do
	"$CLUSTER_SH" heal sn1 link >/dev/null
	sleep 1.8
	"$CLUSTER_SH" fail sn1 link >/dev/null
	sleep 4
	cycles=$((cycles + 1))
	grep -q "sn1: flapping started" "$log" && after=$((after + 1))
done
check "the flapping is detected (after $cycles cycles)" \
    grep -q "sn1: flapping started" "$log"
check "the SN really changed state many times" \
    test "$(grep -c 'sn1: RECOVERING -> DOWN' "$log")" -ge 3
check "one flappingStart is notified" \
    test "$(grep -c '^flappingStart sn1 flapping warning' "$NOTES")" -eq 1

# Settled: the link stays up; the SN is UP long before the flapping ends.
"$CLUSTER_SH" heal sn1 link >/dev/null
check "the SN comes UP" wait_for 20 grep -q "sn1: RECOVERING -> UP" "$log"
if wait_for 60 grep -q "sn1: flapping stopped" "$log"; then
	ok "flapping stops once the SN has settled"
else
	not_ok "flapping stops once the SN has settled"
	diag_file "$log"
fi
check "one flappingEnd is notified" wait_for 10 sh -c \
    "test \$(grep -c '^flappingEnd sn1 flapping' '$NOTES') -eq 1"
check "then the state, which differs from the DOWN told: resolved" wait_for 10 \
    grep -q "^resolved sn1 host critical incident=1 reason=UP when flapping stopped" "$NOTES"
sleep 2
check "nothing of the host was told while it flapped" sh -c \
    "! sed -n '/^flappingStart/,/^flappingEnd/p' '$NOTES' | grep -q ' host '"
check "in all: one problem, one flappingStart, one flappingEnd, one resolved" \
    test "$(wc -l <"$NOTES")" -eq 4

agent_stop
echo "# notifications:"
diag_file "$NOTES"

done_testing
