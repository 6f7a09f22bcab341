#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Wireshark dissector (contrib/wireshark/ethdl.lua), run by tshark on
# every committed capture (captures/*.pcap*):
#   - it knows every name the C code knows: function codes, notices, details,
#     TLV types, capability bits, file types, roles, activation states and
#     events, each with its value, as frame/ (ethdl_frames names) and
#     frame/frame.h, frame/proto.h spell them; and no code the C code lacks;
#   - every frame of EtherType 0x88B5 (counted without the dissector) is
#     dissected, with no malformed frame, Lua error or unknown code or TLV;
#   - frame by frame, code, sequence, session, flags, length, carried CRC,
#     CRC status, every TLV's type and length, notice, detail, size, file
#     CRC and counter are what frame/ decodes (ethdl_frames dump);
#   - what each capture is about shows: its codes, the ERROR and its
#     notice, the bad CRC of frame_crc.pcap (and of no other), group data
#     and parity frames, images and events, sealed frames;
#   - the EtherType preference decodes a capture of another EtherType;
#   - crafted damaged frames (bad lengths, flags, TLVs, codes, versions,
#     times) are dissected without a Lua error, each damage named.
# Needs tshark with Lua (SKIPPED otherwise), no root.
# Usage: test_wireshark.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:?usage: test_wireshark.sh BUILD_DIR}
LUA=$top/contrib/wireshark/ethdl.lua
TOOL=$build/tests/ethdl_frames
SKIP=77

fails=0
passes=0
pass() { passes=$((passes + 1)); printf 'PASS: %s\n' "$*"; }
fail() { fails=$((fails + 1)); printf 'FAIL: %s\n' "$*"; }
atleast() { # atleast WHAT MIN GOT
	if [ "$3" -ge "$2" ]; then pass "$1 ($3)"; else fail "$1: $3, wanted $2 at least"; fi
}
check() { # check WHAT EXPECTED GOT
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

TSHARK=$(command -v tshark || true)
if [ -z "$TSHARK" ]; then
	echo "SKIPPED: tshark is not installed"
	exit $SKIP
fi
[ -x "$TOOL" ] || { echo "FAIL: $TOOL not built"; exit 1; }

work=$(mktemp -d /tmp/ethdl-wireshark.XXXXXX) || exit 1
trap 'rm -rf -- "$work"' EXIT
# A home of its own: no personal preferences or plugins (an installed copy
# of ethdl.lua would register the protocol twice).
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config
mkdir -p "$HOME"

ts() { "$TSHARK" -X "lua_script:$LUA" "$@" 2>"$work/ts.err"; }

# ---- the names: each C table entry is in the Lua table of that name.
# What the C code knows, as "TABLE<TAB>the start of the Lua line", from
# frame/ itself (ethdl_frames names) and from the enums of the headers.
"$TOOL" names >"$work/names" || fail "ethdl_frames names"
awk -F'\t' -v q='"' '
	$1 == "code" { print "code_names\t[" $2 "] = " q $3 q "," }
	$1 == "notice" { print "notice_names\t[" $2 "] = " q $3 q "," }
	$1 == "detail" { print "detail_text\t[" $2 "] = " q $3 q "," }
	$1 == "tlv" { print "tlv_names\t[" $2 "] = " q $3 q }
	$1 == "type" { print "file_types\t[" $2 "] = " q $3 q "," }
	$1 == "role" { print "role_names\t[" $2 "] = " q $3 q "," }
	$1 == "act_state" { print "act_state_names\t[" $2 "] = " q $3 q "," }
	$1 == "event" { print "event_names\t[" $2 "] = " q $3 q "," }' "$work/names" >"$work/expect"
sed -n 's/^[[:space:]]*\(T_[A-Z0-9_]*\) = \([0-9]*\),.*/tlv_defs\t[\2] = {"\1",/p' \
	"$top/frame/proto.h" >>"$work/expect"
sed -n 's/^[[:space:]]*\(D_[A-Z0-9_]*\) = \([0-9]*\),.*/detail_ids\t[\2] = "\1",/p' \
	"$top/frame/proto.h" >>"$work/expect"
sed -n 's/^[[:space:]]*FC_\([A-Z0-9_]*\) = \(0x[0-9A-F]*\),.*/code_names\t[\2] = "\1",/p' \
	"$top/frame/frame.h" >>"$work/expect"
sed -n 's/^#define \(CAP_[A-Z0-9_]*\)[[:space:]]*\(0x[0-9a-fA-F]*\)u.*/cap_bits\t{\2, "\1",/p' \
	"$top/frame/frame.h" >>"$work/expect"
# The Lua tables: "TABLE<TAB>line" for every line of `local TABLE = {` … `}`;
# tlv_names: the short name (second string) of each tlv_defs line.
awk '/^local [a-z_]+ = \{$/ { t = $2; next } t && /^}/ { t = ""; next }
	t { sub(/^\t/, ""); print t "\t" $0
	    if (t == "tlv_defs" && match($0, /^\[[0-9]+\] = \{"[A-Z0-9_]+", "[a-z0-9_]+"/)) {
		    l = substr($0, 1, RLENGTH); sub(/\{"[A-Z0-9_]+", /, "", l); print "tlv_names\t" l } }' \
	"$LUA" >"$work/lua_tables"
# every expected line starts a line of its table
awk -F'\t' 'NR == FNR { have[$1] = have[$1] "\n" $2; n[$1]++; next }
	index(have[$1], "\n" $2) == 0 { print "ethdl.lua: " $1 " lacks " $2; bad++ }
	END { exit bad > 0 }' "$work/lua_tables" "$work/expect" >"$work/missing"
check "every name frame/ knows is in ethdl.lua, with its value" "" "$(head -20 "$work/missing")"
# and nothing more: as many entries as the C code has
lcount() { awk -F'\t' -v t="$1" '$1 == t && $2 ~ /^[[{]/' "$work/lua_tables" | wc -l; }
check "function codes: as many in ethdl.lua as in frame/" "$(grep -c '^code' "$work/names")" "$(lcount code_names)"
check "notices: as many" "$(grep -c '^notice' "$work/names")" "$(lcount notice_names)"
check "details: as many" "$(grep -c '^detail' "$work/names")" "$(lcount detail_text)"
check "TLV types: as many" "$(grep -c '^tlv' "$work/names")" "$(lcount tlv_defs)"
check "capability bits: as many" "$(grep -c '^cap_bits' "$work/expect")" "$(lcount cap_bits)"
atleast "function codes frame/ names" 41 "$(grep -c '^code' "$work/names")"
atleast "details proto.h enumerates" 28 "$(grep -c '^detail_ids' "$work/expect")"
atleast "TLV types proto.h enumerates" 54 "$(grep -c '^tlv_defs' "$work/expect")"

# ---- every capture, merged into one file (tshark starts slowly: three
# runs for all of them), each frame then attributed to its capture.
MERGECAP=$(command -v mergecap || true)
[ -n "$MERGECAP" ] || { echo "SKIPPED: mergecap (wireshark-common) is not installed"; exit $SKIP; }
caps=()
for cap in "$top"/captures/*.pcap*; do [ -f "$cap" ] && caps+=("$cap"); done
[ "${#caps[@]}" -ge 13 ] && pass "${#caps[@]} captures to look at" || fail "only ${#caps[@]} captures found"
: >"$work/ranges"
first=1
for cap in "${caps[@]}"; do
	n=$("$TOOL" count "$cap") || { fail "$(basename "$cap"): unreadable"; continue; }
	printf '%s\t%d\t%d\n' "$(basename "$cap")" "$first" "$((first + n - 1))" >>"$work/ranges"
	first=$((first + n))
done
"$MERGECAP" -a -F pcap -w "$work/all.pcap" "${caps[@]}" || { fail "mergecap"; exit 1; }

FIELDS=(frame.number ethdl.code ethdl.seq ethdl.session ethdl.flags ethdl.len ethdl.crc
	ethdl.crc.status ethdl.tlv.type ethdl.tlv.len ethdl.notice ethdl.detail ethdl.size
	ethdl.file_crc ethdl.ctr
	_ws.col.Info eth.dst ethdl.from ethdl.caps.window ethdl.caps.auth ethdl.vendor ethdl.cum
	ethdl.high ethdl.have ethdl.expected ethdl.got ethdl.delay_ms ethdl.group_mac
	ethdl.flags.group ethdl.parity.gen ethdl.parity.index ethdl.needs.symbols ethdl.sha256
	ethdl.image.version ethdl.act_state ethdl.pkg_hdr ethdl.nonce ethdl.host_nonce ethdl.auth
	ethdl.sealed ethdl.fmac ethdl.data.offset ethdl.block ethdl.image.flags
	ethdl.ovl.pass ethdl.passes ethdl.regions ethdl.caps.overlap)
NCMP=15 # the first NCMP are the ones ethdl_frames dump prints
fargs=()
for f in "${FIELDS[@]}"; do fargs+=(-e "$f"); done

# decoder-independent: Wireshark's own Ethernet dissector, no script
"$TSHARK" -r "$work/all.pcap" -Y 'eth.type == 0x88b5' -T fields -e frame.number \
	>"$work/eth.txt" 2>/dev/null
ts -r "$work/all.pcap" -V >"$work/v.txt"
cp "$work/ts.err" "$work/v.err"
ts -r "$work/all.pcap" -Y ethdl -T fields "${fargs[@]}" -E occurrence=a -E aggregator=, \
	>"$work/ws.txt"
"$TOOL" dump "$work/all.pcap" >"$work/c.txt" || fail "ethdl_frames dump"
if [ ! -s "$work/ws.txt" ] && [ -s "$work/eth.txt" ]; then
	if "$TSHARK" -v 2>/dev/null | grep -qi 'without Lua'; then
		echo "SKIPPED: tshark is built without Lua"
		exit $SKIP
	fi
	fail "the dissector does not load: $(head -5 "$work/ts.err")"
fi
# which capture: prefix every line (by its frame number, field 1) with its
# name, and number the frame as in that capture
attr() {
	awk -F'\t' -v OFS='\t' 'NR == FNR { name[NR] = $1; lo[NR] = $2; hi[NR] = $3; n = NR; next }
		{ for (i = 1; i <= n; i++) if ($1 >= lo[i] && $1 <= hi[i]) { $1 = $1 - lo[i] + 1; print name[i], $0; next }
		  print "?", $0 }' "$work/ranges" "$1"
}
attr "$work/ws.txt" >"$work/ws.cap"
attr "$work/c.txt" >"$work/c.cap"
attr "$work/eth.txt" >"$work/eth.cap"
# problems in the -V output, per frame: "Frame N:" starts each
awk '/^Frame [0-9]+:/ { f = $2; sub(":", "", f) }
	tolower($0) ~ /malformed|lua error|dissector bug|unknown function code|unknown tlv|tlv runs past|unexpected length|bad start flag|bad end flag/ { print f "\t" $0 }
	/Expert Info \(Error\/Checksum\): Bad frame CRC: carried 0x[0-9a-f]+, computed 0x[0-9a-f]+/ { print f "\tBADCRC" }' \
	"$work/v.txt" >"$work/problems.txt"
attr "$work/problems.txt" >"$work/problems.cap"
if grep -qiE 'lua|error' "$work/v.err"; then fail "tshark -V: $(head -3 "$work/v.err")"; fi

# q CAP CONDITION: rows of CAP's frames for which the awk CONDITION holds,
# with v("ethdl.code") the value of a field of FIELDS
q() {
	awk -F'\t' -v c="$1" -v names="${FIELDS[*]}" '
		BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) col[a[i]] = i + 1 }
		function v(name) { return $(col[name]) }
		$1 == c && ('"$2"') { k++ } END { print k + 0 }' "$work/ws.cap"
}
# vals CAP CONDITION FIELD: that field of the rows where CONDITION holds
vals() {
	awk -F'\t' -v c="$1" -v names="${FIELDS[*]}" -v want="$3" '
		BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) col[a[i]] = i + 1 }
		function v(name) { return $(col[name]) }
		$1 == c && ('"$2"') { print v(want) }' "$work/ws.cap"
}
# codes CAP: the Info column's first word of each frame, sorted, unique
codes() { vals "$1" 1 _ws.col.Info | awk '{ print $1 }' | sort -u | tr '\n' ' '; }
# needs CAP NAME...: these function codes appear in the capture
needs() {
	local cap=$1 c got
	shift
	got=" $(codes "$cap")"
	for c in "$@"; do
		case $got in *" $c "*) ;; *) fail "$cap: no $c (has:$got)"; return 1 ;; esac
	done
	pass "$cap: has $*"
}

# frame by frame against frame/: the first NCMP fields, both sides
awk -F'\t' -v OFS='\t' -v k=$((NCMP + 1)) '{ NF = k; print }' "$work/ws.cap" >"$work/cmp.ws"
diff "$work/c.cap" "$work/cmp.ws" >"$work/diff.txt"
# one line per capture: name, 0x88B5 frames, dissected, decoded by frame/,
# bad CRC (dissector), bad CRC (frame/), bad-CRC expert errors, problems,
# differing lines
col_status=$((1 + 8)) # ethdl.crc.status, after the name and 7 fields
awk -F'\t' -v st=$col_status '
	FILENAME ~ /eth.cap$/ { eth[$1]++ }
	FILENAME ~ /ws.cap$/ { ws[$1]++; if ($st == "0") wbad[$1]++ }
	FILENAME ~ /c.cap$/ { c[$1]++; if ($st == "0") cbad[$1]++ }
	FILENAME ~ /problems.cap$/ { if ($3 == "BADCRC") ex[$1]++; else pr[$1]++ }
	FILENAME ~ /diff.txt$/ && /^[<>] / { n = $1; sub(/^[<>] /, "", n); d[n]++ }
	FILENAME ~ /ranges$/ { print $1, eth[$1] + 0, ws[$1] + 0, c[$1] + 0, wbad[$1] + 0, cbad[$1] + 0, ex[$1] + 0, pr[$1] + 0, d[$1] + 0 }' \
	OFS='\t' "$work/eth.cap" "$work/ws.cap" "$work/c.cap" "$work/problems.cap" "$work/diff.txt" \
	"$work/ranges" >"$work/summary"
while IFS=$'\t' read -r b neth nws nc wbad cbad nex npr ndiff; do
	check "$b: every 0x88B5 frame dissected ($neth)" "$neth" "$nws"
	[ "$neth" -gt 0 ] || fail "$b: holds no ethdl frame"
	check "$b: no malformed frame, Lua error, unknown code or TLV" 0 "$npr"
	if [ "$ndiff" = 0 ] && [ "$nc" = "$nws" ]; then
		pass "$b: $nc frames decoded as frame/ decodes them"
	else
		fail "$b: the dissector and frame/ differ (< frame/, > dissector):"
		grep -F "$b" "$work/diff.txt" | head -6
	fi
	check "$b: bad CRCs flagged as frame/ finds them" "$cbad" "$wbad"
	case $b in
	frame_crc.pcap)
		atleast "$b: frames flagged with a bad CRC" 1 "$wbad"
		check "$b: an expert error (carried vs computed) per bad frame" "$wbad" "$nex" ;;
	*) check "$b: no bad CRC" 0 "$wbad" ;;
	esac
done <"$work/summary"
if [ "$(grep -c . "$work/problems.cap")" != "$(awk -F'\t' '$3 == "BADCRC"' "$work/problems.cap" | wc -l)" ]; then
	echo "problems found in the dissection:"
	head -10 "$work/problems.cap"
fi

# ---- what each capture is about
check "connect_failed: only CONNECT, and the DISCONNECT that ends it" "CONNECT DISCONNECT " \
	"$(codes connect_failed.pcap)"
check "connect_failed: nothing from the board" 0 "$(q connect_failed.pcap 'v("ethdl.from") == "board"')"
needs happy_windowed.pcap CONNECT CONNECT_ACK DOWNLOAD FILE_INFO FILE_DATA STATUS_QUERY BOARD_STATUS \
	DOWNLOAD_DONE READBACK READBACK_ACK READBACK_DATA RB_STATUS_QUERY HOST_STATUS READBACK_DONE \
	DISCONNECT DISCONNECT_ACK
check "happy_windowed: no ERROR" 0 "$(q happy_windowed.pcap 'v("ethdl.code") == "0x89"')"
check "happy_windowed: Info of a reply" "DOWNLOAD_ACK seq=0" \
	"$(vals happy_windowed.pcap 'v("ethdl.code") == "0x82"' _ws.col.Info | head -1)"
atleast "happy_windowed: block status with cum, high, have" 1 \
	"$(q happy_windowed.pcap 'v("ethdl.code") == "0xa0" && v("ethdl.cum") != "" && v("ethdl.high") != "" && v("ethdl.have") != ""')"
check "happy_windowed: CONNECT_ACK capabilities by name, identity" 1 \
	"$(q happy_windowed.pcap 'v("ethdl.code") == "0x81" && v("ethdl.caps.window") ~ /^(1|True)$/ && v("ethdl.vendor") == "ethdl"')"
ndata=$(q happy_windowed.pcap 'v("ethdl.code") == "0x04" || v("ethdl.code") == "0x86"')
atleast "happy_windowed: data frames" 8 "$ndata"
check "happy_windowed: each data frame at (seq - 1) x the block of FILE_INFO / READBACK_ACK" "$ndata" \
	"$(q happy_windowed.pcap '(v("ethdl.code") == "0x04" || v("ethdl.code") == "0x86") && v("ethdl.data.offset") != "" && v("ethdl.data.offset") == (v("ethdl.seq") - 1) * 1479')"
check "happy_strict: the 15 base codes only" "" \
	"$(vals happy_strict.pcap 1 ethdl.code | grep -vxE '0x0[1-6]|0x8[1-9]' | sort -u)"
check "file_crc: ERROR FILE_CRC (detail 5) in the Info column" "ERROR FILE_CRC (detail 5)" \
	"$(vals file_crc.pcap 'v("ethdl.code") == "0x89"' _ws.col.Info | head -1)"
atleast "file_crc: ERROR with notice FILE_CRC" 1 \
	"$(q file_crc.pcap 'v("ethdl.code") == "0x89" && v("ethdl.notice") == "3"')"
check "readback_mismatch: ERROR READBACK_MISMATCH" 1 \
	"$(q readback_mismatch.pcap 'v("ethdl.code") == "0x89" && v("ethdl.notice") == "5"')"
check "wrong_command: ERROR WRONG_COMMAND, unexpected code, expected 0x82 got 0x85" 1 \
	"$(q wrong_command.pcap 'v("ethdl.notice") == "6" && v("ethdl.detail") == "1" && v("ethdl.expected") == "0x00000082" && v("ethdl.got") == "0x00000085"')"
check "timeout: no ERROR on the host's side" 0 "$(q timeout.pcap 'v("ethdl.code") == "0x89"')"

needs group.pcap DISCOVER DISCOVER_ACK GROUP_JOIN GROUP_JOIN_ACK GROUP_DATA GROUP_PARITY GROUP_QUERY \
	GROUP_STATUS GROUP_VERIFY GROUP_DONE GROUP_LEAVE GROUP_LEAVE_ACK
check "group: DISCOVER to the discovery address, with its delay" 1 \
	"$(q group.pcap 'v("ethdl.code") == "0x27" && v("eth.dst") == "03:65:74:68:64:6c" && v("ethdl.delay_ms") != ""')"
gmac=$(vals group.pcap 'v("ethdl.code") == "0x28"' ethdl.group_mac | head -1)
atleast "group: GROUP_JOIN names a group address" 17 "${#gmac}"
check "group: every GROUP_DATA to the group, GROUP flag set" 0 \
	"$(q group.pcap 'v("ethdl.code") == "0x29" && !(v("eth.dst") == "'"$gmac"'" && v("ethdl.flags.group") ~ /^(1|True)$/)')"
gblock=$(vals group.pcap 'v("ethdl.code") == "0x28"' ethdl.block | head -1)
check "group: GROUP_DATA 3 at 2 blocks of GROUP_JOIN's T_BLOCK ($gblock)" "$((2 * ${gblock:-0}))" \
	"$(vals group.pcap 'v("ethdl.code") == "0x29" && v("ethdl.seq") == "3"' ethdl.data.offset | head -1)"
npar=$(q group.pcap 'v("ethdl.code") == "0x2a"')
atleast "group: parity frames" 1 "$npar"
check "group: every parity frame with its generation and index" "$npar" \
	"$(q group.pcap 'v("ethdl.code") == "0x2a" && v("ethdl.parity.gen") == "0" && v("ethdl.parity.index") != "" && v("ethdl.len") > 6')"
atleast "group: a board reports a generation short (T_NEEDS)" 1 \
	"$(q group.pcap 'v("ethdl.needs.symbols") > 0')"
check "group: two GROUP_DONE with the stored file's SHA-256" 2 \
	"$(q group.pcap 'v("ethdl.code") == "0xa9" && length(v("ethdl.sha256")) == 64')"

needs device.pcap INFO INFO_ACK ACTIVATE ACT_STATE ROLLBACK LOG_QUERY LOG_DATA
check "device: INFO_ACK images, active 1.0.0 and staged 2.0.0" "1.0.0,2.0.0" \
	"$(vals device.pcap 'v("ethdl.code") == "0xa2"' ethdl.image.version)"
# T_IMAGE flags: bits 0 and 1 only (PROTOCOL.md §7); the board's own
# bookkeeping bits stay off the wire
check "device: T_IMAGE flags use only the defined bits" "" \
	"$(vals device.pcap 'v("ethdl.image.flags") != ""' ethdl.image.flags | tr ',' '\n' |
		awk '$1 != "" && and(strtonum($1), 252) != 0' | sort -u | tr '\n' ' ')"
atleast "device: T_IMAGE entries seen" 1 "$(q device.pcap 'v("ethdl.image.flags") != ""')"
atleast "device: a rolled-back ACT_STATE" 1 "$(q device.pcap 'v("ethdl.act_state") == "4"')"
check "device: LOG_DATA events named" 1 \
	"$(grep -q 'Event: rolled back (11)' "$work/v.txt" && echo 1 || echo 0)"
atleast "device: the package header in FILE_INFO" 1 \
	"$(q device.pcap 'v("ethdl.code") == "0x03" && v("ethdl.pkg_hdr") != ""')"

# overlap.pcap: 40000 bytes in 256-byte blocks, read back as it comes
# (PROTOCOL.md §10): chunks of 252 bytes, 64 to a region, so 3 regions
needs overlap.pcap CONNECT CONNECT_ACK FILE_INFO FILE_DATA OVL_DATA OVL_DONE DOWNLOAD_DONE
check "overlap: CAP_OVERLAP offered and taken" 2 \
	"$(q overlap.pcap '(v("ethdl.code") == "0x01" || v("ethdl.code") == "0x81") && v("ethdl.caps.overlap") ~ /^(1|True)$/')"
novl=$(q overlap.pcap 'v("ethdl.code") == "0xac"')
atleast "overlap: OVL_DATA chunks" 159 "$novl"
check "overlap: every OVL_DATA has a pass and its file offset, (seq - 1) x 252" "$novl" \
	"$(q overlap.pcap 'v("ethdl.code") == "0xac" && v("ethdl.ovl.pass") >= 1 && v("ethdl.data.offset") != "" && v("ethdl.data.offset") == (v("ethdl.seq") - 1) * 252')"
check "overlap: OVL_DONE names 3 regions and at least 3 passes" 1 \
	"$(q overlap.pcap 'v("ethdl.code") == "0xad" && v("ethdl.regions") == 3 && v("ethdl.passes") >= 3')"
first_ovl=$(vals overlap.pcap 'v("ethdl.code") == "0xac"' frame.number | head -1)
done_at=$(vals overlap.pcap 'v("ethdl.code") == "0x84"' frame.number | head -1)
check "overlap: chunks read back before the board's DOWNLOAD_DONE" 1 \
	"$([ -n "$first_ovl" ] && [ -n "$done_at" ] && [ "$first_ovl" -lt "$done_at" ] && echo 1 || echo 0)"

needs secure.pcap CONNECT_ACK AUTH AUTH_ACK DOWNLOAD FILE_INFO FILE_DATA READBACK_DATA DISCONNECT_ACK
check "secure: the board's nonce in CONNECT_ACK, CAP_AUTH set" 1 \
	"$(q secure.pcap 'v("ethdl.code") == "0x81" && length(v("ethdl.nonce")) == 32 && v("ethdl.caps.auth") ~ /^(1|True)$/')"
check "secure: AUTH with the host's nonce and proof" 1 \
	"$(q secure.pcap 'v("ethdl.code") == "0x2e" && length(v("ethdl.host_nonce")) == 32 && length(v("ethdl.auth")) == 64')"
sealed=$(q secure.pcap 'v("ethdl.sealed") ~ /^(1|True)$/')
atleast "secure: sealed frames" 6 "$sealed"
check "secure: every sealed frame has its counter and FMAC" "$sealed" \
	"$(q secure.pcap 'v("ethdl.sealed") ~ /^(1|True)$/ && v("ethdl.ctr") > 0 && length(v("ethdl.fmac")) == 32')"
check "secure: data frames, probes and the handshake are not sealed" "" \
	"$(vals secure.pcap 'v("ethdl.sealed") ~ /^(1|True)$/' ethdl.code | grep -xE '0x04|0x86|0x20|0xa1|0x01|0x81|0x2e|0xab')"
check "secure: Info of a sealed frame" "DOWNLOAD seq=0 [sealed ctr=1]" \
	"$(vals secure.pcap 'v("ethdl.code") == "0x02"' _ws.col.Info | head -1)"
check "happy_windowed: nothing sealed" 0 "$(q happy_windowed.pcap 'v("ethdl.sealed") != ""')"

# ---- another EtherType: the preference, and frame/ told the same
PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
	echo "SKIPPED: another EtherType (needs python3 to rewrite a capture)"
else
	"$PY" - "$top/captures/happy_strict.pcap" "$work/et.pcap" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
off = 24
while off + 16 <= len(b):
    incl = struct.unpack("<I", b[off + 8:off + 12])[0]
    if b[off + 16 + 12:off + 16 + 14] == b"\x88\xb5":
        b[off + 16 + 12:off + 16 + 14] = b"\x90\x01"
    off += 16 + incl
open(sys.argv[2], "wb").write(b)
EOF
	# with the preference: every frame, as frame/ told 9001 decodes it
	ts -o ethdl.ethertype:9001 -r "$work/et.pcap" -Y ethdl -T fields "${fargs[@]:0:$((2 * NCMP))}" \
		-E occurrence=a -E aggregator=, >"$work/et.ws"
	"$TOOL" dump "$work/et.pcap" 9001 >"$work/et.c"
	check "EtherType 0x9001 (-o ethdl.ethertype:9001): every frame" "$("$TOOL" count "$work/et.pcap")" \
		"$(wc -l <"$work/et.ws")"
	check "EtherType 0x9001: as frame/ decodes it" "" "$(diff "$work/et.c" "$work/et.ws" | head -3)"
	check "EtherType 0x9001: frame/ without it sees nothing" 0 "$("$TOOL" dump "$work/et.pcap" | wc -l)"
fi

# ---- hostile frames: each dissected without a Lua error, its damage named
if [ -n "$PY" ]; then
	"$PY" - "$work/hostile.pcap" <<'EOF'
import struct, sys, zlib
H = bytes.fromhex("02e7d1000001")
B = bytes.fromhex("02e7d1000002")
def frame(code, data=b"", seq=0, session=0x11223344, flags=0, ver=1, start=b"\xeb\x90",
          end=b"\x90\xeb", dlen=None, badcrc=False, cut=None, src=H, dst=B):
    n = len(data) if dlen is None else dlen
    body = start + bytes([ver, flags]) + struct.pack(">IIBH", session, seq, code, n) + data
    crc = zlib.crc32(body) & 0xffffffff
    if badcrc: crc ^= 1
    f = dst + src + b"\x88\xb5" + body + struct.pack(">I", crc) + end
    if cut is not None: f = f[:cut]
    return f + b"\0" * max(0, 60 - len(f)) if cut is None else f
def tlv(t, v): return bytes([t, len(v)]) + v
frames = [
    frame(0x81, b"\x01\x04\x00\x00"),                       # 1 TLV runs past the data
    frame(0x81, tlv(1, b"\x00\x00\x01")),                   # 2 T_CAPS of 3 bytes
    frame(0x01, b"\x00" * 10, dlen=1000),                   # 3 length past the frame
    frame(0x01, start=b"\x12\x34"),                         # 4 bad start flag
    frame(0x3f),                                            # 5 unknown code
    frame(0x01, cut=24),                                    # 6 too short
    frame(0xa2, tlv(26, b"\x01" * 59)),                     # 7 T_IMAGE of 59 bytes
    frame(0x01, ver=2),                                     # 8 version 2
    frame(0x01, end=b"\x00\x00"),                           # 9 bad end flag
    frame(0x81, tlv(99, b"abc")),                           # 10 unknown TLV type
    frame(0x2a, b"\x00\x00\x00\x01\x02"),                   # 11 parity shorter than 6
    frame(0xa3, tlv(33, bytes([7]) + b"\x00" * 8) + tlv(27, b"\xff" * 8) + tlv(30, b"\x7f" + b"\xff" * 7)),  # 12 version count 7, huge times
    frame(0xa0, tlv(18, struct.pack(">I", 3)) + tlv(19, struct.pack(">I", 9)) + tlv(20, struct.pack(">I", 4)) + tlv(21, bytes([0b00010110]))),  # 13 bitmap
    frame(0x89, tlv(13, b"\x09") + tlv(14, b"\x00\x63")),   # 14 notice 9, detail 99
    frame(0x82, tlv(8, b"\x01"), badcrc=True),              # 15 bad CRC
    frame(0x89, tlv(13, b"\x03")),                          # 16 ERROR without detail
    frame(0xa5, tlv(37, b"\x00" * 46) + tlv(43, b"\x01" * 7) + tlv(44, b"\x02" * 7)),  # 17 zero event, heard/needs not multiple of 6
    frame(0x83, tlv(53, b"\x00\x00\x00\x05") + tlv(54, b"\x00" * 15)),  # 18 FMAC of 15: not sealed
]
out = bytearray(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
for i, f in enumerate(frames):
    out += struct.pack("<IIII", 1796000000 + i, 0, len(f), len(f)) + f
open(sys.argv[1], "wb").write(out)
EOF
	ts -r "$work/hostile.pcap" -V >"$work/hostile.txt"
	check "hostile frames: no Lua error" "" "$(grep -iE 'lua error|dissector bug' "$work/hostile.txt" "$work/ts.err" | head -3)"
	check "hostile frames: every one dissected" 18 "$(grep -c '^ethdl download protocol' "$work/hostile.txt")"
	cat >"$work/hostile.want" <<'EOF'
1	TLV at data offset 0 runs past the data \(4 bytes left\)
2	T_CAPS: 3 bytes, 4 expected
3	data length 1000, 25 bytes in the frame
4	Expert Info \(Error/Malformed\): Bad start flag
5	Unknown function code 0x3f
6	10 bytes after the Ethernet header, 21 at least
7	T_IMAGE: not a multiple of 60 bytes
8	Expert Info \(Error/Malformed\): Unknown version
9	Expert Info \(Error/Malformed\): Bad end flag
10	Unknown TLV type \(skipped by receivers\)
11	GROUP_PARITY: shorter than its 6-byte header
12	Version to: bad \(count 7\)
12	Board time .*18446744073709551615
13	Missing sequence: 4\].*Missing sequence: 7\].*Missing sequence: 9\] [^M]*$
14	ERROR \?, detail 99
15	Bad frame CRC: carried 0x[0-9a-f]+, computed 0x[0-9a-f]+
16	ERROR FILE_CRC, detail 0: none
17	T_HEARD: not a multiple of 6 bytes
17	T_NEEDS: not a multiple of 6 bytes
18	T_FMAC: 15 bytes, 16 expected
EOF
	# frame N's text on one line, then each wanted pattern in its frame
	awk '/^Frame [0-9]+:/ { f = $2; sub(":", "", f) } { t[f] = t[f] " " $0 }
		END { for (f in t) print f "\t" t[f] }' "$work/hostile.txt" | sed 's/  */ /g' >"$work/hostile.frames"
	while IFS=$'\t' read -r fno re; do
		if awk -F'\t' -v f="$fno" -v re="$re" '$1 == f && $2 ~ re { ok = 1 } END { exit !ok }' \
			"$work/hostile.frames"; then
			pass "hostile frame $fno: /$re/"
		else
			fail "hostile frame $fno: /$re/ not in its dissection"
		fi
	done <"$work/hostile.want"
	check "hostile frame 18 (FMAC of 15 bytes) is not taken for sealed" 0 \
		"$(grep -c 'Sealed (authenticated session)' "$work/hostile.txt")"
fi

printf '%d passed, %d failed\n' "$passes" "$fails"
[ "$fails" -eq 0 ]
