# SPDX-License-Identifier: MIT
# Helpers for ethdl integration tests over a veth pair between two network
# namespaces that the test creates itself (never the machine's interfaces).
#
# Source it, then:
#   it_init BUILD_DIR        check root and `ip netns`, exit 77 to skip; set
#                            ETHDL, ETHDL_BOARD, IT_WORK; install the trap
#   it_net_up                namespaces + veth pair host<->board with fixed MACs
#   board_start DIR [flags]  ethdl-board in the board namespace, waits for "listening"
#   board_stop               SIGTERM, checks that it exits 0
#   host CMD...              run a command in the host namespace
#   assert_eq / assert_rc / assert_match / assert_same_file / pass / fail
#   now_ms                   monotonic-enough milliseconds for timing
#   it_private_mounts "$@"   (before it_init) go on in a private mount namespace
#   it_tmpfs DIR BYTES       a small tmpfs on DIR, unmounted on exit
#
# Everything made here (namespaces, board process, work directory) is
# removed on every exit path by it_cleanup, run from the EXIT/INT/TERM trap.

IT_SKIP=77
IT_FAILS=0
IT_PASSES=0
IT_BOARD_PID=
IT_NS_H=
IT_NS_B=
IT_WORK=
IT_KEEP=${IT_KEEP:-0}      # 1: keep the work directory (for debugging)
IT_MOUNTS=()

# Interface names live inside the namespaces only, so fixed names are safe.
IT_IF_H=ethdlh0
IT_IF_B=ethdlb0
# Locally administered, fixed so that captures recorded here are reproducible.
IT_MAC_H=02:e7:d1:00:00:01
IT_MAC_B=02:e7:d1:00:00:02
IT_MAC_NOBODY=02:e7:d1:00:00:99

it_log() { printf '%s\n' "$*" >&2; }

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

pass() {
	IT_PASSES=$((IT_PASSES + 1))
	printf 'PASS: %s\n' "$*"
}

fail() {
	IT_FAILS=$((IT_FAILS + 1))
	printf 'FAIL: %s\n' "$*"
}

# assert_eq WHAT EXPECTED GOT
assert_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
		return 0
	fi
	fail "$1: expected '$2', got '$3'"
	return 1
}

# it_diag: after a failure, what the last command and the board said.
# IT_LAST_ERR names the last command's stderr file (set by the test).
it_diag() {
	if [ -n "${IT_LAST_ERR:-}" ] && [ -s "$IT_LAST_ERR" ]; then
		sed 's/^/      host: /' "$IT_LAST_ERR" | tail -8
	fi
	if [ -n "${IT_BOARD_LOG:-}" ] && [ -s "$IT_BOARD_LOG" ]; then
		tail -8 "$IT_BOARD_LOG" | sed 's/^/      board: /'
	fi
	if [ -n "${IT_BOARD_PID:-}" ] && ! kill -0 "$IT_BOARD_PID" 2>/dev/null; then
		echo "      board process $IT_BOARD_PID is gone"
	fi
}

# assert_rc WHAT EXPECTED_RC GOT_RC
assert_rc() {
	if [ "$2" -eq "$3" ]; then
		pass "$1 (exit $3)"
		return 0
	fi
	fail "$1: expected exit $2, got $3"
	it_diag
	return 1
}

# assert_match WHAT REGEX TEXT
assert_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		pass "$1"
		return 0
	fi
	fail "$1: /$2/ not found in: $(printf '%s' "$3" | head -c 400)"
	return 1
}

# assert_same_file WHAT EXPECTED_FILE GOT_FILE
assert_same_file() {
	if [ -f "$3" ] && cmp -s -- "$2" "$3"; then
		pass "$1"
		return 0
	fi
	if [ ! -f "$3" ]; then
		fail "$1: $3 does not exist"
	else
		fail "$1: $(cmp -- "$2" "$3" 2>&1 | head -1)"
	fi
	return 1
}

# assert_between WHAT LOW HIGH VALUE (integers)
assert_between() {
	if [ "$4" -ge "$2" ] && [ "$4" -le "$3" ]; then
		pass "$1 ($4 in $2..$3)"
		return 0
	fi
	fail "$1: $4 not in $2..$3"
	return 1
}

it_cleanup() {
	local rc=$?

	trap - EXIT INT TERM
	if [ -n "$IT_BOARD_PID" ]; then
		kill -TERM "$IT_BOARD_PID" 2>/dev/null
		wait "$IT_BOARD_PID" 2>/dev/null
		IT_BOARD_PID=
	fi
	local m
	for m in "${IT_MOUNTS[@]}"; do
		umount -l -- "$m" 2>/dev/null
	done
	IT_MOUNTS=()
	# Deleting a namespace deletes the veth end in it, and so the pair.
	[ -n "$IT_NS_H" ] && ip netns del "$IT_NS_H" 2>/dev/null
	[ -n "$IT_NS_B" ] && ip netns del "$IT_NS_B" 2>/dev/null
	IT_NS_H=
	IT_NS_B=
	if [ -n "$IT_WORK" ] && [ -d "$IT_WORK" ]; then
		if [ "$IT_KEEP" = 1 ]; then
			it_log "work directory kept: $IT_WORK"
		else
			rm -rf -- "$IT_WORK"
		fi
	fi
	exit "$rc"
}

it_on_signal() {
	it_log "interrupted"
	exit 130
}

# it_private_mounts "$@": run the rest of the script (it is executed again)
# in a mount namespace of its own, so that what it mounts is seen by the test
# and the board it starts, by nothing else, and is gone when the test is.
# Call before it_init; skips (77) unless root with unshare.
it_private_mounts() {
	[ -n "${IT_PRIVATE_MNT:-}" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		it_log "SKIPPED: needs root (mount namespace)"
		exit $IT_SKIP
	fi
	if ! command -v unshare >/dev/null || ! unshare -m --propagation private true 2>/dev/null; then
		it_log "SKIPPED: cannot make a private mount namespace"
		exit $IT_SKIP
	fi
	IT_PRIVATE_MNT=1 exec unshare -m --propagation private "$BASH" "$0" "$@"
}

# it_tmpfs DIR BYTES: a tmpfs of BYTES on DIR (made if need be); it_cleanup
# unmounts it. Use inside it_private_mounts.
it_tmpfs() {
	mkdir -p -- "$1" || return 1
	mount -t tmpfs -o "size=$2,mode=0755" ethdl-it "$1" || return 1
	IT_MOUNTS+=("$1")
}

# it_init BUILD_DIR: skip (77) unless root with working `ip netns`.
it_init() {
	local build=$1

	if [ -z "$build" ]; then
		it_log "usage: $0 BUILD_DIR"
		exit 2
	fi
	# absolute: a script may change directory before it runs them
	build=$(cd "$build" 2>/dev/null && pwd) || { it_log "no directory $1"; exit 1; }
	ETHDL=$build/cmd/ethdl
	ETHDL_BOARD=$build/cmd/ethdl-board
	if [ ! -x "$ETHDL" ] || [ ! -x "$ETHDL_BOARD" ]; then
		it_log "no ethdl binaries in $build/cmd"
		exit 1
	fi
	if [ "$(id -u)" != 0 ]; then
		it_log "SKIPPED: needs root (network namespaces)"
		exit $IT_SKIP
	fi
	if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
		it_log "SKIPPED: ip netns is not available"
		exit $IT_SKIP
	fi
	# The system's python3 first: a version manager's shim on PATH can take
	# seconds to start, and some checks run against the board's clock.
	IT_PYTHON=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3 || true)
	trap it_cleanup EXIT
	trap it_on_signal INT TERM
	IT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/ethdl-it.XXXXXX") || exit 1
}

# it_net_up: two namespaces joined by a veth pair, names unique to this run.
it_net_up() {
	local sfx

	sfx=$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	IT_NS_H=ethdl-h-$sfx
	IT_NS_B=ethdl-b-$sfx
	if ! ip netns add "$IT_NS_H"; then
		IT_NS_H=
		it_log "SKIPPED: cannot create a network namespace"
		exit $IT_SKIP
	fi
	ip netns add "$IT_NS_B" || { IT_NS_B=; exit 1; }
	# Created straight inside the namespaces: no name ever appears outside.
	ip link add "$IT_IF_H" netns "$IT_NS_H" address "$IT_MAC_H" type veth \
		peer name "$IT_IF_B" netns "$IT_NS_B" address "$IT_MAC_B" || exit 1
	ip -n "$IT_NS_H" link set lo up || exit 1
	ip -n "$IT_NS_B" link set lo up || exit 1
	ip -n "$IT_NS_H" link set "$IT_IF_H" up || exit 1
	ip -n "$IT_NS_B" link set "$IT_IF_B" up || exit 1
	# IPv6 would send router/neighbour solicitations; keep the link quiet.
	ip netns exec "$IT_NS_H" sysctl -qw "net.ipv6.conf.$IT_IF_H.disable_ipv6=1" 2>/dev/null
	ip netns exec "$IT_NS_B" sysctl -qw "net.ipv6.conf.$IT_IF_B.disable_ipv6=1" 2>/dev/null
	# Wait for carrier on both ends.
	local i
	for i in $(seq 50); do
		if ip -n "$IT_NS_H" link show "$IT_IF_H" | grep -q LOWER_UP &&
		   ip -n "$IT_NS_B" link show "$IT_IF_B" | grep -q LOWER_UP; then
			return 0
		fi
		sleep 0.1
	done
	it_log "veth pair did not come up"
	exit 1
}

# host CMD...: run in the host namespace.
host() {
	ip netns exec "$IT_NS_H" "$@"
}

# ethdl_h ARGS...: the host tool on the host end of the pair.
ethdl_h() {
	ip netns exec "$IT_NS_H" "$ETHDL" "$@"
}

# split_flags BOARD_FLAGS... -- HOST_FLAGS...: the two lists, into the arrays
# IT_BFLAGS and IT_HFLAGS.
split_flags() {
	IT_BFLAGS=()
	IT_HFLAGS=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		IT_BFLAGS+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	IT_HFLAGS=("$@")
}

# board_start DIR [flags...]: start ethdl-board on the board end; its stderr
# goes to $IT_BOARD_LOG. Waits until it says "listening".
board_start() {
	local dir=$1 i

	shift
	mkdir -p -- "$dir"
	IT_BOARD_N=$(( ${IT_BOARD_N:-0} + 1 ))
	IT_BOARD_LOG=$IT_WORK/board.$IT_BOARD_N.log
	# `ip netns exec` execs the command: $! is the board itself.
	ip netns exec "$IT_NS_B" "$ETHDL_BOARD" -i "$IT_IF_B" -d "$dir" "$@" \
		2>"$IT_BOARD_LOG" &
	IT_BOARD_PID=$!
	for i in $(seq 100); do
		if grep -q listening "$IT_BOARD_LOG" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$IT_BOARD_PID" 2>/dev/null; then
			wait "$IT_BOARD_PID"
			fail "ethdl-board $* exited at start ($?): $(cat "$IT_BOARD_LOG")"
			IT_BOARD_PID=
			return 1
		fi
		sleep 0.05
	done
	fail "ethdl-board $* did not say listening within 5 s: $(cat "$IT_BOARD_LOG")"
	return 1
}

# board_stop: SIGTERM the board and check that it exits 0.
board_stop() {
	local rc pid=$IT_BOARD_PID

	[ -n "$pid" ] || return 0
	IT_BOARD_PID=
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "ethdl-board exits 0 on SIGTERM (got $rc): $(tail -5 "$IT_BOARD_LOG")"
		return 1
	fi
	return 0
}

# json_get FIELD < JSON-LINE: print the field of the last JSON line (empty
# if the line does not parse, which json_ok reports).
json_get() {
	"$IT_PYTHON" -c '
import json, sys
lines = [l for l in sys.stdin.read().splitlines() if l.strip()]
v = json.loads(lines[-1]).get(sys.argv[1], "")
print(json.dumps(v) if isinstance(v, (dict, list, bool)) else v)
' "$1" 2>/dev/null
}

# json_ok < TEXT: every non-empty line is a JSON object.
json_ok() {
	"$IT_PYTHON" -c '
import json, sys
n = 0
for l in sys.stdin.read().splitlines():
    if l.strip():
        if not isinstance(json.loads(l), dict):
            raise SystemExit(1)
        n += 1
raise SystemExit(0 if n else 1)
' 2>/dev/null
}

# gen_file PATH SIZE SEED: deterministic content (same bytes on every run).
gen_file() {
	"$IT_PYTHON" -c '
import random, sys
path, size, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(seed)
with open(path, "wb") as f:
    left = size
    while left:
        n = min(left, 1 << 20)
        f.write(r.randbytes(n))
        left -= n
' "$1" "$2" "$3"
}

it_summary() {
	printf '%d passed, %d failed\n' "$IT_PASSES" "$IT_FAILS"
	[ "$IT_FAILS" -eq 0 ]
}

# ---- soak helpers (test_soak.sh, bench/soak.sh) ----

# proc_rss_kb PID / proc_fds PID: a process's resident memory in kB and its
# number of open file descriptors ("-" when it is gone).
proc_rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null | grep . || echo -
}
proc_fds() {
	[ -d "/proc/$1/fd" ] || { echo -; return; }
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}
# proc_fd_list PID: "FD -> TARGET" per line (for a report when fds grow).
proc_fd_list() {
	local f
	for f in /proc/"$1"/fd/*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		printf '%s -> %s\n' "${f##*/}" "$(readlink "$f" 2>/dev/null)"
	done
}

# json_result < JSON-LINE: "RESULT<tab>DETAIL" of one JSON object, nothing
# if it does not parse. jq when there is one (python3 takes ~0.4 s to start
# on a loaded machine, and a soak makes hundreds of these).
json_result() {
	if command -v jq >/dev/null; then
		jq -r 'if type == "object" then [(.result // "" | tostring),
			(.detail // "" | tostring)] | @tsv else empty end' 2>/dev/null
	else
		"$IT_PYTHON" -c '
import json, sys
j = json.loads(sys.stdin.read())
if isinstance(j, dict):
    print("%s\t%s" % (j.get("result", ""), str(j.get("detail", "")).replace("\t", " ").replace("\n", " ")))
' 2>/dev/null
	fi
}

# gen_files PATH:SIZE:SEED...: gen_file for many files, one python3 start.
gen_files() {
	"$IT_PYTHON" -c '
import random, sys
for a in sys.argv[1:]:
    path, size, seed = a.rsplit(":", 2)
    r, left = random.Random(int(seed)), int(size)
    with open(path, "wb") as f:
        while left:
            n = min(left, 1 << 20)
            f.write(r.randbytes(n))
            left -= n
' "$@"
}

# board_wait_idle [SECONDS]: wait until the board's log has as many
# "session ... ended" lines as "session ... from" lines (default 6 s; 1 if
# it did not get there, the caller says so).
board_wait_idle() {
	local _ began ended

	for _ in $(seq $(( ${1:-6} * 20 ))); do
		began=$(grep -Ec 'session [0-9a-f]{8} from ' "$IT_BOARD_LOG" 2>/dev/null)
		ended=$(grep -Ec 'session [0-9a-f]{8} ended' "$IT_BOARD_LOG" 2>/dev/null)
		[ "${began:-0}" -le "${ended:-0}" ] && return 0
		sleep 0.05
	done
	return 1
}

# soak_one N FILE STORED PREV [host flags...]: one `ethdl download --json -v`
# of FILE through the running board (watchdog 300 s), judged:
#   SOAK_CLASS  ok | fail | wrong (exit 0 but not proven: the JSON is not
#               ok, or STORED differs from FILE) | damaged (a failure that
#               left STORED neither as PREV, what it held before, nor FILE)
#   SOAK_RC SOAK_MS SOAK_RESULT SOAK_DETAIL SOAK_WHY SOAK_OUT SOAK_ERR
# PREV is a copy of what STORED held before (absent: nothing); it is brought
# up to date. A failure, wrong verdict or damage is printed with the exit
# code, the host's stderr and the board's log lines of this download.
soak_one() {
	local n=$1 file=$2 stored=$3 prev=$4 t bl0 held json

	shift 4
	SOAK_OUT=$IT_WORK/soak.$n.out
	SOAK_ERR=$IT_WORK/soak.$n.err
	IT_LAST_ERR=$SOAK_ERR
	bl0=$(wc -l <"$IT_BOARD_LOG" 2>/dev/null || echo 0)
	t=$(now_ms)
	timeout -k 5 300 ip netns exec "$IT_NS_H" "$ETHDL" download -i "$IT_IF_H" \
		-b "$IT_MAC_B" --json -v "$@" "$file" >"$SOAK_OUT" 2>"$SOAK_ERR"
	SOAK_RC=$?
	SOAK_MS=$(($(now_ms) - t))
	json=$(grep '^{' "$SOAK_OUT" | tail -1)
	IFS=$'\t' read -r SOAK_RESULT SOAK_DETAIL < <(json_result <<<"$json")
	[ -n "$SOAK_RESULT" ] || SOAK_RESULT=bad-json
	[ -n "$json" ] || SOAK_RESULT=no-json
	[ "$SOAK_RC" = 124 ] && SOAK_RESULT=hung SOAK_DETAIL="no exit within 300 s (killed)"
	if [ -f "$stored" ] && cmp -s -- "$file" "$stored"; then
		held=new
	elif [ -f "$stored" ] && [ -f "$prev" ] && cmp -s -- "$prev" "$stored"; then
		held=old
	elif [ ! -e "$stored" ] && [ ! -e "$prev" ]; then
		held=old
	else
		held=other
	fi
	if [ "$SOAK_RC" = 0 ]; then
		if [ "$SOAK_RESULT" = ok ] && [ "$held" = new ]; then
			SOAK_CLASS=ok SOAK_WHY=
		else
			SOAK_CLASS=wrong
			SOAK_WHY="exit 0 but result '$SOAK_RESULT' and the board holds the $held file"
		fi
	elif [ "$held" = other ]; then
		SOAK_CLASS=damaged
		SOAK_WHY="exit $SOAK_RC ($SOAK_RESULT) and the board holds neither the old nor the new file"
	else
		SOAK_CLASS=fail
		SOAK_WHY="exit $SOAK_RC, result $SOAK_RESULT: $SOAK_DETAIL (board holds the $held file)"
		[ "$SOAK_RESULT" = ok ] && SOAK_WHY="$SOAK_WHY; JSON says ok with exit $SOAK_RC"
	fi
	if [ -f "$stored" ]; then cp -- "$stored" "$prev"; else rm -f -- "$prev"; fi
	[ "$SOAK_CLASS" = ok ] && return 0
	printf '  #%s %s (%s B, %d ms): %s\n' "$n" "$SOAK_CLASS" "$(stat -c %s "$file" 2>/dev/null || echo ?)" \
		"$SOAK_MS" "$SOAK_WHY"
	tail -6 "$SOAK_ERR" | sed 's/^/      host: /'
	tail -n +$((bl0 + 1)) "$IT_BOARD_LOG" 2>/dev/null | tail -10 | sed 's/^/      board: /'
	if [ -n "${IT_BOARD_PID:-}" ] && ! kill -0 "$IT_BOARD_PID" 2>/dev/null; then
		echo "      board process $IT_BOARD_PID is gone"
	fi
	return 1
}
