# snguardd reads the topology from the xCAT database (--xcatdb) in a
# worker thread at start and on SIGHUP, logs SN changes, and keeps running
# when the database cannot be read.
. "$(dirname "$0")/common.sh"

XCATFIX="$top_builddir/tests/xcatfix"
DB="$TESTDIR/xcat"
mkdir "$DB"
"$XCATFIX" "$DB" nodelist <<'SQL'
INSERT INTO nodelist (node, groups) VALUES ('c1','r1'),('c2','r1'),
 ('c3','r2'),('sn1','service'),('sn2','service');
SQL
"$XCATFIX" "$DB" noderes <<'SQL'
INSERT INTO noderes (node, servicenode) VALUES ('r1','sn1,sn2'),('r2','sn2');
SQL

write_conf snguard.conf <<'CONF'
xcat: { topology_refresh = 3600; };
CONF

if start_daemon "$TESTDIR/snguard.conf" --xcatdb "SQLite:$DB"; then
	ok "snguardd starts with --xcatdb"
else
	not_ok "snguardd starts with --xcatdb"
fi
check "the topology is read at start" wait_for 10 grep -q \
	"topology: 2 service nodes, 3 compute nodes, 1 without a backup" \
	"$TESTDIR/daemon.log"

"$XCATFIX" "$DB" nodelist <<'SQL'
INSERT INTO nodelist (node, groups) VALUES ('sn3','service'),('c4','r3');
SQL
"$XCATFIX" "$DB" noderes <<'SQL'
INSERT INTO noderes (node, servicenode) VALUES ('r3','sn3,sn1');
UPDATE noderes SET servicenode = 'sn1,sn3' WHERE node IN ('r1','r2');
SQL
kill -HUP "$DAEMON_PID"
check "a new SN is logged after SIGHUP" wait_for 10 grep -q \
	"topology: service node sn3 added" "$TESTDIR/daemon.log"
check "a vanished SN is logged" wait_for 10 grep -q \
	"topology: service node sn2 removed" "$TESTDIR/daemon.log"
check "the new counts are logged" wait_for 10 grep -q \
	"topology: 2 service nodes, 4 compute nodes, 0 without a backup" \
	"$TESTDIR/daemon.log"
stop_daemon TERM
check "exit status 0 after topology reads (got $rc)" [ "$rc" -eq 0 ]
check "no sanitizer report" sh -c "! grep -q Sanitizer '$TESTDIR/daemon.log'"

if start_daemon "$TESTDIR/snguard.conf" --xcatdb "SQLite:$TESTDIR/none"; then
	ok "snguardd starts with an unreadable database"
else
	not_ok "snguardd starts with an unreadable database"
fi
check "the database error is logged" wait_for 10 grep -q \
	"topology: Cannot open the xCAT database: $TESTDIR/none is not a directory" \
	"$TESTDIR/daemon.log"
check "the daemon keeps running" kill -0 "$DAEMON_PID"
stop_daemon INT
check "exit status 0 (got $rc)" [ "$rc" -eq 0 ]

done_testing
