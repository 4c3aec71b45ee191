# snmove on 10,000 nodes: every node moved in one transaction, and node
# lists too long for one argument passed as a compressed noderange.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/snmove-env.sh"

rm -rf "$DB"
mkdir -p "$DB"
awk 'BEGIN {
	print "BEGIN;"
	for (i = 1; i <= 10000; i++)
		printf "INSERT INTO nodelist (node, groups) VALUES " \
		    "(\x27cn%06d\x27,\x27compute,all\x27);\n", i
	print "COMMIT;"
}' | fix nodelist
fix noderes <<'SQL'
INSERT INTO noderes (node, servicenode, xcatmaster) VALUES
 ('compute','sn1,sn2','sn1-c');
SQL
fix nodehm <<'SQL'
INSERT INTO nodehm (node, conserver) VALUES ('compute','sn1');
SQL
fix nodetype <<'SQL'
INSERT INTO nodetype (node, os, provmethod) VALUES ('compute','rhels9.4','netboot');
SQL
fix hosts <<'SQL'
INSERT INTO hosts (node, ip) VALUES ('compute','|\D+(\d+)|10.9.($1/256).($1%256)|');
SQL

expect_exit 0 "snmove -s sn1 -d sn2 -D sn2-c -i on 10,000 nodes" \
	"$SNMOVE" -s sn1 -d sn2 -D sn2-c -i
expect_text <(sql noderes "SELECT count(*) FROM noderes
	WHERE servicenode = 'sn2,sn1' AND xcatmaster = 'sn2-c'") 10000 \
	"every node has its own row"
expect_text <(sql nodehm "SELECT count(*) FROM nodehm
	WHERE conserver = 'sn2'") 10000 "every conserver moved"
expect_text "$FAKEXCAT_LOG" '["makeconservercf","cn000001-cn010000"]
["nodeset","cn000001-cn010000","netboot"]' \
	"long node lists are passed compressed"
expect_grep "$TESTDIR/out" '^Move journal id: ' "journalled"

done_testing
