# SPDX-License-Identifier: MIT
# Helpers for a bridged segment of many boards (group download, PROTOCOL.md
# §8). Source lib.sh first, then this file, then call br_init BUILD_DIR
# (in place of it_init) and:
#
#   br_net_up N [--ip]       a namespace holding a Linux bridge, a host
#                            namespace and N board namespaces, each joined to
#                            the bridge by a veth pair; fixed MACs; --ip also
#                            gives every end an address in 198.18.0.0/16
#                            (host 198.18.0.1, board i 198.18.1.i)
#   br_mac I                 board I's MAC (02:e7:d1:02:00:II); BR_MAC_H: the host's
#   br_loss I PCT [all]      drop PCT % (integer) of the frames the bridge
#                            sends to board I: those of 1000 bytes or more,
#                            or every frame with "all"; PCT 0 removes it
#   br_loss_clear            no loss on any port
#   br_shape RATE|none       tbf on the host's veth end (the host's egress
#                            toward the bridge): the segment's line rate
#   br_count_reset / br_count_big
#                            frames of 1000 bytes or more that came into the
#                            bridge from the host, since the last reset
#   br_qdisc_drops           frames the host port's tbf dropped so far
#   br_board_start I DIR [flags...]   ethdl-board on board I (log:
#                            $IT_WORK/board-I.log); does not wait
#   br_boards_wait I...      wait until those boards say "listening"
#   br_board_stop I          SIGTERM, checks that it exits 0
#   br_boards_stop           stop every board still running
#   br_b I CMD... / br_h CMD...     run in board I's / the host's namespace
#   ethdl_bh ARGS...         ethdl in the host namespace
#
# Interface names live inside the namespaces: the host's is $BR_IF_H
# (ethdlh0), every board's is $BR_IF_B (ethdlb0), the bridge's ports are
# hp (host) and bp1 … bpN. Namespace names carry the PID and a random
# suffix. Everything (boards, namespaces, work directory) goes on every exit
# path, from the trap br_init installs.

BR_IF_H=ethdlh0
BR_IF_B=ethdlb0
BR_MAC_H=02:e7:d1:01:00:01
BR_NS=
BR_NS_H=
BR_NS_B=()        # index 1..N
BR_N=0
BR_PID=()         # index 1..N: running ethdl-board, or empty
BR_SFX=
BR_IP_H=198.18.0.1
BR_NFT_TABLE=ethdl_seg

br_mac() { printf '02:e7:d1:02:00:%02x' "$1"; }
br_ip() { printf '198.18.1.%d' "$1"; }

br_h() { ip netns exec "$BR_NS_H" "$@"; }
br_b() {
	local i=$1
	shift
	ip netns exec "${BR_NS_B[$i]}" "$@"
}
ethdl_bh() { ip netns exec "$BR_NS_H" "$ETHDL" "$@"; }

# br_cleanup: boards, then namespaces (deleting a namespace deletes the
# veth ends in it, and so the pairs and the bridge).
br_cleanup() {
	local i ns

	for i in "${!BR_PID[@]}"; do
		[ -n "${BR_PID[$i]}" ] && kill -TERM "${BR_PID[$i]}" 2>/dev/null
	done
	for i in "${!BR_PID[@]}"; do
		[ -n "${BR_PID[$i]}" ] && wait "${BR_PID[$i]}" 2>/dev/null
		BR_PID[$i]=
	done
	[ -n "${BR_CLEANUP_HOOK:-}" ] && "$BR_CLEANUP_HOOK"
	for ns in "${BR_NS_B[@]}"; do
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	BR_NS_B=()
	[ -n "$BR_NS_H" ] && ip netns del "$BR_NS_H" 2>/dev/null
	[ -n "$BR_NS" ] && ip netns del "$BR_NS" 2>/dev/null
	BR_NS_H=
	BR_NS=
}

br_exit() {
	local rc=$?

	trap - EXIT INT TERM
	br_cleanup
	# it_cleanup takes the exit code from $?.
	(exit "$rc")
	it_cleanup
}

# br_init BUILD_DIR: it_init (root, ip netns, binaries; skip 77), then the
# trap that also removes the segment.
br_init() {
	it_init "$1"
	if ! command -v nft >/dev/null && ! PATH=$PATH:/usr/sbin:/sbin command -v nft >/dev/null; then
		it_log "SKIPPED: needs nft (nftables)"
		exit $IT_SKIP
	fi
	trap br_exit EXIT
}

_br_nft() { ip netns exec "$BR_NS" "$(PATH=$PATH:/usr/sbin:/sbin command -v nft)" "$@"; }

# br_net_up N [--ip]
br_net_up() {
	local n=$1 ip=0 i port

	[ "${2:-}" = --ip ] && ip=1
	BR_N=$n
	BR_SFX=$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	BR_NS=ethdl-br-$BR_SFX
	BR_NS_H=ethdl-bh-$BR_SFX
	if ! ip netns add "$BR_NS"; then
		BR_NS=
		it_log "SKIPPED: cannot create a network namespace"
		exit $IT_SKIP
	fi
	ip netns add "$BR_NS_H" || { BR_NS_H=; exit 1; }
	for i in $(seq "$n"); do
		BR_NS_B[$i]=ethdl-bb$i-$BR_SFX
		ip netns add "${BR_NS_B[$i]}" || { BR_NS_B[$i]=; exit 1; }
	done
	ip netns exec "$BR_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
	ip netns exec "$BR_NS" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	ip -n "$BR_NS" link set lo up || exit 1
	# No STP (ports forward at once), no multicast snooping (the bridge
	# floods every group frame, for ethdl's MAC groups and UFTP's IP ones
	# alike), no learning delay.
	ip -n "$BR_NS" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 || exit 1
	ip -n "$BR_NS" link set br0 up || exit 1
	# Made straight inside the namespaces: no name ever appears outside.
	ip link add hp netns "$BR_NS" type veth \
		peer name "$BR_IF_H" netns "$BR_NS_H" address "$BR_MAC_H" || exit 1
	_br_end "$BR_NS_H" "$BR_IF_H" "$([ $ip = 1 ] && echo "$BR_IP_H")"
	for i in $(seq "$n"); do
		ip link add "bp$i" netns "$BR_NS" type veth \
			peer name "$BR_IF_B" netns "${BR_NS_B[$i]}" address "$(br_mac "$i")" || exit 1
		_br_end "${BR_NS_B[$i]}" "$BR_IF_B" "$([ $ip = 1 ] && br_ip "$i")"
	done
	for port in hp $(seq -f 'bp%g' "$n"); do
		ip -n "$BR_NS" link set "$port" master br0 up || exit 1
	done
	# One table for loss and counting: prerouting sees each frame once as it
	# comes in (the count), forward every copy sent to a port (the loss).
	_br_nft -f - <<-EOF || { it_log "nft: cannot make the bridge table"; exit 1; }
	table bridge $BR_NFT_TABLE {
		counter big_from_host {
			packets 0 bytes 0
		}
		chain count {
			type filter hook prerouting priority 0; policy accept;
			iifname "hp" meta length >= 1000 counter name big_from_host
		}
		chain seg {
			type filter hook forward priority 0; policy accept;
		}
	}
	EOF
	# Wait for carrier everywhere.
	local t ok
	for t in $(seq 100); do
		ok=1
		ip -n "$BR_NS_H" link show "$BR_IF_H" | grep -q LOWER_UP || ok=0
		for i in $(seq "$n"); do
			[ $ok = 1 ] || break
			ip -n "${BR_NS_B[$i]}" link show "$BR_IF_B" | grep -q LOWER_UP || ok=0
		done
		[ $ok = 1 ] && return 0
		sleep 0.1
	done
	it_log "bridge segment did not come up"
	exit 1
}

# _br_end NS IF [ADDR]: bring one end up, IPv6 off (no solicitations).
_br_end() {
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" 2>/dev/null
	ip -n "$1" link set lo up || exit 1
	if [ -n "${3:-}" ]; then
		ip -n "$1" addr add "$3/16" dev "$2" || exit 1
		# Multicast leaves by this interface (UFTP).
		ip -n "$1" route add 224.0.0.0/4 dev "$2" 2>/dev/null
	fi
	ip -n "$1" link set "$2" up || exit 1
}

# br_loss I PCT [all]: the bridge drops PCT % of what it sends to board I
# (frames of 1000 bytes or more, or all of them). Replaces any earlier rule
# of that port; PCT 0: no loss.
br_loss() {
	local i=$1 pct=$2 what=${3:-big} h

	for h in $(_br_nft -a list chain bridge "$BR_NFT_TABLE" seg 2>/dev/null |
		sed -n "s/.*oifname \"bp$i\" .* # handle \([0-9]*\)$/\1/p"); do
		_br_nft delete rule bridge "$BR_NFT_TABLE" seg handle "$h" || return 1
	done
	[ "$pct" -gt 0 ] || return 0
	if [ "$what" = all ]; then
		_br_nft add rule bridge "$BR_NFT_TABLE" seg oifname "bp$i" \
			numgen random mod 100 '<' "$pct" counter drop
	else
		_br_nft add rule bridge "$BR_NFT_TABLE" seg oifname "bp$i" meta length '>=' 1000 \
			numgen random mod 100 '<' "$pct" counter drop
	fi
}

br_loss_clear() {
	local i
	for i in $(seq "$BR_N"); do br_loss "$i" 0 || return 1; done
}

# br_dropped I: frames the loss rule of board I dropped so far.
br_dropped() {
	_br_nft list chain bridge "$BR_NFT_TABLE" seg 2>/dev/null |
		sed -n "s/.*oifname \"bp$1\" .*counter packets \([0-9]*\) .*/\1/p" | head -1 | grep . || echo 0
}

# br_shape RATE|none [tbf args]: the host's line rate toward the bridge.
br_shape() {
	local rate=$1
	shift
	ip netns exec "$BR_NS_H" tc qdisc del dev "$BR_IF_H" root 2>/dev/null
	[ "$rate" = none ] && return 0
	[ $# -gt 0 ] || set -- burst 32kbit latency 400ms
	ip netns exec "$BR_NS_H" tc qdisc add dev "$BR_IF_H" root tbf rate "$rate" "$@"
}

# br_qdisc_drops: frames the host port's qdisc (tbf) dropped so far: a
# sender faster than the shaped line loses them before the bridge.
br_qdisc_drops() {
	ip netns exec "$BR_NS_H" tc -s qdisc show dev "$BR_IF_H" 2>/dev/null |
		sed -n 's/.*dropped \([0-9]*\).*/\1/p' | head -1 | grep . || echo 0
}

br_count_reset() { _br_nft reset counter bridge "$BR_NFT_TABLE" big_from_host >/dev/null; }
br_count_big() {
	_br_nft list counter bridge "$BR_NFT_TABLE" big_from_host 2>/dev/null |
		sed -n 's/.*packets \([0-9]*\).*/\1/p' | head -1
}

# br_board_start I DIR [flags...]: ethdl-board on board I, not waiting.
br_board_start() {
	local i=$1 dir=$2

	shift 2
	mkdir -p -- "$dir"
	: >"$IT_WORK/board-$i.log"
	# `ip netns exec` execs the command: $! is the board itself.
	ip netns exec "${BR_NS_B[$i]}" "$ETHDL_BOARD" -i "$BR_IF_B" -d "$dir" "$@" \
		2>"$IT_WORK/board-$i.log" &
	BR_PID[$i]=$!
}

# br_boards_wait I...: each says "listening" (10 s for all), or fail.
br_boards_wait() {
	local i t left

	for t in $(seq 200); do
		left=0
		for i in "$@"; do
			grep -q listening "$IT_WORK/board-$i.log" 2>/dev/null && continue
			if [ -z "${BR_PID[$i]:-}" ] || ! kill -0 "${BR_PID[$i]}" 2>/dev/null; then
				fail "board $i exited at start: $(tail -3 "$IT_WORK/board-$i.log")"
				BR_PID[$i]=
				return 1
			fi
			left=$((left + 1))
		done
		[ "$left" = 0 ] && return 0
		sleep 0.05
	done
	fail "boards did not all say listening within 10 s"
	return 1
}

# br_board_stop I: SIGTERM, and it must exit 0.
br_board_stop() {
	local i=$1 pid=${BR_PID[$1]:-} rc

	[ -n "$pid" ] || return 0
	BR_PID[$i]=
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "ethdl-board $i exits 0 on SIGTERM (got $rc): $(tail -3 "$IT_WORK/board-$i.log")"
		return 1
	fi
	return 0
}

br_boards_stop() {
	local i r=0
	for i in "${!BR_PID[@]}"; do
		[ -n "${BR_PID[$i]}" ] && kill -TERM "${BR_PID[$i]}" 2>/dev/null
	done
	for i in "${!BR_PID[@]}"; do
		br_board_stop "$i" || r=1
	done
	return $r
}

# br_board_alive I: its process is still there.
br_board_alive() { [ -n "${BR_PID[$1]:-}" ] && kill -0 "${BR_PID[$1]}" 2>/dev/null; }
