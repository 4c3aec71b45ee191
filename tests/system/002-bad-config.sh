# Each kind of configuration error exits 1 and names file, line and key,
# through both snguardd -n and snguard check-config.
. "$(dirname "$0")/common.sh"

# bad NAME EXPECTED_LINE: $TESTDIR/NAME (from stdin) is refused with exactly
# EXPECTED_LINE (the file name prefixed) by both programs.
bad() {
	local name=$1 line="$TESTDIR/$1$2"
	write_conf "$name"
	expect_exit 1 "snguardd -n refuses $name" \
		"$SNGUARDD" -n -c "$TESTDIR/$name"
	expect_text "$TESTDIR/err" "$line" "snguardd -n names the error in $name"
	expect_exit 1 "check-config refuses $name" \
		"$SNGUARD" check-config -c "$TESTDIR/$name"
	expect_text "$TESTDIR/err" "$line" "check-config names the error in $name"
}

bad syntax.conf ":3: syntax error" <<'CONF'
probes: {
	interval = 10;
	icmp: { count = ; };
};
CONF

bad unknown.conf ":4: probes.icmp.retries: unknown key" <<'CONF'
# A key the schema does not have.
probes: {
	icmp: {
		retries = 3;
	};
};
CONF

bad type.conf ":2: takeover.wave: expected an integer, found a string" <<'CONF'
takeover: {
	wave = "32";
};
CONF

bad range.conf ":3: probes.snmp.retries: 11 is above the maximum 10" <<'CONF'
probes: {
	snmp: {
		retries = 11;
	};
};
CONF

bad enum.conf ":2: probes.snmp.version: unknown value 'v1' (expected one of: v2c, v3)" <<'CONF'
probes: {
	snmp: { version = "v1"; };
};
CONF

bad duration.conf ":1: notify.group_wait: '30 sec' is not a duration (a number of seconds, or a number followed by ms, s, m, h or d)" <<'CONF'
notify: { group_wait = "30 sec"; };
CONF

bad rule.conf ":3: probes.retry_interval: must not be longer than probes.interval" <<'CONF'
probes: {
	interval = 5;
	retry_interval = 6;
};
CONF

bad fencing.conf ":2: takeover.fencing: takeover is enabled without a fencing policy (rpower, attest or rpower-or-attest)" <<'CONF'
takeover: {
	fencing = "none";
};
CONF

bad trapdest.conf ":3: notify.snmp.destinations[0]: a v2c destination needs a community" <<'CONF'
notify: {
	snmp: { destinations = (
		{ host = "127.0.0.1"; }
	); };
};
CONF

write_conf several.conf <<'CONF'
probes: {
	interval = 0;
	bogus = 1;
};
CONF
expect_exit 1 "every error of a file is reported" \
	"$SNGUARDD" -n -c "$TESTDIR/several.conf"
expect_grep "$TESTDIR/err" "several.conf:2: probes.interval: 0 is below the minimum 1" \
	"first of two errors reported"
expect_grep "$TESTDIR/err" "several.conf:3: probes.bogus: unknown key" \
	"second of two errors reported"

expect_exit 1 "a missing file is refused" \
	"$SNGUARDD" -n -c "$TESTDIR/missing.conf"
expect_text "$TESTDIR/err" "$TESTDIR/missing.conf: No such file or directory" \
	"the missing file is named"

write_conf daemon.conf <<'CONF'
health: { rise = 0; };
CONF
expect_exit 1 "the daemon does not start on a bad file" \
	"$SNGUARDD" -f -c "$TESTDIR/daemon.conf"
expect_grep "$TESTDIR/err" "daemon.conf:1: health.rise: 0 is below the minimum 1" \
	"the daemon names the error"

done_testing
