# SPDX-License-Identifier: GPL-2.0
# Helpers for the VM suite, sourced by suite.sh inside the guest.
#
# Topology (addresses exist only in these namespaces):
#
#   cl: c0 10.11.0.2/24 fd11::2/64 --- g0 10.11.0.1 fd11::1   gw
#   sv: s0 10.12.0.2/24 fd12::2/64 --- g1 10.12.0.1 fd12::1   gw
#
# gw forwards; nf_tpkt acts in gw unless a test says otherwise.

ROOT=${ROOT:?}
B=$ROOT/build
TPKTCTL=$B/tpktctl
PEER=$B/tpkt_peer
KO=$B/kmod-$(uname -r)/nf_tpkt.ko
OUT=${OUT:-/tmp/nf_tpkt-vm}
SV4=10.12.0.2
SV6=fd12::2

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()
# a test returns KSFT_SKIP (the kernel selftests' 4) when this kernel
# cannot run it: printed and counted, never a pass
KSFT_SKIP=4

pass() {
	echo "PASS $1"
	PASSED=$((PASSED + 1))
}

skip() {
	echo "SKIP $1${2:+: $2}"
	SKIPPED=$((SKIPPED + 1))
}

fail() {
	echo "FAIL $1${2:+: $2}"
	FAILED=$((FAILED + 1))
	FAILED_NAMES+=("$1")
}

# check NAME CMD...: PASS if CMD succeeds.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

log() { echo "    $*"; }

# Background jobs run "ip netns exec" directly, never through a shell
# function, so that $! is the program itself and kill reaches it.


# topo_up [SUFFIX]: namespaces cl$SUFFIX, gw$SUFFIX, sv$SUFFIX.
topo_up() {
	local x=${1:-} n
	for n in cl gw sv; do ip netns add $n$x; ip netns exec $n$x ip link set lo up; done
	ip link add c0 netns cl$x type veth peer name g0 netns gw$x
	ip link add s0 netns sv$x type veth peer name g1 netns gw$x
	ip netns exec cl$x ip addr add 10.11.0.2/24 dev c0
	ip netns exec gw$x ip addr add 10.11.0.1/24 dev g0
	ip netns exec sv$x ip addr add 10.12.0.2/24 dev s0
	ip netns exec gw$x ip addr add 10.12.0.1/24 dev g1
	ip netns exec cl$x ip -6 addr add fd11::2/64 dev c0 nodad
	ip netns exec gw$x ip -6 addr add fd11::1/64 dev g0 nodad
	ip netns exec sv$x ip -6 addr add fd12::2/64 dev s0 nodad
	ip netns exec gw$x ip -6 addr add fd12::1/64 dev g1 nodad
	ip netns exec cl$x ip link set c0 up
	ip netns exec gw$x ip link set g0 up
	ip netns exec gw$x ip link set g1 up
	ip netns exec sv$x ip link set s0 up
	ip netns exec cl$x ip route add default via 10.11.0.1
	ip netns exec sv$x ip route add default via 10.12.0.1
	ip netns exec cl$x ip -6 route add default via fd11::1
	ip netns exec sv$x ip -6 route add default via fd12::1
	ip netns exec gw$x sysctl -qw net.ipv4.ip_forward=1
	ip netns exec gw$x sysctl -qw net.ipv6.conf.all.forwarding=1
}

# pin_hook_keys / unpin_hook_keys: an idle namespace "pin" holding an empty
# nftables base chain on every IPv4 and IPv6 hook.  Under QEMU's TCG a guest
# can die with "Oops: int3" when a netfilter hook's static key flips while
# the other vCPU sends: reproduced on 6.12 with nf_tpkt never loaded, by
# adding and deleting an nft output chain during a bulk transfer.  With the
# keys held on, loading and unloading nf_tpkt under traffic tests nf_tpkt's
# teardown, not the emulator's handling of kernel text patching.
pin_hook_keys() {
	local fam h
	ip netns add pin || return 1
	for fam in ip ip6; do
		echo "table $fam pin {"
		for h in prerouting input forward output postrouting; do
			echo "chain $h { type filter hook $h priority 0; }"
		done
		echo "}"
	done | ip netns exec pin nft -f -
}

unpin_hook_keys() { ip netns del pin 2>/dev/null; return 0; }

topo_down() {
	local x=${1:-} n
	for n in cl gw sv; do ip netns del $n$x 2>/dev/null; done
	return 0
}

# offloads on|off: checksum offload, TSO, GSO and GRO on every veth.
offloads() {
	local v=$1
	ip netns exec cl ethtool -K c0 tx $v rx $v tso $v gso $v gro $v >/dev/null 2>&1
	ip netns exec gw ethtool -K g0 tx $v rx $v tso $v gso $v gro $v >/dev/null 2>&1
	ip netns exec gw ethtool -K g1 tx $v rx $v tso $v gso $v gro $v >/dev/null 2>&1
	ip netns exec sv ethtool -K s0 tx $v rx $v tso $v gso $v gro $v >/dev/null 2>&1
}

load_module() {
	modprobe -a nf_defrag_ipv4 nf_defrag_ipv6 >/dev/null 2>&1
	insmod "$KO" "$@"
}

unload_module() {
	rmmod nf_tpkt
}

module_loaded() { [ -d /sys/module/nf_tpkt ]; }

# gw_set WORDS...: policy of the gateway namespace.
gw_set() { "$TPKTCTL" -n gw set "$@"; }

# policy_of [NS]: the policy as sorted JSON on one line, of NS or of the
# initial namespace.
policy_of() {
	"$TPKTCTL" ${1:+-n "$1"} -j show | jq -S -c .policy
}

# stat NS NAME: one counter (or anomaly class / TPDU type, or a top-level
# key) from stats -j, "missing" if there is none.  jq, not python: under
# emulation a python start costs half a second, and stat runs hundreds
# of times.
stat() {
	"$TPKTCTL" -n "$1" -j stats | jq -r --arg k "$2" \
		'[.counters, .anomalies, .tpdus, .] | map(select(has($k)) | .[$k]) | first // "missing"'
}

# server_start [-x SUFFIX] ARGS...: a listening peer on port 102 in sv;
# output in $OUT/server.out.
server_start() {
	local x=
	if [ "${1:-}" = -x ]; then x=$2; shift 2; fi
	rm -f "$OUT/ready$x"
	ip netns exec sv$x timeout 120 "$PEER" --listen 102 --ready-file "$OUT/ready$x" \
		"$@" >"$OUT/server$x.out" 2>&1 &
	SERVER_PID=$!
	local i
	for i in $(seq 100); do
		[ -s "$OUT/ready$x" ] && return 0
		sleep 0.1
	done
	return 1
}

# exchange [-x SUFFIX] SERVER-ARGS... -- CLIENT-ARGS...: one connection from
# cl to sv through gw; sets CLIENT_RC and SERVER_RC.
exchange() {
	local x= sargs=()
	if [ "${1:-}" = -x ]; then x=$2; shift 2; fi
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sargs+=("$1"); shift; done
	shift
	CLIENT_RC=99
	SERVER_RC=99
	server_start -x "$x" "${sargs[@]}" || { log "server did not start"; return 1; }
	ip netns exec cl$x timeout 120 "$PEER" "$@" >"$OUT/client$x.out" 2>&1
	CLIENT_RC=$?
	wait "$SERVER_PID"
	SERVER_RC=$?
	return 0
}

show_peers() {
	log "client rc $CLIENT_RC: $(tail -n 3 "$OUT/client.out" | tr '\n' ' ')"
	log "server rc $SERVER_RC: $(tail -n 3 "$OUT/server.out" | tr '\n' ' ')"
}

# results FILE KEY...: for every RESULT line of FILE a line of the values
# of its KEY=... words, in the order asked, "-" for a key it lacks.
results() {
	local f=$1
	shift
	awk -v keys="$*" '
		BEGIN { nk = split(keys, k, " ") }
		/^RESULT/ {
			for (i = 1; i <= nk; i++) {
				v = "-"
				for (j = 2; j <= NF; j++)
					if (index($j, k[i] "=") == 1) {
						v = substr($j, length(k[i]) + 2)
						break
					}
				printf "%s%s", v, i < nk ? " " : "\n"
			}
		}' "$f"
}

# result FILE KEY: value of KEY= in the first RESULT line of FILE, empty
# if it has none.
result() {
	results "$1" "$2" | awk 'NR == 1 && $0 != "-" { print } { exit }'
}

# Kernel log check: anything a kernel developer would call a bug.  A debug
# kernel's checkers announce themselves at boot with some of these words;
# those lines are not findings.  (kmemleak's notice of suspects is left to
# kmemleak_clean, which knows which suspects are the suite's.)
dmesg_clean() {
	local bad
	bad=$(dmesg | grep -E 'WARNING:|BUG[: ]|Oops|refcount_t|leak|lockdep|sleeping function|general protection|UBSAN|KASAN|list_(add|del) corruption|ODEBUG|to become free' |
		grep -vE 'kmemleak: ([0-9]+ new suspected memory leaks|Kernel memory leak detector initialized|Automatic memory scanning thread (started|ended))|RCU lockdep checking is enabled' || true)
	if [ -n "$bad" ]; then
		echo "$bad" | head -40
		return 1
	fi
	return 0
}

# A device whose references a namespace's end cannot drop has the kernel
# log "waiting for ... to become free" after 10 s, which dmesg_clean looks
# for.  Tests that delete a namespace under traffic call ns_deleted rather
# than wait; ns_settle, before the final kernel log check, waits until 12 s
# have passed since the last.
NS_DELETED_AT=0
ns_deleted() { NS_DELETED_AT=$(date +%s); }
ns_settle() {
	local w=$((NS_DELETED_AT + 12 - $(date +%s)))
	[ $w -le 0 ] || sleep $w
}

# SYN floods (suite.d/20-flood.sh and the flows benchmark) go from cl
# through gw to an address on sv's link that nobody owns: a permanent
# neighbour entry in gw, so nothing answers and no flow closes by itself.
SYNFLOOD=$B/tpkt_synflood
FLOOD_SINK=10.12.0.99

sink_prepare() {
	local mac
	mac=$(ip netns exec sv cat /sys/class/net/s0/address)
	ip netns exec gw ip neigh replace $FLOOD_SINK lladdr "$mac" dev g1 nud permanent
	ip netns exec gw sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.g0.rp_filter=0
}

# synflood COUNT SPORT: SYNs to FLOOD_SINK:102 from COUNT distinct (address,
# port) pairs starting at SPORT; tpkt_synflood's report in $OUT/flood.out
synflood() {
	ip netns exec cl "$SYNFLOOD" --dst $FLOOD_SINK:102 --count "$1" \
		--naddr 250 --sport "$2" >"$OUT/flood.out" 2>&1
}

# kernel memory in use (bytes), page cache dropped
kernel_mem_used() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 0.5
	awk '/^MemTotal:/ { t = $2 } /^MemFree:/ { f = $2 } END { print (t - f) * 1024 }' /proc/meminfo
}

# slab_stat CACHE FIELD: the first word of /sys/kernel/slab/CACHE/FIELD
# (objects, total_objects, slabs, order, object_size), nothing if the
# cache is not there.  SLUB may merge a cache with another of the same
# object size (nf_tpkt_flow with ip4-frags on Debian's 6.1), which
# /proc/slabinfo then lists under that name only; the sysfs name links to
# the shared cache, which nothing else fills during these tests.
slab_stat() {
	local f=/sys/kernel/slab/$1/$2

	[ -r "$f" ] && cut -d' ' -f1 "$f"
}

# Debug kernels (make check-debug) run kmemleak.  What it suspects before
# the suite (boot-time objects it cannot see references to) is set aside;
# a suspect from the suite's time fails it.  Scanning is done here, not by
# its thread, so it does not compete with the tests for the CPU.
KMEMLEAK=/sys/kernel/debug/kmemleak

kmemleak_start() {
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null
	[ -w $KMEMLEAK ] || return 0
	echo scan=off >$KMEMLEAK
	echo scan >$KMEMLEAK
	echo clear >$KMEMLEAK
	log "kmemleak: armed"
}

# kmemleak_clean: no new suspect (true when there is no kmemleak)
kmemleak_clean() {
	local found
	[ -w $KMEMLEAK ] || return 0
	# an object must be older than 5 s and unreferenced in a scan to be
	# reported: freed memory reused meanwhile is not a leak
	sleep 6
	echo scan >$KMEMLEAK
	echo scan >$KMEMLEAK
	found=$(cat $KMEMLEAK)
	[ -z "$found" ] && return 0
	echo "$found" | head -60
	return 1
}
