# The loop stays responsive under load: 500 hosts (half alive on loopback
# inside the mn namespace, half dead behind a frozen SN), each with icmp,
# snmp and tcp probes in 1 s rounds on one loop, while a 1 s timer on the
# same loop is never more than 100 ms late.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster-env.sh"

cluster_up p2 --sns 2
"$CLUSTER_SH" fail sn2 freeze >/dev/null

run mn "$PROBETOOL" lag 127.0 10.2 500 12
diag_file "$TESTDIR/out"
check "lag: every round came and the 1 s timer was never >100 ms late" \
    [ "$rc" -eq 0 ]
expect_grep "$TESTDIR/out" "^hosts=500 rounds=[0-9]+ least_per_host=[0-9]+ worst_late_ms=[0-9]+$" \
    "lag: the report line"

done_testing
