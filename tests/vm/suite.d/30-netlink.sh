# SPDX-License-Identifier: GPL-2.0
# The generic netlink family: hostile requests, and who may change what.
# Sourced by suite.sh (lib.sh is loaded).

NL_HOSTILE=$B/nl_hostile
AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
PERM_MSG='permission denied: needs CAP_NET_ADMIN in the user namespace that owns this network namespace'
REFUSED_ALL='get_policy=0 set_policy=-EPERM stats=0 stats_reset=-EPERM flows=-EPERM flush=-EPERM events=-EPERM'
ALLOWED_ALL='get_policy=0 set_policy=0 stats=0 stats_reset=0 flows=0 flush=0 events=0'

# max_flows_of_show: max-flows from "tpktctl -j show" on stdin.
max_flows_of_show() {
	jq -r .policy.max_flows
}

# nl_hostile in the gateway namespace and in the initial one: every case
# refused, the policy as it was, also as tpktctl sees it afterwards.
t_netlink_hostile() {
	local ok=0 ns out rc before after
	[ -x "$NL_HOSTILE" ] || { log "$NL_HOSTILE not built"; return 1; }
	for ns in gw ""; do
		before=$(policy_of $ns)
		# the run in the initial namespace lists every case in its file
		if [ -n "$ns" ]; then
			out=$(ip netns exec "$ns" "$NL_HOSTILE" 2>&1)
		else
			out=$("$NL_HOSTILE" -v 2>&1)
		fi
		rc=$?
		echo "$out" >"$OUT/nl_hostile-${ns:-init}.log"
		grep '^nl_hostile:' <<<"$out" | grep -v FAIL | sed "s/^/    ${ns:-init}: /"
		if [ $rc -ne 0 ]; then
			log "${ns:-init}: exit $rc"
			grep '^nl_hostile: FAIL' <<<"$out" | head -40
			log "(all of it: $OUT/nl_hostile-${ns:-init}.log)"
			ok=1
		fi
		grep -Eq '^nl_hostile: [0-9]+ cases, [0-9]+ refused with message, [0-9]+ without \(allowed: .*\), [0-9]+ with an offset, policy unchanged' <<<"$out" ||
			{ log "${ns:-init}: no summary line"; ok=1; }
		after=$(policy_of $ns)
		[ "$before" = "$after" ] || { log "${ns:-init}: policy $before -> $after"; ok=1; }
	done
	return $ok
}

# as_user_expect WHAT RC MESSAGE CMD...: CMD run as an ordinary user exits
# with RC and prints MESSAGE.
as_user_expect() {
	local what=$1 rc=$2 msg=$3 out got
	shift 3
	out=$("${AS_USER[@]}" "$@" 2>&1)
	got=$?
	if [ $got -ne $rc ] || ! grep -qF -- "$msg" <<<"$out"; then
		log "$what: exit $got (want $rc): $out"
		return 1
	fi
	return 0
}

# The probe's one line (nl_hostile probe) for LABEL, or a complaint.
probe_line() {
	grep "^$1: " <<<"$2" | sed "s/^$1: //"
}

# An ordinary user is refused every change, the flow dump and the events
# in the initial namespace (and in gw, which it does not own either); in a
# user namespace of its own that owns a network namespace it manages that
# namespace, and nothing else.
t_netlink_userns() {
	local ok=0 out rc init_before gw_before mode_param got
	[ -x "$NL_HOSTILE" ] || { log "$NL_HOSTILE not built"; return 1; }
	id -u nobody >/dev/null 2>&1 || { log "no user nobody (65534)"; return 1; }
	init_before=$(policy_of)
	gw_before=$(policy_of gw)

	# -- exact errors, from a raw socket
	out=$("${AS_USER[@]}" "$NL_HOSTILE" probe 2>&1)
	[ "$(probe_line probe "$out")" = "$REFUSED_ALL" ] ||
		{ log "user, init ns: $out"; ok=1; }
	out=$(ip netns exec gw "${AS_USER[@]}" "$NL_HOSTILE" probe 2>&1)
	[ "$(probe_line probe "$out")" = "$REFUSED_ALL" ] ||
		{ log "user, gw: $out"; ok=1; }
	# root is allowed all of it (the probe changes nothing)
	out=$("$NL_HOSTILE" probe 2>&1)
	[ "$(probe_line probe "$out")" = "$ALLOWED_ALL" ] ||
		{ log "root, init ns: $out"; ok=1; }

	# -- what tpktctl says about it
	as_user_expect "set" 1 "tpktctl: set: $PERM_MSG" "$TPKTCTL" set mode off || ok=1
	as_user_expect "stats reset" 1 \
		"tpktctl: stats reset: permission denied: resetting counters needs CAP_NET_ADMIN in the user namespace that owns this network namespace" \
		"$TPKTCTL" stats reset || ok=1
	as_user_expect "flows flush" 1 "tpktctl: flows flush: $PERM_MSG" \
		"$TPKTCTL" flows flush || ok=1
	as_user_expect "flows" 1 "tpktctl: flows: $PERM_MSG" "$TPKTCTL" flows || ok=1
	as_user_expect "monitor" 1 "tpktctl: monitor: $PERM_MSG" \
		timeout 5 "$TPKTCTL" monitor || ok=1
	as_user_expect "stats" 0 "tpkts" "$TPKTCTL" stats -a || ok=1
	as_user_expect "show" 0 "mode " "$TPKTCTL" show || ok=1
	# a user namespace alone gives nothing in the initial network namespace
	as_user_expect "set, user ns without its own netns" 1 "tpktctl: set: $PERM_MSG" \
		unshare --user --map-root-user "$TPKTCTL" set mode off || ok=1

	# -- a user namespace that owns a new network namespace
	mode_param=$(cat /sys/module/nf_tpkt/parameters/mode)
	out=$("${AS_USER[@]}" unshare --user --map-root-user --net sh -c '
		"$1" -j show && "$1" set mode enforce ports 2000-2001 event-rate 7 &&
		"$1" -j show && "$1" stats reset >/dev/null && "$1" flows flush &&
		"$1" flows && { timeout 2 "$1" monitor; echo "monitor exit $?"; }' \
		sh "$TPKTCTL" 2>&1)
	rc=$?
	got=$(python3 -c '
import json, sys
docs, dec, s = [], json.JSONDecoder(), sys.argv[1]
i = 0
while len(docs) < 2:
    i = s.index("{", i)
    d, i = dec.raw_decode(s, i)
    docs.append(d)
a, b = docs[0]["policy"], docs[1]["policy"]
print(a["mode"], b["mode"], b["ports"], b["event_rate"])' "$out" 2>&1)
	if [ $rc -ne 0 ] || [ "$got" != "$mode_param enforce 2000-2001 7" ] ||
	   ! grep -q '^monitor exit 124$' <<<"$out"; then
		log "own netns: exit $rc, [$got] (want [$mode_param enforce 2000-2001 7]): $out"
		ok=1
	fi
	# a socket opened before the unshare keeps acting on the old
	# namespace, with the rights of the old one
	out=$("${AS_USER[@]}" "$NL_HOSTILE" probe --unshare 2>&1)
	[ "$(probe_line old-socket "$out")" = "$REFUSED_ALL" ] &&
	[ "$(probe_line new-netns "$out")" = "$ALLOWED_ALL" ] ||
		{ log "unshare after open, init ns: $out"; ok=1; }
	out=$(ip netns exec gw "${AS_USER[@]}" "$NL_HOSTILE" probe --unshare 2>&1)
	[ "$(probe_line old-socket "$out")" = "$REFUSED_ALL" ] &&
	[ "$(probe_line new-netns "$out")" = "$ALLOWED_ALL" ] ||
		{ log "unshare after open, gw: $out"; ok=1; }
	# entering namespaces it does not own fails before any request
	as_user_expect "own userns, tpktctl -n gw" 1 \
		'tpktctl: cannot enter network namespace "gw": Operation not permitted (needs CAP_SYS_ADMIN)' \
		unshare --user --map-root-user --net "$TPKTCTL" -n gw set mode off || ok=1
	# (the initial one: /proc/1/ns/net cannot even be opened by the user)
	out=$("${AS_USER[@]}" unshare --user --map-root-user --net \
		nsenter --net=/proc/1/ns/net "$TPKTCTL" set mode off 2>&1)
	rc=$?
	[ $rc -ne 0 ] && grep -Eq '^nsenter: .*(Permission denied|Operation not permitted)' <<<"$out" &&
		! grep -q '^tpktctl' <<<"$out" ||
		{ log "own userns, nsenter init ns: exit $rc: $out"; ok=1; }

	[ "$(policy_of)" = "$init_before" ] || { log "init policy changed: $(policy_of)"; ok=1; }
	[ "$(policy_of gw)" = "$gw_before" ] || { log "gw policy changed: $(policy_of gw)"; ok=1; }
	return $ok
}

# A user namespace's network namespace cannot take more flow memory than
# userns_max_flows: it starts there at most and its root cannot raise
# max-flows above it; the host's root can.  The module is reloaded with a
# small cap (and with defaults at the end).
t_netlink_userns_cap() {
	local ok=0 out pid got
	unload_module && load_module userns_max_flows=1000 max_flows=5000 ||
		{ log "reload with userns_max_flows=1000 failed"; load_module; return 1; }
	got=$("$TPKTCTL" -j show | max_flows_of_show)
	[ "$got" = 5000 ] || { log "host namespace max-flows $got, want 5000"; ok=1; }

	out=$("${AS_USER[@]}" unshare --user --map-root-user --net sh -c '
		"$1" -j show | tr -d " \n" | grep -o "\"max_flows\":[0-9]*"
		"$1" set max-flows 1001; echo "rc $?"
		"$1" set max-flows 1000 && echo "1000 taken"
		"$1" set max-flows 10 && echo "10 taken"' sh "$TPKTCTL" 2>&1)
	want='"max_flows":1000
tpktctl: set: permission denied: max-flows above nf_tpkt.userns_max_flows needs CAP_NET_ADMIN in the initial user namespace
rc 1
1000 taken
10 taken'
	[ "$out" = "$want" ] || { log "user namespace's root: [$out], want [$want]"; ok=1; }

	# the host's root, in that namespace, may go above
	"${AS_USER[@]}" unshare --user --map-root-user --net sleep 60 &
	pid=$!
	sleep 1
	out=$(nsenter --net=/proc/$pid/ns/net "$TPKTCTL" set max-flows 100000 2>&1) ||
		{ log "host root in the user namespace's netns: $out"; ok=1; }
	got=$(nsenter --net=/proc/$pid/ns/net "$TPKTCTL" -j show | max_flows_of_show)
	[ "$got" = 100000 ] || { log "after the host's set: max-flows $got"; ok=1; }
	kill $pid
	wait $pid 2>/dev/null

	unload_module && load_module || { log "reload with defaults failed"; ok=1; }
	return $ok
}

ALL_TESTS+=(netlink_hostile netlink_userns netlink_userns_cap)
