# MN-path inhibition (health.md §7): the SNs of one path group (the
# networks row holding their addresses) failing together are a problem of
# the MN's path, not of the SNs: one path incident, the SNs held in
# SUSPECT, no DOWN and no host notification; it clears after
# health.path.clear_after. One SN failing alone is its own DOWN. An anchor
# down degrades its group too; when it heals, an SN that really died goes
# DOWN and is notified then.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

# sn1..sn3 are watched; sn4 plays the group's switch (the anchor).
cluster_up p8 --sns 4

xcat_db --sns 3 --backups
# One enabled network holds them all; a disabled, more specific row for
# sn1 must be ignored.
"$XCATFIX" "$DB" networks <<'SQL'
INSERT INTO networks (netname, net, mask, disable) VALUES
  ('mgt', '10.0.0.0', '255.0.0.0', NULL),
  ('old', '10.1.0.0', '255.255.255.0', '1');
SQL

NOTES="$TESTDIR/notes"
notify_hook "$NOTES"
write_conf snguard.conf <<CONF
xcat: { topology_refresh = 3600; system_resolver = false; };
state: { dir = "$TESTDIR/state"; };
probes: { interval = 1; retry_interval = 0.5; startup_spread = 0.5; };
health: { stable_for = 2; witness: { enabled = false; };
	path: { window = 10; clear_after = 4;
		anchors = ( { group = "mgt"; address = "$CLUSTER_SN4_ADDR"; } ); }; };
notify: { group_wait = 8; syslog: { enabled = false; };
	exec: { enabled = true; program = "$TESTDIR/hook"; user = ""; }; };
CONF
agent_start sn1 sn2 sn3
check "the SNs are in the path group of their enabled networks row" \
    test "$(grep -c 'watching 10\.[123]\.0\.2, path group mgt$' "$log")" -eq 3
check "the anchor is watched" grep -q "path group mgt: anchor $CLUSTER_SN4_ADDR watched" "$log"

# lines PATTERN: notifications matching PATTERN so far.
lines() {
	grep -c -- "$1" "$NOTES"
}
# fail_all / heal_all: every watched SN's link at once (the MN uplink).
all_links() {
	local pids= sn
	for sn in sn1 sn2 sn3; do
		"$CLUSTER_SH" "$1" "$sn" link >/dev/null &
		pids="$pids $!"
	done
	# Not a bare wait: that would wait for the daemon too.
	wait $pids
}
fail_all() { all_links fail; }
heal_all() { all_links heal; }

# --- The uplink drops: one path incident, no DOWN. ---
fail_all
if wait_for 20 grep -q "path group mgt degraded" "$log"; then
	ok "all SNs failing together degrade the path"
else
	not_ok "all SNs failing together degrade the path"
	diag_file "$log"
fi
expect_grep "$log" "path group mgt degraded: [23] of 3 SNs failed within 10 s: " \
    "the log says how many failed together"
check "one path problem is notified" wait_for 20 \
    grep -q "^problem mgt path critical incident=" "$NOTES"
# Far longer than fall x retry_interval + group_wait.
sleep 6
check "no SN went DOWN" sh -c "! grep -q -- '-> DOWN' '$log'"
check "the SNs are held in SUSPECT" \
    test "$(grep -c 'held in SUSPECT: path group mgt is degraded' "$log")" -eq 3
check "no host notification" test "$(lines ' host ')" -eq 0
check "exactly one notification" test "$(wc -l <"$NOTES")" -eq 1
heal_all
if wait_for 30 grep -q "path group mgt clear" "$log"; then
	ok "the path clears once the SNs answer for clear_after"
else
	not_ok "the path clears once the SNs answer for clear_after"
	diag_file "$log"
fi
check "the path incident is resolved" wait_for 10 \
    grep -q "^resolved mgt path critical" "$NOTES"
check "still no host notification" test "$(lines ' host ')" -eq 0
for sn in sn1 sn2 sn3; do
	wait_for 20 sh -c "tail -n 20 '$log' | grep -q '$sn: .* -> UP'"
done

# --- One SN failing alone is its own DOWN. ---
"$CLUSTER_SH" fail sn1 link >/dev/null
check "one SN failing alone goes DOWN" wait_for 20 grep -q "sn1: SUSPECT -> DOWN" "$log"
check "and is notified" wait_for 20 grep -q "^problem sn1 host critical" "$NOTES"
check "the path stays healthy" test "$(grep -c 'path group mgt degraded' "$log")" -eq 1
"$CLUSTER_SH" heal sn1 link >/dev/null
check "its resolved follows" wait_for 20 grep -q "^resolved sn1 host" "$NOTES"

# --- The anchor goes down: the group degrades with every SN up. ---
n0=$(wc -l <"$NOTES")
"$CLUSTER_SH" fail sn4 link >/dev/null
check "the anchor goes DOWN" wait_for 20 \
    grep -q "path group mgt: anchor $CLUSTER_SN4_ADDR DOWN" "$log"
check "an anchor down degrades its group" wait_for 10 grep -q \
    "path group mgt degraded: anchor down: $CLUSTER_SN4_ADDR" "$log"
check "the path problem is notified" wait_for 20 sh -c \
    "test \$(grep -c '^problem mgt path' '$NOTES') -eq 2"
# sn2 dies while the anchor is down: held, not DOWN.
"$CLUSTER_SH" fail sn2 link >/dev/null
check "an SN failing meanwhile is held" wait_for 20 sh -c \
    "test \$(grep -c 'sn2: held in SUSPECT' '$log') -eq 2"
sleep 3
check "and does not go DOWN" sh -c "! grep -q 'sn2: SUSPECT -> DOWN' '$log'"
"$CLUSTER_SH" heal sn4 link >/dev/null
check "the anchor comes back" wait_for 20 \
    grep -q "path group mgt: anchor $CLUSTER_SN4_ADDR UP" "$log"
check "sn2 still failing alone: the path clears" wait_for 20 sh -c \
    "test \$(grep -c 'path group mgt clear' '$log') -eq 2"
check "then sn2 goes DOWN at its next failed round" wait_for 10 \
    grep -q "sn2: SUSPECT -> DOWN" "$log"
check "and its problem is notified" wait_for 20 \
    grep -q "^problem sn2 host critical" "$NOTES"
check "the second path incident is resolved" wait_for 10 sh -c \
    "test \$(grep -c '^resolved mgt path' '$NOTES') -eq 2"
"$CLUSTER_SH" heal sn2 link >/dev/null
wait_for 20 grep -q "^resolved sn2 host" "$NOTES"
wait_for 20 sh -c "tail -n 5 '$log' | grep -q 'sn2: RECOVERING -> UP'"

# --- sn1 dies, and while its problem waits in group_wait the others
# fail too: its DOWN is withheld; when the path clears with sn1 still
# dead, it is notified then. ---
"$CLUSTER_SH" fail sn1 link >/dev/null
wait_for 20 sh -c "test \$(grep -c 'sn1: SUSPECT -> DOWN' '$log') -eq 2"
"$CLUSTER_SH" fail sn2 link >/dev/null &
pid=$!
"$CLUSTER_SH" fail sn3 link >/dev/null
wait $pid
check "the path degrades a third time" wait_for 20 sh -c \
    "test \$(grep -c 'path group mgt degraded' '$log') -eq 3"
check "the waiting DOWN of sn1 is withheld" wait_for 5 grep -q \
    "sn1: its DOWN is not notified while path group mgt is degraded" "$log"
"$CLUSTER_SH" heal sn2 link >/dev/null &
pid=$!
"$CLUSTER_SH" heal sn3 link >/dev/null
wait $pid
check "the path clears with sn1 still dead" wait_for 30 sh -c \
    "test \$(grep -c 'path group mgt clear' '$log') -eq 3"
check "sn1's DOWN is notified then" wait_for 20 grep -q \
    "^problem sn1 host critical incident=2 reason=.*DOWN while path group mgt was degraded" "$NOTES"
check "once" test "$(lines '^problem sn1 host')" -eq 2
"$CLUSTER_SH" heal sn1 link >/dev/null
check "and resolved when it is back" wait_for 20 sh -c \
    "test \$(grep -c '^resolved sn1 host' '$NOTES') -eq 2"

agent_stop
echo "# notifications:"
diag_file "$NOTES"

done_testing
