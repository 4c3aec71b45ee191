# snguard nodes and snguard topology on a real xCAT database (SQLite files
# made with xCAT's DDL): the output contract scripts rely on.
. "$(dirname "$0")/common.sh"

XCATFIX="$top_builddir/tests/xcatfix"
DB="$TESTDIR/xcat"
mkdir "$DB"

fix() {
	"$XCATFIX" "$DB" "$1" || not_ok "fixture $1"
}

fix nodelist <<'SQL'
INSERT INTO nodelist (node, groups) VALUES
 ('c1','all,r1'),('c2','all,r1'),('c3','all,r1'),('c4','all,r2'),
 ('c5','all,r2'),('c10','all,r2'),('b01','all,blade'),('b02','all,blade'),
 ('sn1','service'),('sn2','service'),('mn','__mgmtnode');
INSERT INTO nodelist (node, groups, disable) VALUES ('gone','all','1');
INSERT INTO nodelist (node, groups) VALUES ('bad7','odd');
SQL
fix noderes <<'SQL'
INSERT INTO noderes (node, servicenode, xcatmaster, tftpserver) VALUES
 ('r1','sn1,sn2','sn1-c',NULL),
 ('r2','sn2,sn1','|c(\d+)|sn(($1-1)/3+1)-ib|','tftp-r2'),
 ('blade','sn1',NULL,NULL),
 ('c2','sn2,sn1',NULL,NULL),
 ('odd','sn1','|bad(\d+)|($1/0)|','|bad(\d+)|t(nosuch($1))|');
SQL
fix nodetype <<'SQL'
INSERT INTO nodetype (node, os, provmethod) VALUES
 ('r1','rhels8','netboot'),('r2','rhels8','img1'),('blade','AIX','spot1');
SQL
fix osimage <<'SQL'
INSERT INTO osimage (imagename, provmethod, rootfstype) VALUES
 ('img1','statelite','nfs');
SQL
fix nimimage <<'SQL'
INSERT INTO nimimage (imagename, nimtype) VALUES ('spot1','diskless');
SQL
fix servicenode <<'SQL'
INSERT INTO servicenode (node) VALUES ('service');
SQL

sg() {
	"$SNGUARD" "$@" --xcatdb "SQLite:$DB"
}

expect_exit 0 "nodes of a group" sg nodes all
expect_text "$TESTDIR/out" "b01
b02
c1
c10
c2
c3
c4
c5" "nodes are printed one per line, byte-wise sorted"

expect_exit 1 "missing names exit 1" sg nodes 'c1,nosuch,c2,other,nosuch'
expect_text "$TESTDIR/out" "c1
c2" "existing nodes are still printed"
expect_text "$TESTDIR/err" \
	"snguard: invalid nodes in noderange: nosuch,other,nosuch" \
	"one stderr line lists the missing names in evaluation order"

expect_exit 0 "attributes" sg nodes -a servicenode,xcatmaster,tftpserver c1,c4
expect_text "$TESTDIR/out" "c1: servicenode=sn1,sn2
c1: xcatmaster=sn1-c
c4: servicenode=sn2,sn1
c4: xcatmaster=sn2-ib
c4: tftpserver=tftp-r2" "attributes are inherited and evaluated, unset ones left out"

expect_exit 0 "attributes as JSON" sg nodes --json -a xcatmaster,servicenode c2,c5
expect_text "$TESTDIR/out" '{
  "c2": {
    "xcatmaster": "sn1-c",
    "servicenode": "sn2,sn1"
  },
  "c5": {
    "xcatmaster": "sn2-ib",
    "servicenode": "sn2,sn1"
  }
}' "JSON keeps xCAT's node order and the attribute order given"

expect_exit 0 "table.column attributes" sg nodes -a nodetype.os b01
expect_text "$TESTDIR/out" "b01: nodetype.os=AIX" "table.column is accepted"

expect_exit 2 "an unknown attribute is refused" sg nodes -a bogus c1
expect_text "$TESTDIR/err" "snguard: unknown attribute 'bogus'" \
	"the unknown attribute is named"

expect_exit 0 "a value that cannot be evaluated" \
	sg nodes -a xcatmaster,tftpserver,servicenode bad7
expect_text "$TESTDIR/out" "bad7: tftpserver=t
bad7: servicenode=sn1" "an empty result is unset; a failed group is empty"
expect_grep "$TESTDIR/err" \
	"^snguard: node bad7: attribute xcatmaster: cannot evaluate '\\(\\\$1/0\\)': division by zero$" \
	"the warning names node, attribute and reason"
expect_grep "$TESTDIR/err" \
	"^snguard: node bad7: attribute tftpserver: cannot evaluate '\\(nosuch\\(\\\$1\\)\\)': unknown function 'nosuch'$" \
	"unknown functions are refused, not run"

expect_exit 0 "a disabled node does not exist" sg nodes 'c1-c3,-c2'
expect_text "$TESTDIR/out" "c1
c3" "exclusion applies"
expect_exit 1 "a disabled node is missing" sg nodes gone

expect_exit 1 "unbalanced parentheses" sg nodes 'all,-(r1'
expect_text "$TESTDIR/err" "snguard: Unbalanced parentheses in noderange" \
	"the noderange error is printed"

XCATCFG="SQLite:$DB" expect_exit 0 "XCATCFG locates the database" \
	"$SNGUARD" nodes blade
expect_text "$TESTDIR/out" "b01
b02" "XCATCFG is honoured"

XCATCFG="SQLite:/nonexistent" expect_exit 0 "--xcatdb beats XCATCFG" \
	sg nodes blade

expect_exit 3 "a server backend is refused" \
	"$SNGUARD" nodes --xcatdb 'Pg:dbname=xcatdb;host=127.0.0.1|u|secret' all
expect_text "$TESTDIR/err" \
	"snguard: the PostgreSQL backend (Pg:) is not built yet" \
	"the refusal says why"
check "the password is not printed" sh -c "! grep -q secret '$TESTDIR/err'"

expect_exit 0 "topology" sg topology
expect_text "$TESTDIR/out" "sn1: primary 5 (b01-b02,bad7,c1,c3), backup 4 (c2,c4-c5,c10); stateless 2, aix-diskless 2, unknown 1
sn2: primary 4 (c2,c4-c5,c10), backup 2 (c1,c3); stateless 1, statelite 3
nodes without a backup: 3 (b01-b02,bad7)" "topology lists each SN, its children and their classes"

expect_exit 0 "topology as JSON" sg topology --json
expect_grep "$TESTDIR/out" '"name": "sn1"' "JSON topology names sn1"
expect_grep "$TESTDIR/out" '"without_backup": \{' "JSON topology lists nodes without backup"

done_testing
