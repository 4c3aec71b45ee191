# A group- or world-writable configuration is refused with a clear message.
. "$(dirname "$0")/common.sh"

write_conf snguard.conf <<'CONF'
probes: { interval = 10; };
CONF

for mode in 664 646 620 602; do
	chmod "$mode" "$TESTDIR/snguard.conf"
	expect_exit 1 "mode $mode is refused by snguardd -n" \
		"$SNGUARDD" -n -c "$TESTDIR/snguard.conf"
	expect_text "$TESTDIR/err" \
		"$TESTDIR/snguard.conf: refusing a group- or world-writable configuration (mode 0$mode); run 'chmod go-w $TESTDIR/snguard.conf'" \
		"mode $mode: the message names the file, mode and fix"
	expect_exit 1 "mode $mode is refused by the daemon" \
		"$SNGUARDD" -f -c "$TESTDIR/snguard.conf"
done

for mode in 600 640 644 400; do
	chmod "$mode" "$TESTDIR/snguard.conf"
	expect_exit 0 "mode $mode is accepted" \
		"$SNGUARDD" -n -c "$TESTDIR/snguard.conf"
done

if [ "$(id -u)" -eq 0 ]; then
	chmod 644 "$TESTDIR/snguard.conf"
	chown 4242 "$TESTDIR/snguard.conf"
	expect_exit 1 "a file owned by another user is refused" \
		"$SNGUARDD" -n -c "$TESTDIR/snguard.conf"
	expect_grep "$TESTDIR/err" "owned by uid 4242" "the owner is named"
else
	ok "# SKIP not root: cannot give the file to another user"
fi

done_testing
