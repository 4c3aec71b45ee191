# Shared by the snmove system tests (sourced after common.sh): fixture F of
# spec/snmove.md 13 as real SQLite files made with xCAT's DDL, the fake xCAT
# commands, and a configuration pointing at both.

XCATFIX="$top_builddir/tests/xcatfix"
SNMOVE="$top_builddir/snmove"
DB="$TESTDIR/xcat"
BIN="$TESTDIR/bin"
STATE="$TESTDIR/state"
FIXTURES="$top_srcdir/tests/fixtures/snmove"
export FAKEXCAT_LOG="$TESTDIR/commands.log"
export FAKEXCAT_SCENARIO="$TESTDIR/scenario"
unset XCATCFG SNGUARD_CONF SNGUARD_XCAT_PATH SNGUARD_CRASHPOINT

# fix TABLE: standard input (SQL) goes into the table's file.
fix() {
	"$XCATFIX" "$DB" "$1" || not_ok "fixture $1"
}

# sql TABLE QUERY: run a query on one table's file.
sql() {
	sqlite3 "$DB/$1.sqlite" "$2"
}

# The fake commands, each a link to one program.
make_bin() {
	local c
	mkdir -p "$BIN"
	for c in xdsh nodeset updatenode makeconservercf rpower rsetboot \
		rnetboot nimnodeset mkdsklsnode; do
		ln -sf "$top_builddir/tests/fakexcat/fakexcat" "$BIN/$c"
	done
}

# scenario: standard input becomes the fake commands' scenario; the probe
# outputs of svc1 to svc3 are always there.
scenario() {
	{
		for sn in svc1 svc2 svc3; do
			printf 'xdsh "%s -s /sbin/ip addr " print-file %s\n' \
				"$sn" "$FIXTURES/$sn.ipaddr"
		done
		cat
	} >"$FAKEXCAT_SCENARIO"
	: >"$FAKEXCAT_LOG"
}

# The configuration every test uses: no settle wait, no system resolver.
make_conf() {
	write_conf snguard.conf <<CONF
xcat: {
	db = "SQLite:$DB";
	bin_path = "$BIN";
	settle = 0;
	system_resolver = false;
	timeout: {
		xdsh = 3;
		makeconservercf = 3;
	};
};
state: {
	dir = "$STATE";
};
CONF
	export SNGUARD_CONF="$TESTDIR/snguard.conf"
}

# Fixture F, from scratch.
make_fixture() {
	rm -rf "$DB"
	mkdir -p "$DB"
	fix site <<'SQL'
INSERT INTO site (key, value) VALUES ('master','172.20.0.1');
SQL
	fix nodelist <<'SQL'
INSERT INTO nodelist (node, groups) VALUES
 ('n01','compute,all'),('n02','compute,all'),('n03','compute,all'),
 ('n04','compute,all'),('n05','rackb,compute,all'),('n06','rackb,compute,all'),
 ('svc1','service'),('svc2','service'),('svc3','service');
SQL
	fix hosts <<'SQL'
INSERT INTO hosts (node, ip, otherinterfaces) VALUES
 ('svc1','172.20.0.11','svc1-cn:10.20.0.11'),
 ('svc2','172.20.0.12','-cn:10.20.0.12'),
 ('svc3','172.20.0.13',NULL),
 ('compute','|\D+(\d+)|10.20.1.($1+0)|',NULL);
SQL
	fix networks <<'SQL'
INSERT INTO networks (netname, net, mask) VALUES
 ('mgt','172.20.0.0','255.255.255.0'),('cn','10.20.0.0','255.255.0.0');
SQL
	fix noderes <<'SQL'
INSERT INTO noderes (node, servicenode, xcatmaster, tftpserver, nfsserver,
 monserver) VALUES
 ('compute','svc1,svc2','svc1-cn','svc1-cn','10.20.0.11','svc1,svc1-cn'),
 ('rackb','svc2,svc1','svc2-cn',NULL,NULL,NULL);
INSERT INTO noderes (node, servicenode) VALUES ('n03','svc1');
INSERT INTO noderes (node, nfsserver) VALUES ('n04','nfs01');
SQL
	fix nodehm <<'SQL'
INSERT INTO nodehm (node, conserver) VALUES ('compute','svc1');
SQL
	fix nodetype <<'SQL'
INSERT INTO nodetype (node, os, provmethod) VALUES
 ('compute','rhels9.4','rh94-netboot');
SQL
	fix postscripts <<'SQL'
INSERT INTO postscripts (node, postscripts, postbootscripts) VALUES
 ('xcatdefaults','syslog,remoteshell','otherpkgs'),
 ('compute',NULL,'mkresolvconf');
SQL
}

# A checksum of every table file: "byte-identical afterwards".
db_sum() {
	cat "$DB"/*.sqlite | cksum
}

make_bin
make_conf
make_fixture
scenario </dev/null
