# The probes against a simulated cluster: two SNs (sn1 AIX) in network
# namespaces, each with a real snmpd, a fake xcatd on 3001 and (sn1) a fake
# nimesis on 1058. Every probe runs inside the mn namespace. Checked per
# probe: up, each failure kind, recovery, timeouts, SNMPv3 auth failure,
# reboot detection, the ICMP datagram-to-raw fallback and IPv6.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p1 --sns 2 --aix 1

SN1=$CLUSTER_SN1_ADDR
SN2=$CLUSTER_SN2_ADDR
V3="-v v3 -u $CLUSTER_SNMP_USER -l authPriv -a $CLUSTER_SNMP_AUTHPROTO -x $CLUSTER_SNMP_PRIVPROTO -X $CLUSTER_SNMP_PRIVPASS"

probe() {
	run mn "$SNGUARD" probe "$@"
}

# expect_line DESC PATTERN CMD...: run snguard probe, grep its stdout.
expect_line() {
	local desc=$1 pat=$2
	shift 2
	probe "$@"
	expect_grep "$TESTDIR/out" "$pat" "$desc"
}

# --- icmp -----------------------------------------------------------------
expect_line "icmp: both SNs alive over IPv4" "^$SN1 : alive [0-9.]+ ms" \
    "$SN1" "$SN2"
check "icmp: all alive exits 0" [ "$rc" -eq 0 ]
expect_grep "$TESTDIR/out" "^$SN2 : alive" "icmp: sn2 alive"
expect_line "icmp: IPv6 alive" "^$CLUSTER_SN1_ADDR6 : alive" \
    "$CLUSTER_SN1_ADDR6" "$CLUSTER_SN2_ADDR6"

"$CLUSTER_SH" fail sn1 link >/dev/null
expect_line "icmp: link down gives unreachable" \
    "^$SN1 : unreachable \(3/3 lost\)" -c 3 "$SN1" "$SN2"
check "icmp: one unreachable exits 1" [ "$rc" -eq 1 ]
expect_grep "$TESTDIR/out" "^$SN2 : alive" "icmp: sn2 unaffected by sn1's link"
"$CLUSTER_SH" heal sn1 link >/dev/null
# The MN's neighbour entry stays failed for a moment after the link is
# back (the kernel answers host unreachable meanwhile): poll, bounded.
alive_again() {
	probe -c 3 "$1" && grep -q "^$1 : alive" "$TESTDIR/out"
}
check "icmp: link back gives alive" wait_for 15 alive_again "$SN1"

"$CLUSTER_SH" fail sn2 freeze >/dev/null
expect_line "icmp: frozen SN is unreachable" "^$SN2 : unreachable" -c 2 "$SN2"
expect_line "snmp: frozen SN gives no SNMP answer" \
    "^$SN2 : unreachable \(no SNMP answer from $SN2\)" -T snmp "$SN2"
expect_line "tcp: frozen SN times out" \
    "^$SN2 : unreachable \(no answer within 2000 ms\)" -T tcp -p 3001 "$SN2"
"$CLUSTER_SH" heal sn2 freeze >/dev/null
expect_line "icmp: thawed SN alive" "^$SN2 : alive" -c 3 "$SN2"

"$CLUSTER_SH" netem sn1 --loss 100 >/dev/null
expect_line "icmp: 100% loss is unreachable" "^$SN1 : unreachable \(2/2 lost\)" \
    -c 2 "$SN1"
"$CLUSTER_SH" netem sn1 --clear >/dev/null
expect_line "icmp: loss cleared" "^$SN1 : alive" -c 3 "$SN1"

# Delay needs sch_netem in the kernel; without it cluster.sh says so (77).
"$CLUSTER_SH" netem sn1 --delay 400 >/dev/null 2>&1
case $? in
77)
	ok "# SKIP icmp: timeout shorter than the delay (no sch_netem here)"
	ok "# SKIP icmp: timeout longer than the delay (no sch_netem here)"
	;;
0)
	expect_line "icmp: timeout shorter than the delay" \
	    "^$SN1 : unreachable \(1/1 lost\)" -c 1 -t 200 "$SN1"
	expect_line "icmp: timeout longer than the delay" \
	    "^$SN1 : alive (4|5)[0-9][0-9]\.[0-9]+ ms" -c 1 -t 1500 "$SN1"
	"$CLUSTER_SH" netem sn1 --clear >/dev/null
	;;
*) not_ok "cluster.sh netem --delay failed" ;;
esac

# An address on sn1's subnet that nobody holds: the MN's own neighbour
# discovery fails and the kernel reports host unreachable, which ends the
# round as failed with the reason.
expect_line "icmp: ICMP error is the reason" \
    "^10\.1\.0\.99 : unreachable \(destination unreachable \(host unreachable\)" \
    -c 5 -t 1500 10.1.0.99

probe -q "$SN1" "$SN2" 10.1.0.99
expect_grep "$TESTDIR/out" \
    "^3 targets, 2 alive, 1 unreachable, 0 errors, [0-9.]+ s$" "icmp: -q summary"
probe --json "$SN1"
check "icmp: --json" grep -q '"status": "alive"' "$TESTDIR/out"
probe nosuch.invalid
expect_grep "$TESTDIR/out" "^nosuch.invalid : error cannot resolve" \
    "icmp: unresolvable target is an error"
printf '%s\n# comment\n\n%s\n' "$SN1" "$SN2" >"$TESTDIR/targets"
expect_line "icmp: -f reads targets" "^$SN2 : alive" -f "$TESTDIR/targets"

# Datagram sockets need the gid inside ping_group_range (per namespace);
# outside it the engine falls back to raw sockets and says so.
"$CLUSTER_SH" ping-group 1 0 >/dev/null
probe -V "$SN1"
expect_grep "$TESTDIR/err" "IPv4 uses a raw socket" \
    "icmp: raw socket when ping_group_range excludes us"
expect_grep "$TESTDIR/out" "^$SN1 : alive" "icmp: raw socket works"
probe -V "$CLUSTER_SN1_ADDR6"
expect_grep "$TESTDIR/out" "^$CLUSTER_SN1_ADDR6 : alive" "icmp: raw IPv6 works"
"$CLUSTER_SH" ping-group 0 2147483647 >/dev/null
probe -V "$SN1"
expect_grep "$TESTDIR/err" "IPv4 uses a datagram socket" \
    "icmp: datagram socket when allowed"

# --- snmp -----------------------------------------------------------------
expect_line "snmp: v2c sysUpTime" "^$SN1 : alive [0-9.]+ ms \(sysUpTime [0-9]+\)" \
    -T snmp "$SN1" "$SN2"
expect_line "snmp: IPv6" "^$CLUSTER_SN2_ADDR6 : alive .*sysUpTime" \
    -T snmp "$CLUSTER_SN2_ADDR6"
# shellcheck disable=SC2086
expect_line "snmp: v3 authPriv" "^$SN1 : alive .*sysUpTime" -T snmp $V3 \
    -A "$CLUSTER_SNMP_AUTHPASS" "$SN1"
# shellcheck disable=SC2086
expect_line "snmp: v3 wrong passphrase is a security error (host answered)" \
    "^$SN1 : failed \(SNMPv3 security error" -T snmp $V3 -A wrongpassword "$SN1"
expect_line "snmp: wrong community: no answer after 1 s and 1 retry" \
    "^$SN1 : unreachable \(no SNMP answer" -T snmp -C wrong "$SN1"
expect_line "snmp: process check passes" "^$SN1 : alive" -T snmp \
    -o processes=nimesis,xcatd "$SN1"
expect_line "snmp: absent process fails" \
    "^$SN2 : failed \(sysUpTime [0-9]+; not running: nimesis\)" -T snmp \
    -o processes=nimesis,xcatd "$SN2"

"$CLUSTER_SH" fail sn1 snmpd >/dev/null
expect_line "snmp: killed snmpd gives no answer" "^$SN1 : unreachable" \
    -T snmp "$SN1"
expect_line "icmp: host alive without snmpd" "^$SN1 : alive" "$SN1"
"$CLUSTER_SH" heal sn1 snmpd >/dev/null
expect_line "snmp: restarted snmpd answers" "^$SN1 : alive" -T snmp "$SN1"

# Reboot detection needs consecutive attempts: probetool runs them and the
# test restarts snmpd between the second and the third.
mn "$PROBETOOL" rounds snmp "$SN2" 4 1500 >"$TESTDIR/rounds" 2>&1 &
tool=$!
wait_for 10 grep -q '^round=2 ' "$TESTDIR/rounds"
"$CLUSTER_SH" fail sn2 snmpd >/dev/null
"$CLUSTER_SH" heal sn2 snmpd >/dev/null
wait_for 20 grep -q '^round=4 ' "$TESTDIR/rounds"
wait "$tool"
expect_grep "$TESTDIR/rounds" "^round=1 status=ok alive=1 uptime=[0-9]+ rebooted=0" \
    "snmp: first round has an uptime"
expect_grep "$TESTDIR/rounds" "rebooted=1 .*\(rebooted: was [0-9]+\)" \
    "snmp: an uptime that goes back is a reboot"
check "snmp: only one round says reboot" \
    [ "$(grep -c 'rebooted=1' "$TESTDIR/rounds")" -eq 1 ]

# --- tcp ------------------------------------------------------------------
expect_line "tcp: xcatd connects" "^$SN1 : alive .*port 3001: connected" \
    -T tcp -p 3001 "$SN1" "$CLUSTER_SN1_ADDR6"
expect_grep "$TESTDIR/out" "^$CLUSTER_SN1_ADDR6 : alive" "tcp: IPv6"
"$CLUSTER_SH" fail sn1 xcatd >/dev/null
probe -T tcp -p 3001 --json "$SN1"
check "tcp: refused means down but alive" \
    grep -q '"status": "failed"' "$TESTDIR/out"
"$CLUSTER_SH" heal sn1 xcatd >/dev/null
expect_line "tcp: xcatd back" "^$SN1 : alive" -T tcp -p 3001 "$SN1"
probe -T tcp "$SN1"
expect_grep "$TESTDIR/out" "option port is required" "tcp: port is required"

# --- nim ------------------------------------------------------------------
expect_line "nim: N1 and N2 pass on the AIX SN" \
    "^$SN1 : alive .*nimesis answers on port 1058, runs" -T nim -o snmp=yes "$SN1"
expect_line "nim: N1 refused on an SN without nimesis" \
    "^$SN2 : failed \(N1: nimesis port 1058: connection refused\)" -T nim "$SN2"
expect_line "nim: N2 fails when the process is absent" \
    "^$SN2 : failed \(N2: nimesis not in the process table\)" \
    -T nim -o port=3001 -o snmp=yes "$SN2"
"$CLUSTER_SH" fail sn1 nimesis >/dev/null
expect_line "nim: stopped nimesis fails N1" "^$SN1 : failed \(N1:" -T nim "$SN1"
"$CLUSTER_SH" heal sn1 nimesis >/dev/null

cat >"$TESTDIR/lsnim-ok" <<'EOF'
#!/bin/sh
echo "$1: master:"
echo "$1:    class     = machines"
echo "$1:    Cstate    = ready for a NIM operation"
echo "$1:    Mstate    = currently running"
EOF
sed 's/currently running/not running/' "$TESTDIR/lsnim-ok" >"$TESTDIR/lsnim-bad"
chmod 755 "$TESTDIR/lsnim-ok" "$TESTDIR/lsnim-bad"
expect_line "nim: N3 command reads Cstate and Mstate" \
    "^$SN1 : alive .*NIM master ready" -T nim -E "$TESTDIR/lsnim-ok sn1" "$SN1"
expect_line "nim: N3 other Mstate is degraded" \
    "^$SN1 : failed \(N3: Cstate 'ready for a NIM operation', Mstate 'not running'\)" \
    -T nim -E "$TESTDIR/lsnim-bad sn1" "$SN1"

# --- exec -----------------------------------------------------------------
plugin() {
	printf '#!/bin/sh\n%s\n' "$2" >"$TESTDIR/$1"
	chmod 755 "$TESTDIR/$1"
}
plugin ok 'echo "PING OK - $1 rtt 1ms|rtt=1ms;2;3"; exit 0'
plugin warn 'echo "DISK WARNING"; exit 1'
plugin crit 'echo "NIMESIS CRITICAL"; exit 2'
plugin unk 'echo "confused"; exit 3'
plugin odd 'exit 7'
plugin slow 'exec sleep 30'
plugin env 'echo "PATH=$PATH LANG=$LANG HOME=${HOME-unset}"; exit 0'

mn "$PROBETOOL" rounds exec "$SN1" 1 0 "arg=$TESTDIR/ok" "arg={addr}" >"$TESTDIR/x"
expect_grep "$TESTDIR/x" "status=ok .*detail=OK: PING OK - $SN1 rtt 1ms perf=rtt=1ms;2;3$" \
    "exec: exit 0 is OK, {addr} substituted, perf data split"
mn "$PROBETOOL" rounds exec "$SN1" 1 0 "arg=$TESTDIR/warn" >"$TESTDIR/x"
expect_grep "$TESTDIR/x" "status=warning alive=0 .*detail=WARNING: DISK WARNING" \
    "exec: exit 1 is WARNING, not a liveness signal by default"
mn "$PROBETOOL" rounds exec "$SN1" 1 0 "arg=$TESTDIR/crit" >"$TESTDIR/x"
expect_grep "$TESTDIR/x" "status=fail .*detail=CRITICAL: NIMESIS CRITICAL" \
    "exec: exit 2 is CRITICAL"
mn "$PROBETOOL" rounds exec "$SN1" 1 0 "arg=$TESTDIR/unk" >"$TESTDIR/x"
expect_grep "$TESTDIR/x" "status=unknown .*detail=UNKNOWN: confused" \
    "exec: exit 3 is UNKNOWN"
mn "$PROBETOOL" rounds exec "$SN1" 1 0 "arg=$TESTDIR/odd" >"$TESTDIR/x"
expect_grep "$TESTDIR/x" "status=unknown .*exited with status 7" \
    "exec: other exit codes are UNKNOWN"
mn "$PROBETOOL" rounds exec "$SN1" 1 0 "arg=$TESTDIR/slow" timeout=1s >"$TESTDIR/x"
expect_grep "$TESTDIR/x" "status=fail .*CRITICAL: timed out after 1000 ms" \
    "exec: a timeout is CRITICAL and the command is killed"
mn "$PROBETOOL" rounds exec "$SN1" 1 0 "arg=$TESTDIR/slow" timeout=1s \
    timeout_state=unknown >"$TESTDIR/x"
expect_grep "$TESTDIR/x" "status=unknown .*timed out" "exec: timeout_state"
no_slow_plugin() {
	! pgrep -f "$TESTDIR/slow" >/dev/null
}
check "exec: no plugin left running" no_slow_plugin
mn "$PROBETOOL" rounds exec "$SN1" 1 0 "arg=$TESTDIR/ok" alive_signal=yes >"$TESTDIR/x"
expect_grep "$TESTDIR/x" "status=ok alive=1" "exec: alive_signal"
mn "$PROBETOOL" rounds exec "$SN1" 1 0 "arg=$TESTDIR/env" >"$TESTDIR/x"
expect_grep "$TESTDIR/x" "PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C HOME=unset" \
    "exec: minimal environment"
mn "$PROBETOOL" rounds exec "$SN1" 1 0 "arg=ok" >"$TESTDIR/x"
expect_grep "$TESTDIR/x" "error: .*must be an absolute path" \
    "exec: relative command refused"
mn "$PROBETOOL" rounds exec "$SN1" 1 0 "arg=$TESTDIR/ok" "bogus=1" >"$TESTDIR/x"
expect_grep "$TESTDIR/x" "error: exec probe: unknown option 'bogus'" \
    "exec: options are whitelisted"
expect_line "exec: one-shot -E" "^$SN1 : alive" -T exec -E "$TESTDIR/ok {addr}" "$SN1"

# --- usage ----------------------------------------------------------------
expect_exit 2 "probe: unknown type is a usage error" "$SNGUARD" probe -T foo x
expect_exit 2 "probe: no target is a usage error" "$SNGUARD" probe
expect_exit 2 "probe: bad count" "$SNGUARD" probe -c 0 127.0.0.1

done_testing
