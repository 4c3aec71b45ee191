# snmove on fixture F: the scenarios of spec/snmove.md 13, checked in the
# database (real SQLite files) and in the argv the fake xCAT commands
# recorded.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/snmove-env.sh"

# node_row TABLE NODE COLUMNS: the node's own row, "|"-separated.
node_row() {
	sql "$1" "SELECT $3 FROM $1 WHERE node = '$2'"
}

# commands: the recorded argv, one JSON array per line.
commands() {
	cat "$FAKEXCAT_LOG"
}

# 1. Basic move.
expect_exit 0 "1: snmove n01" "$SNMOVE" n01
expect_text "$TESTDIR/out" "Moving nodes to their backup service nodes.
Setting new values in the xCAT database.
$(grep '^Move journal id' "$TESTDIR/out")
Running makeconservercf n01
Running postscripts on the nodes." "1: info lines in order"
expect_text "$TESTDIR/err" "" "1: nothing on stderr"
expect_text <(node_row noderes n01 \
	servicenode,xcatmaster,tftpserver,nfsserver,monserver) \
	"svc2,svc1|10.20.0.12|10.20.0.12|10.20.0.12|svc2,10.20.0.12" \
	"1: noderes row of n01"
expect_text <(node_row nodehm n01 conserver) "svc2" "1: nodehm row of n01"
expect_text <(commands) '["xdsh","svc2","-s","/sbin/ip addr "]
["makeconservercf","n01"]
["nodeset","n01","osimage=rh94-netboot"]
["updatenode","n01","-s"]
["updatenode","n01","-P","syslog,mkresolvconf"]' "1: commands"
expect_text <(sql noderes "SELECT node, servicenode, xcatmaster FROM noderes
	WHERE node IN ('compute','rackb') ORDER BY node") \
	"compute|svc1,svc2|svc1-cn
rackb|svc2,svc1|svc2-cn" "1: group rows unchanged"
expect_text <(node_row noderes n02 servicenode) "" "1: n02 has no row"
M1=$(sed -n 's/^Move journal id: \([^ ]*\) .*/\1/p' "$TESTDIR/out")
check "1: journal id has the documented form" \
	grep -q -E '^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4}$' <<<"$M1"

# 13. Undo restores the old rows and runs the actions again.
scenario </dev/null
expect_exit 0 "13: snmove --undo" "$SNMOVE" --undo "$M1"
expect_text <(sql noderes "SELECT count(*) FROM noderes WHERE node='n01'") \
	0 "13: the created noderes row is deleted"
expect_text <(sql nodehm "SELECT count(*) FROM nodehm WHERE node='n01'") \
	0 "13: the created nodehm row is deleted"
expect_text <(commands) '["makeconservercf","n01"]
["nodeset","n01","osimage=rh94-netboot"]
["updatenode","n01","-s"]
["updatenode","n01","-P","syslog,mkresolvconf"]' "13: undo commands"
expect_exit 2 "13: an undone move cannot be undone twice" \
	"$SNMOVE" --undo "$M1"
expect_grep "$TESTDIR/err" "^Error: Cannot undo $M1: it is undone\.$" \
	"13: says why"
expect_exit 0 "13: --list-moves" "$SNMOVE" --list-moves
expect_grep "$TESTDIR/out" "^$M1 [0-9T:-]+Z [^ ]+ undone 1 n01$" \
	"13: the move is listed as undone"
expect_grep "$TESTDIR/out" " committed 1 n01 undo of $M1$" \
	"13: the undo is listed, newest first"

# 13b. Toggle: running snmove again writes addresses.
scenario </dev/null
expect_exit 0 "13: snmove n01 again" "$SNMOVE" n01
expect_exit 0 "13: and again (toggle)" "$SNMOVE" n01
expect_text <(node_row noderes n01 \
	servicenode,xcatmaster,tftpserver,nfsserver,monserver) \
	"svc1,svc2|10.20.0.11|10.20.0.11|10.20.0.11|svc1,10.20.0.11" \
	"13: toggled back with addresses"
expect_text <(node_row nodehm n01 conserver) "svc1" "13: conserver back"

# 13c. An edited cell blocks the undo.
make_fixture
scenario </dev/null
expect_exit 0 "13: move before an edit" "$SNMOVE" n01
M2=$(sed -n 's/^Move journal id: \([^ ]*\) .*/\1/p' "$TESTDIR/out")
sql noderes "UPDATE noderes SET tftpserver='tftp9' WHERE node='n01'"
before=$(db_sum)
expect_exit 2 "13: undo refuses after an edit" "$SNMOVE" --undo "$M2"
expect_text "$TESTDIR/err" \
	"Error: Cannot undo $M2: noderes.tftpserver of n01 was changed after the move." \
	"13: the conflict is named"
check "13: nothing changed" test "$(db_sum)" = "$before"

# 2. No backup: all or nothing.
make_fixture
scenario </dev/null
before=$(db_sum)
expect_exit 2 "2: snmove n01,n03" "$SNMOVE" n01,n03
expect_text "$TESTDIR/err" \
	"Error: Could not determine a backup service node for node n03." \
	"2: message"
expect_text <(commands) "" "2: no probe ran"
check "2: nothing changed" test "$(db_sum)" = "$before"

# 3. Rescue with -d.
expect_exit 0 "3: snmove n03 -d svc2" "$SNMOVE" n03 -d svc2
expect_text <(node_row noderes n03 \
	servicenode,xcatmaster,tftpserver,nfsserver,monserver) \
	"svc2,svc1|10.20.0.12|10.20.0.12|10.20.0.12|svc2,10.20.0.12" \
	"3: n03 row"
expect_text <(node_row nodehm n03 conserver) "svc2" "3: conserver"

# 4. Group precedence.
scenario </dev/null
expect_exit 0 "4: snmove n05" "$SNMOVE" n05
expect_text <(node_row noderes n05 \
	servicenode,xcatmaster,tftpserver,nfsserver,monserver) \
	"svc1,svc2|10.20.0.11|||" "4: only servicenode and xcatmaster"
expect_text <(node_row nodehm n05 conserver) "" "4: no nodehm row"
expect_text <(commands) '["xdsh","svc1","-s","/sbin/ip addr "]
["nodeset","n05","osimage=rh94-netboot"]
["updatenode","n05","-s"]
["updatenode","n05","-P","syslog,mkresolvconf"]' "4: no makeconservercf"

# 5. No leg in the subnet.
make_fixture
scenario </dev/null
before=$(db_sum)
expect_exit 2 "5: snmove n01 -d svc3" "$SNMOVE" n01 -d svc3
expect_text "$TESTDIR/err" \
	"Error: Could not determine an xcatmaster value for node n01." \
	"5: message"
check "5: nothing changed" test "$(db_sum)" = "$before"

# 6. Explicit destination.
scenario </dev/null
expect_exit 0 "6: snmove n01 -d svc3 -D svc3-cn" \
	"$SNMOVE" n01 -d svc3 -D svc3-cn
expect_text <(node_row noderes n01 \
	servicenode,xcatmaster,tftpserver,nfsserver,monserver) \
	"svc3,svc1,svc2|svc3-cn|svc3-cn|svc3-cn|svc3,svc3-cn" "6: n01 row"
expect_text <(node_row nodehm n01 conserver) "svc3" "6: conserver"
expect_text <(head -1 "$FAKEXCAT_LOG") '["makeconservercf","n01"]' \
	"6: no probe"

# 7. Selection by source.
make_fixture
scenario </dev/null
expect_exit 2 "7: snmove -s svc1 (n03 has no backup)" "$SNMOVE" -s svc1
expect_text "$TESTDIR/err" \
	"Error: Could not determine a backup service node for node n03." \
	"7: message"
expect_exit 0 "7: snmove -s svc1 -d svc2" "$SNMOVE" -s svc1 -d svc2
expect_text <(sql noderes "SELECT node, servicenode, nfsserver FROM noderes
	WHERE node LIKE 'n0%' ORDER BY node") "n01|svc2,svc1|10.20.0.12
n02|svc2,svc1|10.20.0.12
n03|svc2,svc1|10.20.0.12
n04|svc2,svc1|nfs01" "7: four nodes moved, n04 keeps nfs01"
expect_text <(commands) '["xdsh","svc2","-s","/sbin/ip addr "]
["makeconservercf","n01,n02,n03,n04"]
["nodeset","n01,n02,n03,n04","osimage=rh94-netboot"]
["updatenode","n01,n02,n03,n04","-s"]
["updatenode","n01,n02,n03,n04","-P","syslog,mkresolvconf"]' "7: commands"

# 7b. Undo of the four-node move: every row as it was.
M7=$(sed -n 's/^Move journal id: \([^ ]*\) .*/\1/p' "$TESTDIR/out")
scenario </dev/null
expect_exit 0 "7: undo the four-node move" "$SNMOVE" --undo "$M7"
expect_text <(sql noderes "SELECT node, servicenode, xcatmaster, nfsserver
	FROM noderes WHERE node LIKE 'n0%' ORDER BY node") "n03|svc1||
n04|||nfs01" "7: n01, n02 rows deleted; n03, n04 rows restored"
expect_text <(sql nodehm "SELECT count(*) FROM nodehm WHERE node LIKE 'n0%'") \
	0 "7: nodehm rows deleted"
expect_grep "$FAKEXCAT_LOG" '^\["makeconservercf","n01,n02,n03,n04"\]$' \
	"7: makeconservercf for the restored nodes"

# 8. Literal source name.
make_fixture
expect_exit 2 "8: snmove -s svc." "$SNMOVE" -s svc.
expect_text "$TESTDIR/err" "Error: Could not get xCAT object definitions." \
	"8: message"

# 9. -i.
scenario </dev/null
expect_exit 0 "9: snmove n01 -i" "$SNMOVE" n01 -i
expect_text <(commands) '["xdsh","svc2","-s","/sbin/ip addr "]
["makeconservercf","n01"]
["nodeset","n01","osimage=rh94-netboot"]' "9: no updatenode"
check "9: no postscripts line" \
	test -z "$(grep 'Running postscripts' "$TESTDIR/out")"

# 10. Extra scripts.
make_fixture
scenario </dev/null
expect_exit 0 "10: snmove n01 -P setupfoo" "$SNMOVE" n01 -P setupfoo
expect_grep "$FAKEXCAT_LOG" '^\["updatenode","n01","-P","syslog,mkresolvconf,setupfoo"\]$' \
	"10: -P appended"
make_fixture
scenario </dev/null
expect_exit 0 "10: snmove n01 -P all" "$SNMOVE" n01 -P all
expect_grep "$FAKEXCAT_LOG" '^\["updatenode","n01","-P","syslog,remoteshell,otherpkgs,mkresolvconf"\]$' \
	"10: -P all"

# 11. Invalid monserver.
make_fixture
sql noderes "INSERT INTO noderes (node, monserver) VALUES ('n02','svc1')"
scenario </dev/null
expect_exit 1 "11: snmove n02" "$SNMOVE" n02
expect_text "$TESTDIR/err" "Error: The current value of the monserver attribute is not valid.  It will not be reset." \
	"11: message"
expect_text <(node_row noderes n02 servicenode,xcatmaster,monserver) \
	"svc2,svc1|10.20.0.12|svc1" "11: the rest applied, monserver kept"

# 12. Preview.
make_fixture
scenario </dev/null
before=$(db_sum)
moves=$("$SNMOVE" --list-moves | wc -l)
expect_exit 0 "12: snmove n02 --dry-run" "$SNMOVE" n02 --dry-run
expect_text "$TESTDIR/out" 'Moving nodes to their backup service nodes.
DRY RUN: no changes will be made.
CREATE noderes row for n02
CHANGE n02 noderes.servicenode "svc1,svc2" -> "svc2,svc1" (inherited from compute)
CHANGE n02 noderes.tftpserver "svc1-cn" -> "10.20.0.12" (inherited from compute)
CHANGE n02 noderes.nfsserver "10.20.0.11" -> "10.20.0.12" (inherited from compute)
CHANGE n02 noderes.monserver "svc1,svc1-cn" -> "svc2,10.20.0.12" (inherited from compute)
CHANGE n02 noderes.xcatmaster "svc1-cn" -> "10.20.0.12" (inherited from compute)
CREATE nodehm row for n02
CHANGE n02 nodehm.conserver "svc1" -> "svc2" (inherited from compute)
RUN makeconservercf n02
RUN nodeset n02 osimage=rh94-netboot
RUN updatenode n02 -s
RUN updatenode n02 -P syslog,mkresolvconf' "12: the report"
expect_text <(commands) '["xdsh","svc2","-s","/sbin/ip addr "]' \
	"12: only the probe ran"
check "12: database byte-identical" test "$(db_sum)" = "$before"
check "12: no journal record" test "$("$SNMOVE" --list-moves | wc -l)" = "$moves"

done_testing
