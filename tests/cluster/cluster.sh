#!/bin/bash
# cluster.sh: a simulated xCAT cluster of network namespaces for the system
# tests: a management node (mn), service nodes (sn1..snN) each running a
# real snmpd and fake xcatd/nimesis listeners in their own PID namespace,
# and compute nodes (cnI-J) behind them. Needs root. See README.
#
#   CLUSTER_DIR=DIR [CLUSTER_ID=ID] cluster.sh COMMAND ...
#
#   up [--sns N] [--cns-per-sn M] [--aix K]
#   down
#   exec NODE CMD...
#   fail SN KIND | heal SN KIND     KIND: link snmpd nimesis xcatd freeze
#   netem SN [--loss PCT] [--delay MS] | netem SN --clear
#   ping-group LO HI
#   status
#
# Nothing is added to the host's (root) network namespace: every link is
# created inside a namespace of the cluster, and every name carries the
# prefix sg$CLUSTER_ID so that several clusters can coexist.

set -u
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"

SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
SRCDIR=$(dirname "$SELF")

MAX_SNS=250
MAX_CNS=250
UP_WAIT=10		# seconds for every service of every SN to answer
SVC_WAIT=10		# seconds for one service to come back in heal
KILL_WAIT=5		# seconds for a process to end after SIGTERM

SNMP_COMMUNITY=public
SNMP_USER=sguser
SNMP_AUTHPROTO=SHA
SNMP_AUTHPASS=sgauthpass
SNMP_PRIVPROTO=AES
SNMP_PRIVPASS=sgprivpass
NIMESIS_PORT=1058
XCATD_PORT=3001
OID_UPTIME=1.3.6.1.2.1.1.3.0

err() { echo "cluster.sh: $*" >&2; }
die() { err "$*"; exit 1; }
usage_die() { err "$*"; err "usage: cluster.sh up|down|exec|fail|heal|netem|ping-group|status ... (see tests/cluster/README)"; exit 2; }

is_uint() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

# now_ms: set NOW_MS to the wall clock in milliseconds, without a fork.
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	NOW_MS=$((10#$t / 1000))
}

# wait_until DEADLINE_MS DESCRIPTION CMD...: retry CMD (at least once, at
# most 400 times, 0.1 s apart) until it succeeds or the deadline passes.
wait_until() {
	local deadline=$1 desc=$2 n=0
	shift 2
	while [ "$n" -lt 400 ]; do
		"$@" && return 0
		now_ms
		[ "$NOW_MS" -ge "$deadline" ] && break
		sleep 0.1
		n=$((n + 1))
	done
	err "timed out waiting for $desc"
	return 1
}

# close_fds: close every descriptor above 2 of the current (sub)shell, so
# that the long-lived processes started from it keep no pipe of the caller
# (a test harness, make's jobserver) open.
close_fds() {
	local f n
	for f in /proc/"$BASHPID"/fd/*; do
		n=${f##*/}
		is_uint "$n" && [ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null
	done
	return 0
}

base36() {
	local n=$(($1 % 1679616)) s='' d=0123456789abcdefghijklmnopqrstuvwxyz
	while :; do
		s=${d:n%36:1}$s
		n=$((n / 36))
		[ "$n" -eq 0 ] && break
	done
	echo "$s"
}

# ---------------------------------------------------------------------------
# State directory, cluster id, names.

# setup_dir MODE: check CLUSTER_DIR and settle ID. MODE "up" may invent an
# id; "down" tolerates a missing directory; "any" needs an existing cluster
# directory (or CLUSTER_ID).
setup_dir() {
	local mode=$1 saved=
	DIR=${CLUSTER_DIR:-}
	if [ -z "$DIR" ]; then
		if [ "$mode" != up ] && [ -n "${CLUSTER_ID:-}" ]; then
			DIR=
		else
			die "CLUSTER_DIR is not set (a state directory that the caller creates)"
		fi
	elif [ -d "$DIR" ]; then
		DIR=$(cd "$DIR" && pwd) || die "cannot enter CLUSTER_DIR '$CLUSTER_DIR'"
		if [ -r "$DIR/id" ]; then
			saved=$(cat "$DIR/id")
		fi
	elif [ "$mode" = down ]; then
		DIR=
	else
		die "CLUSTER_DIR '$DIR' is not a directory"
	fi
	if [ -n "${CLUSTER_ID:-}" ]; then
		ID=$CLUSTER_ID
		if [ -n "$saved" ] && [ "$saved" != "$ID" ] && [ "$mode" != up ]; then
			die "CLUSTER_ID=$ID but $DIR belongs to cluster '$saved'"
		fi
	elif [ -n "$saved" ]; then
		ID=$saved
	elif [ "$mode" = up ]; then
		ID=$(base36 "$$")
	elif [ "$mode" = down ]; then
		ID=
		return 0
	else
		die "no cluster in '$DIR' (no id file) and CLUSTER_ID is not set; run 'cluster.sh up' first"
	fi
	case $ID in
	'' | *[!A-Za-z0-9]*) die "CLUSTER_ID '$ID' must be 1 to 4 letters or digits" ;;
	esac
	[ "${#ID}" -le 4 ] || die "CLUSTER_ID '$ID' must be 1 to 4 letters or digits"
	export CLUSTER_DIR="$DIR" CLUSTER_ID="$ID"
}

ns_mn() { echo "sg${ID}mn"; }
ns_sn() { echo "sg${ID}s$1"; }
ns_cn() { echo "sg${ID}c$1_$2"; }

# Namespaces of this cluster that exist now: mn, then the SNs, then the CNs.
cluster_namespaces() {
	ip netns list 2>/dev/null | awk '{print $1}' |
	    grep -E "^sg${ID}(mn|s[0-9]+|c[0-9]+_[0-9]+)\$" |
	    awk -v p="sg$ID" '{
		n = substr($0, length(p) + 1)
		if (n == "mn") k = "0 0 0"
		else if (n ~ /^s/) k = "1 " substr(n, 2) " 0"
		else { split(substr(n, 2), a, "_"); k = "2 " a[1] " " a[2] }
		print k, $0
	    }' | sort -n -k1,1 -k2,2 -k3,3 | awk '{print $4}'
}

ns_exists() { [ -e "/run/netns/$1" ]; }

# node_ns NODE: print the namespace of NODE (mn, snI, cnI-J).
node_ns() {
	local n=$1 ns
	case $n in
	mn) ns=$(ns_mn) ;;
	sn[0-9]*) is_uint "${n#sn}" || return 1; ns=$(ns_sn "$((10#${n#sn}))") ;;
	cn[0-9]*-[0-9]*)
		local i=${n#cn} j
		j=${i#*-}
		i=${i%%-*}
		is_uint "$i" && is_uint "$j" || return 1
		ns=$(ns_cn "$((10#$i))" "$((10#$j))")
		;;
	*) return 1 ;;
	esac
	echo "$ns"
}

# parse_sn ARG: set SN (the number) and SNNS from "snI" (or "I"), which must
# exist.
parse_sn() {
	local a=${1#sn}
	[ -n "$DIR" ] || die "CLUSTER_DIR is not set (the directory given to 'cluster.sh up')"
	is_uint "$a" || usage_die "'$1' is not a service node name (sn1, sn2, ...)"
	SN=$((10#$a))
	SNNS=$(ns_sn "$SN")
	ns_exists "$SNNS" || die "sn$SN does not exist in cluster $ID (no namespace $SNNS)"
	SNDIR="$DIR/sn$SN"
}

sn_is_aix() { [ "$(cat "$DIR/sn$1/aix" 2>/dev/null)" = 1 ]; }

# Host pids of the processes in namespace $1 (zombies excluded).
ns_pids() { ip netns pids "$1" 2>/dev/null; }

# Host pids of the processes named $2 in namespace $1.
ns_pids_named() {
	local p c
	for p in $(ns_pids "$1"); do
		c=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		[ "$c" = "$2" ] && echo "$p"
	done
}

# Host pid of the init (sginit, pid 1 of the SN's PID namespace) of ns $1.
sn_init_pid() {
	local p
	for p in $(ns_pids_named "$1" sginit); do
		if awk '/^NSpid:/ { exit !(NF > 2 && $NF == 1) }' "/proc/$p/status" 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# ---------------------------------------------------------------------------
# Services, started inside an SN's PID namespace.

svc_port() {
	case $1 in
	nimesis) echo "$NIMESIS_PORT" ;;
	xcatd) echo "$XCATD_PORT" ;;
	esac
}

# svc_start I KIND: start a service of sn I in the background. Runs inside
# the SN's namespaces (from _boot or _start).
svc_start() {
	local i=$1 kind=$2 d="$CLUSTER_DIR/sn$1"
	case $kind in
	snmpd)
		# Configuration: $d/snmpd.conf, then what snmpd saved in
		# $d/persist (engineID, engineBoots, the localized user keys),
		# nothing else (no /etc/snmp, no ~/.snmp); no MIB files.
		rm -f "$d/snmpd.pid"
		(
			close_fds
			cd "$d" || exit 1
			export SNMPCONFPATH="$d:$d/persist"
			export SNMP_PERSISTENT_DIR="$d/persist"
			exec snmpd -f -m '' -Lf "$d/snmpd.log" -p "$d/snmpd.pid"
		) </dev/null >>"$d/snmpd.out" 2>&1 &
		;;
	nimesis | xcatd)
		(
			close_fds
			cd "$d" || exit 1
			exec "$CLUSTER_DIR/bin/$kind" "$(svc_port "$kind")"
		) </dev/null >>"$d/$kind.log" 2>&1 &
		;;
	*)
		err "unknown service '$kind'"
		return 1
		;;
	esac
}

# _boot I AIX: pid 1 of sn I's PID namespace: start the services, then
# become sginit (which reaps them and everything orphaned later).
cmd_boot() {
	local i=$1 aix=$2
	svc_start "$i" snmpd
	svc_start "$i" xcatd
	[ "$aix" = 1 ] && svc_start "$i" nimesis
	close_fds
	exec "$CLUSTER_DIR/bin/sginit"
}

# ---------------------------------------------------------------------------
# Probes.

snmp_ok() {	# NS ADDR
	ip netns exec "$1" snmpget -v2c -c "$SNMP_COMMUNITY" -t 0.5 -r 0 \
	    "$2" "$OID_UPTIME" >/dev/null 2>&1
}

tcp_ok() {	# NS ADDR PORT
	ip netns exec "$1" timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/$2"' \
	    _ "$2" "$3" 2>/dev/null
}

# ---------------------------------------------------------------------------
# down

cmd_down() {
	local nss ns p inits='' left n rc=0
	if [ -z "$ID" ]; then
		return 0
	fi
	nss=$(cluster_namespaces)
	[ -z "$nss" ] && return 0
	# Kill the PID-namespace inits first: the kernel then kills everything
	# in their namespaces, and unshare (their parent) reaps them and ends.
	# Resume frozen processes, so that unshare can do that.
	for ns in $nss; do
		p=$(ns_pids "$ns")
		[ -n "$p" ] && kill -CONT $p 2>/dev/null
		p=$(sn_init_pid "$ns") && inits="$inits $p"
	done
	if [ -n "$inits" ]; then
		kill -KILL $inits 2>/dev/null
		for n in $(seq 1 20); do
			left=
			for p in $inits; do
				[ -e "/proc/$p" ] && left=1
			done
			[ -z "$left" ] && break
			sleep 0.1
		done
	fi
	# Then whatever else runs in the namespaces (unshare, cluster.sh exec,
	# a test's daemons), stopped or not.
	for n in $(seq 1 50); do
		left=
		for ns in $nss; do
			p=$(ns_pids "$ns")
			if [ -n "$p" ]; then
				left="$left $p"
			fi
		done
		[ -z "$left" ] && break
		kill -KILL $left 2>/dev/null
		sleep 0.1
	done
	if [ -n "$left" ]; then
		err "processes still alive in cluster $ID:$left"
		rc=1
	fi
	for ns in $nss; do
		if ! ip netns delete "$ns" 2>/dev/null && ns_exists "$ns"; then
			err "cannot delete namespace $ns"
			rc=1
		fi
	done
	if [ -n "$DIR" ] && [ -d "$DIR" ]; then
		rm -f "$DIR"/sn*/frozen "$DIR"/sn*/netem 2>/dev/null
	fi
	return "$rc"
}

# ---------------------------------------------------------------------------
# up

UP_STARTED=

up_fail() {
	err "up failed: $*"
	if [ -n "$UP_STARTED" ]; then
		err "removing what was created"
		cmd_down
	fi
	exit 1
}

# run_up DESCRIPTION CMD...: run a setup command, abort up on failure.
run_up() {
	local desc=$1 out
	shift
	if ! out=$("$@" 2>&1); then
		up_fail "$desc: $* : $out"
	fi
}

write_snmpd_conf() {	# I FILE
	local i=$1 f=$2
	cat >"$f" <<EOF
# snmpd.conf of sn$i, written by cluster.sh
agentAddress udp:10.$i.0.2:161,udp6:[fd00:$i::2]:161,udp:127.0.0.1:161
rocommunity $SNMP_COMMUNITY default
rocommunity6 $SNMP_COMMUNITY default
createUser $SNMP_USER $SNMP_AUTHPROTO "$SNMP_AUTHPASS" $SNMP_PRIVPROTO "$SNMP_PRIVPASS"
rouser $SNMP_USER authpriv
sysName sn$i
sysLocation cluster $ID
sysContact root
dontLogTCPWrappersConnects yes
EOF
}

# ns_init NS: create a namespace with lo up and the common settings.
ns_init() {
	local ns=$1
	run_up "create namespace $ns" ip netns add "$ns"
	run_up "lo up in $ns" ip -n "$ns" link set lo up
	run_up "sysctls of $ns" ip netns exec "$ns" sysctl -q -w \
	    net.ipv6.conf.all.keep_addr_on_down=1 \
	    net.ipv6.conf.default.keep_addr_on_down=1 \
	    net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 \
	    net.ipv4.ip_forward=1 \
	    net.ipv6.conf.all.forwarding=1 \
	    net.ipv4.ip_nonlocal_bind=1 \
	    net.ipv6.ip_nonlocal_bind=1
}

# sn_net I: addresses and routes of sn I and of mn toward it (idempotent;
# also used by heal link).
sn_net() {
	local i=$1 mn sn
	mn=$(ns_mn)
	sn=$(ns_sn "$i")
	ip -n "$mn" link set "to-sn$i" up &&
	    ip -n "$sn" link set to-mn up &&
	    ip -n "$mn" addr replace "10.$i.0.1/24" dev "to-sn$i" &&
	    ip -n "$mn" -6 addr replace "fd00:$i::1/64" dev "to-sn$i" nodad &&
	    ip -n "$sn" addr replace "10.$i.0.2/24" dev to-mn &&
	    ip -n "$sn" -6 addr replace "fd00:$i::2/64" dev to-mn nodad &&
	    ip -n "$sn" route replace default via "10.$i.0.1" dev to-mn &&
	    ip -n "$sn" -6 route replace default via "fd00:$i::1" dev to-mn &&
	    ip -n "$mn" route replace "10.$i.0.0/16" via "10.$i.0.2" dev "to-sn$i" &&
	    ip -n "$mn" -6 route replace "fd00:$i::/32" via "fd00:$i::2" dev "to-sn$i"
}

ensure_sglisten() {
	local bin
	mkdir -p "$DIR/bin" || up_fail "cannot create $DIR/bin"
	if [ -n "${SGLISTEN:-}" ]; then
		[ -x "$SGLISTEN" ] || up_fail "SGLISTEN='$SGLISTEN' is not an executable"
		bin=$(cd "$(dirname "$SGLISTEN")" && pwd)/$(basename "$SGLISTEN")
	else
		bin="$DIR/sglisten"
		if [ ! -x "$bin" ]; then
			if ! ${CC:-cc} -O2 -o "$bin" "$SRCDIR/sglisten.c" >"$DIR/sglisten.build.log" 2>&1; then
				cat "$DIR/sglisten.build.log" >&2
				up_fail "cannot compile $SRCDIR/sglisten.c with ${CC:-cc}"
			fi
		fi
	fi
	if ! { ln -sfn "$bin" "$DIR/bin/nimesis" &&
	    ln -sfn "$bin" "$DIR/bin/xcatd" &&
	    ln -sfn "$bin" "$DIR/bin/sginit"; }; then
		up_fail "cannot create links in $DIR/bin"
	fi
}

write_env() {	# N M K
	local n=$1 m=$2 k=$3 i j nodes="mn" f="$DIR/env" h="$DIR/hosts" h6="$DIR/hosts6"
	for i in $(seq 1 "$n"); do nodes="$nodes sn$i"; done
	for i in $(seq 1 "$n"); do
		for j in $(seq 1 "$m"); do nodes="$nodes cn$i-$j"; done
	done
	{
		echo "# written by cluster.sh up; source it"
		printf 'CLUSTER_ID=%q\n' "$ID"
		printf 'CLUSTER_DIR=%q\n' "$DIR"
		printf 'CLUSTER_SH=%q\n' "$SELF"
		echo "CLUSTER_SNS=$n"
		echo "CLUSTER_CNS_PER_SN=$m"
		echo "CLUSTER_AIX=$k"
		echo "CLUSTER_NODES='$nodes'"
		echo "CLUSTER_HOSTS=$(printf %q "$h")"
		echo "CLUSTER_HOSTS6=$(printf %q "$h6")"
		echo "CLUSTER_MN_NS=$(ns_mn)"
		echo "CLUSTER_MN_ADDR=10.1.0.1"
		echo "CLUSTER_MN_ADDR6=fd00:1::1"
		echo "CLUSTER_SNMP_COMMUNITY=$SNMP_COMMUNITY"
		echo "CLUSTER_SNMP_USER=$SNMP_USER"
		echo "CLUSTER_SNMP_AUTHPROTO=$SNMP_AUTHPROTO"
		echo "CLUSTER_SNMP_AUTHPASS=$SNMP_AUTHPASS"
		echo "CLUSTER_SNMP_PRIVPROTO=$SNMP_PRIVPROTO"
		echo "CLUSTER_SNMP_PRIVPASS=$SNMP_PRIVPASS"
		echo "CLUSTER_NIMESIS_PORT=$NIMESIS_PORT"
		echo "CLUSTER_XCATD_PORT=$XCATD_PORT"
		for i in $(seq 1 "$n"); do
			echo "CLUSTER_SN${i}_NS=$(ns_sn "$i")"
			echo "CLUSTER_SN${i}_ADDR=10.$i.0.2"
			echo "CLUSTER_SN${i}_ADDR6=fd00:$i::2"
			echo "CLUSTER_SN${i}_MN_ADDR=10.$i.0.1"
			echo "CLUSTER_SN${i}_MN_ADDR6=fd00:$i::1"
			echo "CLUSTER_SN${i}_AIX=$([ "$i" -le "$k" ] && echo 1 || echo 0)"
			printf 'CLUSTER_SN%s_DIR=%q\n' "$i" "$DIR/sn$i"
			for j in $(seq 1 "$m"); do
				echo "CLUSTER_CN${i}_${j}_NS=$(ns_cn "$i" "$j")"
				echo "CLUSTER_CN${i}_${j}_ADDR=10.$i.$j.2"
				echo "CLUSTER_CN${i}_${j}_ADDR6=fd00:$i:$j::2"
				echo "CLUSTER_CN${i}_${j}_SN=sn$i"
			done
		done
	} >"$f.tmp" || up_fail "cannot write $f.tmp"
	mv "$f.tmp" "$f" || up_fail "cannot write $f"
	{
		echo "10.1.0.1 mn"
		for i in $(seq 1 "$n"); do echo "10.$i.0.2 sn$i"; done
		for i in $(seq 1 "$n"); do
			for j in $(seq 1 "$m"); do echo "10.$i.$j.2 cn$i-$j"; done
		done
	} >"$h.tmp" || up_fail "cannot write $h.tmp"
	mv "$h.tmp" "$h" || up_fail "cannot write $h"
	{
		echo "fd00:1::1 mn"
		for i in $(seq 1 "$n"); do echo "fd00:$i::2 sn$i"; done
		for i in $(seq 1 "$n"); do
			for j in $(seq 1 "$m"); do echo "fd00:$i:$j::2 cn$i-$j"; done
		done
	} >"$h6.tmp" || up_fail "cannot write $h6.tmp"
	mv "$h6.tmp" "$h6" || up_fail "cannot write $h6"
}

# up_probe SNNS CHECK ARGS...: CHECK ARGS; when the SN's processes are all
# gone, set UP_DEAD and succeed, to end the wait at once.
up_probe() {
	local sn=$1
	shift
	"$@" && return 0
	if [ -z "$(ns_pids "$sn")" ]; then
		UP_DEAD=1
		return 0
	fi
	return 1
}

up_diag() {	# I
	local d="$DIR/sn$1" f
	for f in init.log snmpd.out snmpd.log xcatd.log nimesis.log; do
		[ -s "$d/$f" ] && tail -n 20 "$d/$f" | sed "s/^/  sn$1 $f: /" >&2
	done
	return 0
}

cmd_up() {
	local n=2 m=0 k=0 i j mn sn cn d deadline tool ns
	while [ $# -gt 0 ]; do
		case $1 in
		--sns | --cns-per-sn | --aix)
			[ $# -ge 2 ] && is_uint "$2" || usage_die "$1 needs a number"
			case $1 in
			--sns) n=$((10#$2)) ;;
			--cns-per-sn) m=$((10#$2)) ;;
			--aix) k=$((10#$2)) ;;
			esac
			shift 2
			;;
		*) usage_die "up: unknown option '$1'" ;;
		esac
	done
	[ "$n" -ge 1 ] && [ "$n" -le "$MAX_SNS" ] || usage_die "--sns must be 1..$MAX_SNS"
	[ "$m" -le "$MAX_CNS" ] || usage_die "--cns-per-sn must be 0..$MAX_CNS"
	[ "$k" -le "$n" ] || usage_die "--aix ($k) must not exceed --sns ($n)"
	[ "$(id -u)" = 0 ] || die "up needs root"
	for tool in ip unshare nsenter setsid snmpd snmpget nft timeout; do
		command -v "$tool" >/dev/null 2>&1 || die "up needs '$tool', which is not installed"
	done

	setup_dir up
	ns=$(cluster_namespaces)
	[ -z "$ns" ] || die "cluster $ID already exists (namespaces: ${ns//$'\n'/ }); run 'cluster.sh down' first or choose another CLUSTER_ID"
	echo "$ID" >"$DIR/id" || die "cannot write $DIR/id"
	UP_STARTED=1
	trap 'up_fail "interrupted"' INT TERM HUP

	ensure_sglisten

	mn=$(ns_mn)
	ns_init "$mn"
	for i in $(seq 1 "$n"); do
		sn=$(ns_sn "$i")
		d="$DIR/sn$i"
		rm -rf "$d" && mkdir -p "$d/persist" || up_fail "cannot create $d"
		if [ "$i" -le "$k" ]; then echo 1 >"$d/aix"; else echo 0 >"$d/aix"; fi
		write_snmpd_conf "$i" "$d/snmpd.conf" || up_fail "cannot write $d/snmpd.conf"
		ns_init "$sn"
		run_up "link mn-sn$i" ip -n "$mn" link add "to-sn$i" type veth \
		    peer name to-mn netns "$sn"
		run_up "addresses of sn$i" sn_net "$i"
		for j in $(seq 1 "$m"); do
			cn=$(ns_cn "$i" "$j")
			ns_init "$cn"
			run_up "link sn$i-cn$i-$j" ip -n "$sn" link add "to-cn$j" \
			    type veth peer name to-sn netns "$cn"
			run_up "addresses of cn$i-$j" eval "
			    ip -n '$sn' link set 'to-cn$j' up &&
			    ip -n '$cn' link set to-sn up &&
			    ip -n '$sn' addr add '10.$i.$j.1/24' dev 'to-cn$j' &&
			    ip -n '$sn' -6 addr add 'fd00:$i:$j::1/64' dev 'to-cn$j' nodad &&
			    ip -n '$cn' addr add '10.$i.$j.2/24' dev to-sn &&
			    ip -n '$cn' -6 addr add 'fd00:$i:$j::2/64' dev to-sn nodad &&
			    ip -n '$cn' route add default via '10.$i.$j.1' dev to-sn &&
			    ip -n '$cn' -6 route add default via 'fd00:$i:$j::1' dev to-sn"
		done
	done
	write_env "$n" "$m" "$k"

	# The SNs' process trees: own PID and mount namespaces, /proc remounted.
	for i in $(seq 1 "$n"); do
		sn=$(ns_sn "$i")
		d="$DIR/sn$i"
		(
			close_fds
			exec setsid ip netns exec "$sn" unshare --pid --fork \
			    --mount-proc --kill-child "$SELF" _boot "$i" "$(cat "$d/aix")"
		) </dev/null >>"$d/init.log" 2>&1 &
	done

	now_ms
	deadline=$((NOW_MS + UP_WAIT * 1000))
	for i in $(seq 1 "$n"); do
		sn=$(ns_sn "$i")
		UP_DEAD=
		if ! wait_until "$deadline" "snmpd of sn$i (10.$i.0.2)" \
		    up_probe "$sn" snmp_ok "$mn" "10.$i.0.2" ||
		    ! wait_until "$deadline" "snmpd of sn$i (fd00:$i::2)" \
		    up_probe "$sn" snmp_ok "$mn" "fd00:$i::2" ||
		    ! wait_until "$deadline" "xcatd of sn$i (10.$i.0.2:$XCATD_PORT)" \
		    up_probe "$sn" tcp_ok "$mn" "10.$i.0.2" "$XCATD_PORT" ||
		    { [ "$i" -le "$k" ] &&
		    ! wait_until "$deadline" "nimesis of sn$i (10.$i.0.2:$NIMESIS_PORT)" \
		    up_probe "$sn" tcp_ok "$mn" "10.$i.0.2" "$NIMESIS_PORT"; } ||
		    [ -n "$UP_DEAD" ]; then
			up_diag "$i"
			if [ -n "$UP_DEAD" ]; then
				up_fail "the processes of sn$i ended (see $DIR/sn$i/*.log)"
			fi
			up_fail "a service of sn$i does not answer (see $DIR/sn$i/*.log)"
		fi
	done
	trap - INT TERM HUP
	echo "cluster.sh: cluster $ID up: mn, $n SNs ($k AIX), $m CNs per SN; env in $DIR/env"
}

# ---------------------------------------------------------------------------
# fail / heal

# stop_named NS NAME: SIGTERM the processes named NAME in NS, SIGKILL them
# after KILL_WAIT seconds, wait until they are gone.
stop_named() {
	local ns=$1 name=$2 pids n
	pids=$(ns_pids_named "$ns" "$name")
	[ -z "$pids" ] && return 0
	kill -TERM $pids 2>/dev/null
	for n in $(seq 1 $((KILL_WAIT * 10))); do
		[ -z "$(ns_pids_named "$ns" "$name")" ] && return 0
		sleep 0.1
	done
	pids=$(ns_pids_named "$ns" "$name")
	[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	for n in $(seq 1 30); do
		[ -z "$(ns_pids_named "$ns" "$name")" ] && return 0
		sleep 0.1
	done
	err "cannot stop $name in sn$SN"
	return 1
}

# start_svc KIND: start a service in the SN's PID namespace, wait until it
# answers (from inside the SN, over 127.0.0.1).
start_svc() {
	local kind=$1 ipid deadline
	[ -n "$(ns_pids_named "$SNNS" "$kind")" ] && return 0
	ipid=$(sn_init_pid "$SNNS") || die "sn$SN has no init process (was it started by 'cluster.sh up'?)"
	nsenter --target "$ipid" --pid --mount --net -- "$SELF" _start "$SN" "$kind" ||
	    die "cannot start $kind in sn$SN"
	now_ms
	deadline=$((NOW_MS + SVC_WAIT * 1000))
	case $kind in
	snmpd)
		wait_until "$deadline" "snmpd of sn$SN" snmp_ok "$SNNS" 127.0.0.1 || {
			[ -s "$SNDIR/snmpd.out" ] && tail -n 20 "$SNDIR/snmpd.out" >&2
			die "snmpd of sn$SN does not answer"
		}
		;;
	*)
		wait_until "$deadline" "$kind of sn$SN" tcp_ok "$SNNS" 127.0.0.1 "$(svc_port "$kind")" ||
		    die "$kind of sn$SN does not accept"
		;;
	esac
}

freeze_on() {
	local pids
	ip netns exec "$SNNS" nft -f - <<'EOF' || die "cannot add the nftables freeze rules in sn$SN"
table inet sgfreeze {
	chain input { type filter hook input priority -400; policy drop; }
	chain forward { type filter hook forward priority -400; policy drop; }
	chain output { type filter hook output priority -400; policy drop; }
}
table arp sgfreeze {
	chain input { type filter hook input priority -400; policy drop; }
	chain output { type filter hook output priority -400; policy drop; }
}
EOF
	: >"$SNDIR/frozen"
	pids=$(ns_pids "$SNNS")
	[ -n "$pids" ] && kill -STOP $pids 2>/dev/null
	return 0
}

freeze_off() {
	local pids
	pids=$(ns_pids "$SNNS")
	[ -n "$pids" ] && kill -CONT $pids 2>/dev/null
	ip netns exec "$SNNS" nft delete table inet sgfreeze 2>/dev/null
	ip netns exec "$SNNS" nft delete table arp sgfreeze 2>/dev/null
	rm -f "$SNDIR/frozen"
	return 0
}

cmd_failheal() {
	local op=$1
	shift
	[ $# -eq 2 ] || usage_die "usage: cluster.sh $op SN link|snmpd|nimesis|xcatd|freeze"
	setup_dir any
	parse_sn "$1"
	local kind=$2
	case $kind in
	snmpd | nimesis | xcatd)
		[ -e "$SNDIR/frozen" ] && die "sn$SN is frozen; 'cluster.sh heal sn$SN freeze' first"
		if [ "$kind" = nimesis ] && ! sn_is_aix "$SN"; then
			die "sn$SN is not an AIX SN: it has no nimesis"
		fi
		;;
	esac
	case $op:$kind in
	fail:link) ip -n "$SNNS" link set to-mn down || die "cannot set the link of sn$SN down" ;;
	heal:link) sn_net "$SN" || die "cannot restore the link of sn$SN" ;;
	fail:snmpd | fail:nimesis | fail:xcatd) stop_named "$SNNS" "$kind" || exit 1 ;;
	heal:snmpd | heal:nimesis | heal:xcatd) start_svc "$kind" ;;
	fail:freeze) freeze_on ;;
	heal:freeze) freeze_off ;;
	*) usage_die "unknown KIND '$kind' (link, snmpd, nimesis, xcatd, freeze)" ;;
	esac
}

# ---------------------------------------------------------------------------
# netem

netem_clear() {
	ip netns exec "$SNNS" tc qdisc del dev to-mn root 2>/dev/null
	ip netns exec "$SNNS" nft delete table inet sgnetem 2>/dev/null
	rm -f "$SNDIR/netem"
	return 0
}

cmd_netem() {
	local loss='' delay='' clear='' tcargs='' out match
	[ $# -ge 1 ] || usage_die "usage: cluster.sh netem SN [--loss PCT] [--delay MS] | --clear"
	setup_dir any
	parse_sn "$1"
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--clear) clear=1; shift ;;
		--loss)
			[ $# -ge 2 ] && is_uint "$2" && [ "$((10#$2))" -le 100 ] ||
			    usage_die "--loss needs a percentage 0..100"
			loss=$((10#$2))
			shift 2
			;;
		--delay)
			[ $# -ge 2 ] && is_uint "$2" || usage_die "--delay needs milliseconds"
			delay=$((10#$2))
			shift 2
			;;
		*) usage_die "netem: unknown option '$1'" ;;
		esac
	done
	if [ -n "$clear" ]; then
		[ -z "$loss$delay" ] || usage_die "netem: --clear takes no other option"
		netem_clear
		return 0
	fi
	[ -n "$loss$delay" ] || usage_die "netem: give --loss, --delay or --clear"
	netem_clear
	[ -n "$loss" ] && tcargs="$tcargs loss $loss%"
	[ -n "$delay" ] && tcargs="$tcargs delay ${delay}ms"
	# Real netem on the SN's side of the link when the kernel has it.
	if out=$(ip netns exec "$SNNS" tc qdisc add dev to-mn root netem $tcargs 2>&1); then
		echo "tc netem$tcargs" >"$SNDIR/netem"
		return 0
	fi
	if [ -n "$delay" ]; then
		err "netem delay unavailable (no sch_netem in this kernel)"
		exit 77
	fi
	# No sch_netem: drop PCT% of what enters the SN over its link.
	[ "$loss" -eq 0 ] && return 0
	if [ "$loss" -ge 100 ]; then
		match='iifname "to-mn"'
	else
		match="iifname \"to-mn\" numgen random mod 100 < $loss"
	fi
	ip netns exec "$SNNS" nft -f - <<EOF || die "cannot add the nftables loss rules in sn$SN"
table inet sgnetem {
	chain input { type filter hook input priority -300; $match drop; }
	chain forward { type filter hook forward priority -300; $match drop; }
}
EOF
	echo "nft loss $loss%" >"$SNDIR/netem"
}

# ---------------------------------------------------------------------------
# ping-group, exec, status

cmd_ping_group() {
	[ $# -eq 2 ] || usage_die "usage: cluster.sh ping-group LO HI"
	is_uint "$1" && is_uint "$2" || usage_die "ping-group: LO and HI must be numbers"
	setup_dir any
	local mn
	mn=$(ns_mn)
	ns_exists "$mn" || die "cluster $ID is not up (no namespace $mn)"
	ip netns exec "$mn" sysctl -q -w net.ipv4.ping_group_range="$1 $2" ||
	    die "cannot set net.ipv4.ping_group_range in $mn"
}

cmd_exec() {
	[ $# -ge 2 ] || usage_die "usage: cluster.sh exec NODE CMD..."
	setup_dir any
	local ns
	ns=$(node_ns "$1") || usage_die "'$1' is not a node name (mn, snI, cnI-J)"
	ns_exists "$ns" || die "node $1 does not exist in cluster $ID (no namespace $ns)"
	shift
	exec ip netns exec "$ns" "$@"
}

cmd_status() {
	setup_dir any
	local ns node p extra
	echo "cluster $ID (dir ${DIR:-?})"
	for ns in $(cluster_namespaces); do
		node=${ns#sg"$ID"}
		case $node in
		s*) node=sn${node#s} ;;
		c*) node=${node#c}; node=cn${node/_/-} ;;
		esac
		extra=
		case $node in
		sn*)
			ip -n "$ns" link show to-mn 2>/dev/null | grep -q 'state DOWN' && extra="$extra link-down"
			[ -n "$DIR" ] && [ -e "$DIR/$node/frozen" ] && extra="$extra frozen"
			[ -n "$DIR" ] && [ -s "$DIR/$node/netem" ] && extra="$extra netem($(cat "$DIR/$node/netem"))"
			[ -n "$DIR" ] && sn_is_aix "${node#sn}" && extra="$extra aix"
			;;
		esac
		echo "$node $ns$extra"
		for p in $(ns_pids "$ns"); do
			echo "  $(ps -o pid=,stat=,args= -p "$p" 2>/dev/null)"
		done
	done
}

# ---------------------------------------------------------------------------

[ $# -ge 1 ] || usage_die "no command"
cmd=$1
shift
case $cmd in
up) cmd_up "$@" ;;
down)
	[ $# -eq 0 ] || usage_die "down takes no argument"
	setup_dir down
	cmd_down
	;;
exec) cmd_exec "$@" ;;
fail | heal) cmd_failheal "$cmd" "$@" ;;
netem) cmd_netem "$@" ;;
ping-group) cmd_ping_group "$@" ;;
status) cmd_status "$@" ;;
_boot) cmd_boot "$@" ;;
_start)
	svc_start "$1" "$2"
	;;
-h | --help | help) sed -n '2,/^$/s/^# \{0,1\}//p' "$SELF" ;;
*) usage_die "unknown command '$cmd'" ;;
esac
