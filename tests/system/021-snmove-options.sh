# snmove: option parsing as Getopt::Long with bundling does it, the checks
# of spec/snmove.md 3 with their exact messages, and the AIX, route and
# disabled-row paths.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/snmove-env.sh"

usage_first="snmove - move xCAT compute nodes from their service node to a backup service node."

# Parsing.
expect_exit 0 "-h exits 0" "$SNMOVE" -h
expect_grep "$TESTDIR/out" "^$usage_first\$" "-h prints the usage on stdout"
expect_exit 0 "--HELP: long names ignore case" "$SNMOVE" --HELP
expect_exit 0 "-v exits 0" "$SNMOVE" -v
expect_grep "$TESTDIR/out" '^Version .* \(xCAT-compatible snmove\)$' "-v line"
expect_exit 2 "unknown option" "$SNMOVE" -x n01
expect_grep "$TESTDIR/err" "^$usage_first\$" "usage on stderr"
expect_exit 2 "--sou is ambiguous" "$SNMOVE" --sou svc1
expect_exit 2 "--des is ambiguous" "$SNMOVE" n01 --des svc2
expect_exit 2 "--d is ambiguous" "$SNMOVE" n01 --d svc2
expect_exit 2 "a trailing value option" "$SNMOVE" n01 -d
expect_exit 2 "-P and -i" "$SNMOVE" n01 -iP syslog
expect_text "$TESTDIR/err" \
	"Error: -P and -i flags cannot be specified at the same time." \
	"check 4 message"
expect_exit 2 "two noderanges" "$SNMOVE" n01 n02
expect_grep "$TESTDIR/err" '^Error: Too many paramters\.$' "check 5 message"
expect_exit 2 "nothing to move" "$SNMOVE" -V
expect_grep "$TESTDIR/err" \
	'^Error: A node range or the source service node must be specified\.$' \
	"check 6 message"
expect_exit 2 "an empty -s counts as not given" "$SNMOVE" -s ""
expect_exit 2 "-s 0 counts as not given" "$SNMOVE" -s 0
expect_exit 2 "--undo with -d" "$SNMOVE" --undo x -d svc2
expect_text "$TESTDIR/err" \
	"Error: The --undo option cannot be combined with node selection or move options." \
	"check 6a message"
expect_exit 2 "unknown move id" "$SNMOVE" --undo nosuch
expect_text "$TESTDIR/err" "Error: Unknown move id 'nosuch'." "unknown id message"

# Bundling, attached values, abbreviations, permutation, --opt=value.
for args in "-iVdsvc2 n01" "n01 --ign --DEST=svc2" "--dry --dest svc2 n01" \
	"-Vi -- n01"; do
	make_fixture
	scenario </dev/null
	# shellcheck disable=SC2086
	expect_exit 0 "parses: $args" "$SNMOVE" $args
done
expect_grep "$TESTDIR/out" '^Running internal xCAT command: xdsh svc2 -s /sbin/ip addr  \.\.\. $' \
	"-V shows each command before it runs"
make_fixture
scenario </dev/null
expect_exit 0 "-d takes the next word even with a dash" \
	"$SNMOVE" n01 -d -i -D x-cn
expect_text <(sql noderes "SELECT servicenode FROM noderes WHERE node='n01'") \
	"-i,svc1,svc2" "-d -i set dest to -i"
make_fixture
scenario </dev/null
expect_exit 2 "-source means -s ource" "$SNMOVE" -source -d svc2 -D y
expect_text "$TESTDIR/err" "Error: Could not get xCAT object definitions." \
	"-source selected the nodes of 'ource': none"

# -S replaces the old xcatmaster of every node.
make_fixture
scenario </dev/null
expect_exit 0 "-S svc1-cn on a node of svc2" "$SNMOVE" n05 -S svc1-cn
expect_text <(sql noderes "SELECT servicenode, xcatmaster, tftpserver FROM noderes
	WHERE node='n05'") "svc1,svc2|10.20.0.11|10.20.0.11" \
	"-S: tftpserver equal to the given old master rewritten"

# Where things are found: -c, --xcatdb, XCATCFG, SNGUARD_XCAT_PATH.
make_fixture
scenario </dev/null
mv "$DB" "$TESTDIR/xcat2"
expect_exit 3 "the configured database is gone" "$SNMOVE" n01 --dry-run
expect_grep "$TESTDIR/err" '^Error: ' "the database error is named"
expect_exit 0 "--xcatdb overrides xcat.db" \
	"$SNMOVE" --xcatdb "SQLite:$TESTDIR/xcat2" n01 --dry-run
expect_exit 0 "XCATCFG overrides xcat.db" \
	env XCATCFG="SQLite:$TESTDIR/xcat2" "$SNMOVE" n01 --dry-run
mv "$TESTDIR/xcat2" "$DB"
cp "$TESTDIR/snguard.conf" "$TESTDIR/other.conf"
expect_exit 0 "-c names the configuration" \
	env -u SNGUARD_CONF "$SNMOVE" -c "$TESTDIR/other.conf" n01 --dry-run
mkdir "$TESTDIR/nobin"
expect_exit 2 "SNGUARD_XCAT_PATH overrides xcat.bin_path" \
	env SNGUARD_XCAT_PATH="$TESTDIR/nobin" "$SNMOVE" n01 --dry-run
expect_grep "$TESTDIR/err" \
	'^Error: Could not get IP addresses from service node svc2\.$' \
	"no xdsh along SNGUARD_XCAT_PATH"

# Validation messages.
make_fixture
before=$(db_sum)
expect_exit 2 "missing nodes" "$SNMOVE" n01,nosuch,n99
expect_text "$TESTDIR/err" "Error: Invalid nodes in noderange:nosuch,n99" \
	"check 7 message, in evaluation order"
expect_exit 2 "unbalanced parentheses" "$SNMOVE" "(n01"
expect_text "$TESTDIR/err" "Error: Unbalanced parentheses in noderange" \
	"check 7a message"
"$XCATFIX" "$DB" nodelist <<'SQL'
INSERT INTO nodelist (node, groups) VALUES ('lone','other'),('lone2','other');
SQL
before=$(db_sum)
expect_exit 2 "unresolvable nodes" "$SNMOVE" lone,lone2,n01
expect_text "$TESTDIR/err" "Error: Could not resolve node 'lone'.
Error: Could not resolve node 'lone2'." "check 8: every such node"
check "unresolvable nodes changed nothing" test "$(db_sum)" = "$before"
sql nodetype "INSERT INTO nodetype (node, os) VALUES ('n05','AIX')"
before=$(db_sum)
expect_exit 2 "AIX and Linux mixed" "$SNMOVE" n01,n05
expect_text "$TESTDIR/err" \
	"Error: This command does not support a mix of AIX and Linux nodes." \
	"check 10 message"
expect_exit 2 "-l with Linux nodes" "$SNMOVE" n01 -l
expect_text "$TESTDIR/err" \
	"Error: The '-l' option is not supported for Linux nodes." \
	"check 11 message"
check "no validation error changed the database" test "$(db_sum)" = "$before"

# The default-route fix and a disabled node row.
make_fixture
sql networks "UPDATE networks SET gateway='<xcatmaster>' WHERE netname='cn'"
sql noderes "INSERT INTO noderes (node, comments, disable) VALUES ('n02','x','1')"
scenario <<'SCN'
xdsh "n01,n02 -v route add default gw 10.20.0.12" error n02: SIOCADDRT: File exists
xdsh "n01,n02 -v route add default gw 10.20.0.12" exit 1
SCN
expect_exit 0 "route fix, File exists ignored" "$SNMOVE" n01,n02
expect_grep "$TESTDIR/out" '^Checking the default routes on the nodes\.$' \
	"route info line"
expect_grep "$FAKEXCAT_LOG" \
	'^\["xdsh","n01,n02","-v","route add default gw 10.20.0.12"\]$' \
	"one route call per gateway"
expect_grep "$TESTDIR/err" \
	'^Warning: node n02 has a disabled row in table noderes; ' \
	"check 18: disabled row warning"

# AIX: niminit, xcatinfo, bootlist.
make_fixture
"$XCATFIX" "$DB" nodelist <<'SQL'
INSERT INTO nodelist (node, groups) VALUES ('a01','aix,all');
SQL
"$XCATFIX" "$DB" nodetype <<'SQL'
INSERT INTO nodetype (node, os, provmethod) VALUES ('aix','AIX','aiximg');
SQL
"$XCATFIX" "$DB" nimimage <<'SQL'
INSERT INTO nimimage (imagename, nimtype) VALUES ('aiximg','standalone');
SQL
sql noderes "INSERT INTO noderes (node, servicenode, xcatmaster)
	VALUES ('aix','svc1,svc2','svc1-cn')"
sql hosts "INSERT INTO hosts (node, ip) VALUES ('a01','10.20.1.21')"
"$XCATFIX" "$DB" statelite <<'SQL'
INSERT INTO statelite (node, image, statemnt, mntopts) VALUES
 ('aix',NULL,'svc1-cn:/nodedata','rw,hard'),
 ('a0',NULL,'svc1-cn:/wrong','ro'),
 ('aix2',NULL,'nfs9:/external',NULL),
 ('a01',NULL,'$noderes.xcatmaster://var/$node',NULL);
SQL
sql statelite "UPDATE statelite SET node='aix,aix2' WHERE node='aix2'"
scenario </dev/null
expect_exit 0 "-l: statelite only" "$SNMOVE" a01 -l -D 10.20.0.12
expect_text "$TESTDIR/out" "" "-l: no info lines"
expect_text <(cat "$FAKEXCAT_LOG") \
'["xdsh","svc1","-s","/usr/bin/rsync -arlHpEAogDz /nodedata/a01 svc2:/nodedata 2>&1"]
["xdsh","svc1","-s","/usr/bin/rsync -arlHpEAogDz /var/a01/a01 svc2:/var/a01 2>&1"]' \
	"-l: one rsync per directory from the old SN, exact membership, external NFS left alone"
expect_text <(sql statelite "SELECT statemnt FROM statelite WHERE node='a01'") \
	'$noderes.xcatmaster://var/$node' "-l: no database change"
sql statelite "DELETE FROM statelite WHERE node='a01'"
scenario <<'SCN'
xdsh "a01 -s netstat -in" print a01: en0 1500 link#2 0.1.2.3.4.5 0 0 0\na01: en1 1500 10.20 10.20.1.21 0 0 0
SCN
expect_exit 0 "AIX move with -D" "$SNMOVE" a01 -D 10.20.0.12
expect_text <(sql statelite "SELECT statemnt, mntopts FROM statelite
	WHERE node='a01'") "10.20.0.12:/nodedata|rw,hard" \
	"statelite row written with mntopts copied"
expect_text <(cat "$FAKEXCAT_LOG") '["xdsh","svc1","-s","/usr/bin/rsync -arlHpEAogDz /nodedata/a01 svc2:/nodedata 2>&1"]
["xdsh","a01","-s","/usr/sbin/niminit -a name=a01 -a master=svc2 >/dev/null 2>&1"]
["xdsh","a01","echo \"XCATSERVER=10.20.0.12\" > /etc/xcatinfo"]
["xdsh","a01","-s","netstat -in"]
["xdsh","a01","-s","/usr/bin/bootlist -m normal ent1 gateway= bserver=10.20.0.12 client=10.20.1.21 "]
["updatenode","a01","-s"]
["updatenode","a01","-P","syslog"]' "AIX commands in order"
expect_grep "$TESTDIR/out" '^Updating the bootlist\.$' "bootlist info line"
sql site "INSERT INTO site (key, value) VALUES ('sharedinstall','sns')"
expect_exit 2 "AIX with sharedinstall=sns" "$SNMOVE" a01 -D 10.20.0.12
expect_text "$TESTDIR/err" \
	"Error: AIX nodes with site.sharedinstall=sns are not supported by this snmove." \
	"check 17 message"
expect_exit 2 "-l with sharedinstall=sns" "$SNMOVE" a01 -l -D 10.20.0.12
expect_text "$TESTDIR/err" \
	"Error: The liteonly option is not valaid when using a shared file system across service nodes." \
	"check 16 message"

done_testing
