# snguard netboot on a simulated cluster: the fake rpower, rsetboot,
# rnetboot and xdsh keep each node's power and boot device and set
# nodelist.status in the real SQLite database; the nodes answer ICMP on
# loopback addresses. Checked: the plan per class, the order of
# operations (never on before "net", never reset/boot/cycle), the rpower
# off fallback, per-node failures, waves and abort between waves.
. "$(dirname "$0")/common.sh"

XCATFIX="$top_builddir/tests/xcatfix"
DB="$TESTDIR/xcat"
BIN="$TESTDIR/bin"
export FAKEXCAT_LOG="$TESTDIR/commands.log"
export FAKEXCAT_SCENARIO="$TESTDIR/scenario"
export FAKEXCAT_STATE="$TESTDIR/state"
export FAKEXCAT_DB="$DB"
unset XCATCFG SNGUARD_CONF SNGUARD_XCAT_PATH

if ! command -v ping >/dev/null; then
	echo "1..0 # SKIP ping is not installed"
	exit 0
fi

mkdir -p "$BIN"
for c in xdsh nodeset rpower rsetboot rnetboot; do
	ln -sf "$top_builddir/tests/fakexcat/fakexcat" "$BIN/$c"
done

fix() {
	"$XCATFIX" "$DB" "$1" || not_ok "fixture $1"
}

# A fresh cluster: every node on, booted from disk, status booted.
make_cluster() {
	rm -rf "$DB" "$FAKEXCAT_STATE"
	mkdir -p "$DB" "$FAKEXCAT_STATE"
	fix nodelist <<'SQL'
INSERT INTO nodelist (node, groups, status) VALUES
 ('s01','lite,all','booted'),('s02','lite,all','booted'),
 ('s03','lite,all','booted'),('s04','lite,all','booted'),
 ('p01','power,all','booted'),('d01','disk,all','booted'),
 ('x01','ram,all','booted'),('a01','aix,all','booted'),
 ('u01','all','booted'),('m01','nomgt,all','booted');
SQL
	fix nodetype <<'SQL'
INSERT INTO nodetype (node, os, provmethod) VALUES
 ('lite','rhels9.4','img-nfs'),('power','rhels9.4','img-nfs'),
 ('disk','rhels9.4','install'),('ram','rhels9.4','img-ram'),
 ('aix','AIX','aixdl'),('nomgt','rhels9.4','statelite');
SQL
	fix osimage <<'SQL'
INSERT INTO osimage (imagename, provmethod, rootfstype) VALUES
 ('img-nfs','statelite','nfs'),('img-ram','statelite','ramdisk');
SQL
	fix nimimage <<'SQL'
INSERT INTO nimimage (imagename, nimtype) VALUES ('aixdl','diskless');
SQL
	fix nodehm <<'SQL'
INSERT INTO nodehm (node, mgt) VALUES
 ('lite','ipmi'),('power','fsp'),('disk','ipmi'),('ram','ipmi'),
 ('aix','hmc'),('all','ipmi');
INSERT INTO nodehm (node, mgt) VALUES ('nomgt',NULL);
SQL
	sqlite3 "$DB/nodehm.sqlite" "DELETE FROM nodehm WHERE node='nomgt'"
	sqlite3 "$DB/nodehm.sqlite" "UPDATE nodehm SET mgt=NULL WHERE node='all'"
	fix hosts <<'SQL'
INSERT INTO hosts (node, ip) VALUES ('all','|\D+(\d+)|127.0.1.($1+0)|');
SQL
	: >"$FAKEXCAT_LOG"
	: >"$FAKEXCAT_SCENARIO"
}

write_conf netboot.conf <<CONF
xcat: { db = "SQLite:$DB"; bin_path = "$BIN"; system_resolver = false; };
takeover: { wave = 2; wave_timeout = 4; wave_pause = "200ms";
	shutdown_grace = "500ms"; };
netboot: { poll = "100ms"; off_timeout = "500ms"; command_timeout = 2; };
CONF
export SNGUARD_CONF="$TESTDIR/netboot.conf"

# order_ok NODE: in the log, rsetboot net for NODE comes before rpower on.
order_ok() {
	awk -v n="$1" '
		/"rsetboot"/ && /"net"/ && index($0, n) { if (!net) net = NR }
		/"rpower"/ && /"on"\]/ && index($0, n) { if (!on) on = NR }
		END { exit !(net && on && net < on) }' "$FAKEXCAT_LOG"
}

no_violations() {
	check "$1: no rpower on before rsetboot net" \
		test ! -s "$FAKEXCAT_STATE/violations"
	check "$1: never rpower reset, boot or cycle" \
		test -z "$(grep -E '"rpower",[^]]*"(reset|boot|cycle)"' \
			"$FAKEXCAT_LOG")"
}

# The plan, per class, changes nothing.
make_cluster
expect_exit 0 "dry run" "$SNGUARD" netboot --dry-run all
expect_grep "$TESTDIR/out" '^netboot plan: 10 nodes, 6 to reboot in 3 waves$' \
	"dry run: the summary"
expect_grep "$TESTDIR/out" '^s01 +statelite +ipmi +[0-9]+ +rsetboot +statelite, mgt ipmi: nodeset, shutdown, rsetboot net, rpower on$' \
	"dry run: NFS statelite is rebooted, nodeset first"
expect_grep "$TESTDIR/out" '^p01 +statelite +fsp +[0-9] +rnetboot ' \
	"dry run: Power nodes use rnetboot"
expect_grep "$TESTDIR/out" '^a01 +aix-diskless +hmc +1 +rnetboot ' \
	"dry run: AIX diskless is rebooted"
expect_grep "$TESTDIR/out" "^d01 +diskful +ipmi +- +skip +diskful: snmove's postscripts retarget it$" \
	"dry run: diskful is skipped with its reason"
expect_grep "$TESTDIR/out" '^x01 +stateless +ipmi +- +skip +stateless: keeps running' \
	"dry run: RAM-disk statelite keeps running"
expect_grep "$TESTDIR/out" '^u01 +unknown +- +- +skip +class unknown' \
	"dry run: unknown class is skipped"
expect_grep "$TESTDIR/out" '^m01 +statelite +- +- +skip +nodehm.mgt unset' \
	"dry run: no power control is skipped"
expect_grep "$TESTDIR/out" '^RUN rsetboot a01|^RUN rnetboot a01' \
	"dry run: the commands are shown"
expect_text "$FAKEXCAT_LOG" "" "dry run: no command ran"
check "dry run: no power state touched" \
	test -z "$(ls "$FAKEXCAT_STATE")"
no_violations "dry run"

# A healthy run over two waves.
make_cluster
expect_exit 0 "reboot s01-s04 in two waves" "$SNGUARD" netboot s01-s04
expect_grep "$TESTDIR/out" '^s01 +back' "s01 is back"
expect_grep "$TESTDIR/out" '^s04 +back' "s04 is back"
expect_grep "$FAKEXCAT_LOG" '^\["nodeset","s01,s02","osimage=img-nfs"\]$' \
	"nodeset for the osimage first"
expect_grep "$FAKEXCAT_LOG" '^\["xdsh","s01,s02","-t","1","shutdown -h now"\]$' \
	"graceful shutdown"
for n in s01 s02 s03 s04; do
	check "$n: rsetboot net before rpower on" order_ok "$n"
done
check "wave 2 starts after wave 1 is back" awk '
	/"rpower","s01,s02","on"/ { w1 = NR }
	/"nodeset","s03,s04"/ { w2 = NR }
	END { exit !(w1 && w2 && w1 < w2) }' "$FAKEXCAT_LOG"
check "no rpower off when the shutdown worked" \
	test -z "$(grep '"off"' "$FAKEXCAT_LOG")"
no_violations "healthy run"

# Power and AIX nodes: rnetboot.
make_cluster
expect_exit 0 "rnetboot for p01 and a01" "$SNGUARD" netboot p01,a01
expect_grep "$FAKEXCAT_LOG" \
	'^\["rnetboot","a01,p01","-m","nodelist.status==booted","-t","20","-r","2"\]$' \
	"one rnetboot call"
no_violations "rnetboot"

# The shutdown fails, then hangs: rpower off follows.
make_cluster
printf 'xdsh * exit 1\n' >"$FAKEXCAT_SCENARIO"
expect_exit 0 "shutdown fails" "$SNGUARD" netboot s01,s02
expect_grep "$FAKEXCAT_LOG" '^\["rpower","s01,s02","off"\]$' \
	"fallback to rpower off"
check "s01: off, then net, then on" order_ok s01
no_violations "shutdown fails"
make_cluster
printf 'xdsh * hang\n' >"$FAKEXCAT_SCENARIO"
expect_exit 0 "shutdown hangs" "$SNGUARD" netboot s01
expect_grep "$TESTDIR/err" '^error: xdsh timed out after' "the hang is killed"
expect_grep "$FAKEXCAT_LOG" '^\["rpower","s01","off"\]$' \
	"fallback to rpower off after the hang"
no_violations "shutdown hangs"

# Per-node failures: never powered on without net, never on while on.
make_cluster
touch "$FAKEXCAT_STATE/s01.norsetboot" "$FAKEXCAT_STATE/s02.nooff" \
	"$FAKEXCAT_STATE/s02.noshutdown" "$FAKEXCAT_STATE/s03.noboot"
expect_exit 3 "some nodes fail" "$SNGUARD" netboot s01-s04
expect_grep "$TESTDIR/out" '^s01 +failed +rsetboot net: Error: cannot set the boot device$' \
	"rsetboot failure named"
expect_grep "$TESTDIR/out" '^s02 +failed +still on after rpower off: never booted$' \
	"a node that stays on is failed"
expect_grep "$TESTDIR/out" '^s03 +failed +not back within 4 s$' \
	"a node that does not come back is failed"
expect_grep "$TESTDIR/out" '^s04 +back' "the others are back"
check "s01 and s02 were never powered on" \
	test -z "$(grep -E '"rpower","[^"]*(s01|s02)[^"]*","on"' "$FAKEXCAT_LOG")"
no_violations "failures"

# JSON for scripts.
make_cluster
expect_exit 0 "--json" "$SNGUARD" netboot --json s01,d01
expect_grep "$TESTDIR/out" '"node": "s01"' "json: node"
expect_grep "$TESTDIR/out" '"result": "back"' "json: result"
expect_grep "$TESTDIR/out" '"result": "skipped"' "json: skipped node"

# Abort between waves: wave 2 never starts.
make_cluster
write_conf slow.conf <<CONF
xcat: { db = "SQLite:$DB"; bin_path = "$BIN"; system_resolver = false; };
takeover: { wave = 2; wave_timeout = 4; wave_pause = 20;
	shutdown_grace = "500ms"; };
netboot: { poll = "100ms"; off_timeout = "500ms"; command_timeout = 2; };
CONF
"$SNGUARD" netboot -c "$TESTDIR/slow.conf" s01-s04 >"$TESTDIR/out" 2>&1 &
pid=$!
check "wave 1 completes" wait_for 20 grep -q '^wave 1/2: 2 back' "$TESTDIR/out"
kill -INT "$pid"
wait "$pid"
rc=$?
check "abort: status 3" test "$rc" -eq 3
expect_grep "$TESTDIR/out" '^s03 +failed +not run: aborted before wave 2$' \
	"abort: wave 2 nodes not run"
check "abort: no command for wave 2" \
	test -z "$(grep -E 's03|s04' "$FAKEXCAT_LOG")"
no_violations "abort"

# --wave, --boot-timeout, --stateless.
make_cluster
expect_exit 0 "--wave 4 --stateless --dry-run" \
	"$SNGUARD" netboot --wave 4 --stateless --dry-run s01-s04,x01
expect_grep "$TESTDIR/out" '^netboot plan: 5 nodes, 5 to reboot in 2 waves$' \
	"--wave sets the wave size, --stateless adds stateless nodes"
expect_grep "$TESTDIR/out" '^RUN nodeset x01 osimage=img-ram$' \
	"a stateless node gets its nodeset too"
touch "$FAKEXCAT_STATE/s01.noboot"
expect_exit 1 "--boot-timeout" "$SNGUARD" netboot --boot-timeout 1 s01
expect_grep "$TESTDIR/out" '^s01 +failed +not back within 1 s$' \
	"--boot-timeout bounds the wait"
expect_exit 2 "--wave 0" "$SNGUARD" netboot --wave 0 s01

# Usage.
expect_exit 2 "no noderange" "$SNGUARD" netboot
expect_exit 1 "unknown nodes" "$SNGUARD" netboot nosuch
expect_grep "$TESTDIR/err" 'Invalid nodes in noderange:nosuch' "names them"

done_testing
