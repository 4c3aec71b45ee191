# snguardd -n and snguard check-config accept the shipped configurations.
. "$(dirname "$0")/common.sh"

cp "$top_srcdir/conf/snguard.conf" "$TESTDIR/sample.conf"
chmod 644 "$TESTDIR/sample.conf"

expect_exit 0 "snguardd -n accepts the sample" \
	"$SNGUARDD" -n -c "$TESTDIR/sample.conf"
expect_text "$TESTDIR/out" "configuration OK" "snguardd -n says OK"

expect_exit 0 "snguard check-config accepts the sample" \
	"$SNGUARD" check-config -c "$TESTDIR/sample.conf"
expect_text "$TESTDIR/out" "configuration OK" "check-config says OK"

cp "$top_srcdir/conf/demo.conf" "$TESTDIR/demo.conf"
chmod 644 "$TESTDIR/demo.conf"
expect_exit 0 "the demo configuration is valid" \
	"$SNGUARDD" -n -c "$TESTDIR/demo.conf"

write_conf env.conf <<'CONF'
probes: { interval = 30; };
CONF
SNGUARD_CONF="$TESTDIR/env.conf" expect_exit 0 "SNGUARD_CONF is read" \
	"$SNGUARD" check-config
expect_text "$TESTDIR/out" "configuration OK" "SNGUARD_CONF file is OK"
write_conf env-bad.conf <<'CONF'
probes: { interval = 0; };
CONF
SNGUARD_CONF="$TESTDIR/env-bad.conf" expect_exit 1 \
	"SNGUARD_CONF errors are reported" "$SNGUARD" check-config
expect_grep "$TESTDIR/err" "env-bad.conf:1: probes.interval:" \
	"the SNGUARD_CONF error names file, line and key"

expect_exit 0 "snguardd -V" "$SNGUARDD" -V
expect_grep "$TESTDIR/out" '^snguardd [0-9]+\.[0-9]+\.[0-9]+$' \
	"snguardd -V prints the version"
expect_exit 0 "snguard version" "$SNGUARD" version
expect_exit 2 "snguard without a command is a usage error" "$SNGUARD"
expect_exit 2 "snguard with an unknown command is a usage error" \
	"$SNGUARD" frobnicate
expect_grep "$TESTDIR/err" "unknown command 'frobnicate'" \
	"the unknown command is named"
expect_exit 2 "check-config with a stray argument is a usage error" \
	"$SNGUARD" check-config extra

done_testing
