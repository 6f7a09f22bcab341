#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Signed and encrypted packages over a real veth pair (PACKAGE.md §5,
# PROTOCOL.md §7): a board that trusts one Ed25519 key, holds the AES key
# and takes the algorithm type as signed packages only. A signed and
# encrypted package installs and is stored as received; every attack below
# is refused with its exit code (13, or 17 for a downgrade), the running
# image byte for byte unchanged, each refusal in the board's event log.
# Last, a board with a session key as well: the key opens the session, it
# does not make an unsigned package good.
# Usage: test_secure.sh BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

it_init "$1"
it_net_up
W=$IT_WORK
IF=$IT_IF_H
B=$IT_MAC_B
D=$W/state
ID=(--vendor acme --model rtu9 --serial SN-0042)

command -v openssl >/dev/null || {
	it_log "SKIPPED: no openssl command to make keys"
	exit $IT_SKIP
}
openssl genpkey -algorithm ed25519 -out "$W/sign.pem" 2>/dev/null &&
	openssl pkey -in "$W/sign.pem" -pubout -out "$W/sign.pub" &&
	openssl genpkey -algorithm ed25519 -out "$W/other.pem" 2>/dev/null ||
	fail "openssl made no keys"
printf '00112233445566778899aabbccddeeff\n' >"$W/aes.key"
printf 'ffeeddccbbaa99887766554433221100\n' >"$W/wrong.key"

gen_file "$W/img1" 40000 21
gen_file "$W/img2" 50000 22
pack() { # pack VERSION IMAGE OUT [more pack options]
	local v=$1 img=$2 out=$3
	shift 3
	"$ETHDL" pack --vendor acme --model rtu9 --image-version "$v" -o "$out" "$@" "$img" 2>&1 ||
		fail "pack $out"
}
SE=(--sign "$W/sign.pem" --encrypt "$W/aes.key")
pack 1.0.0 "$W/img1" "$W/v1.pkg" "${SE[@]}"
pack 2.0.0 "$W/img2" "$W/v2.pkg" "${SE[@]}"
pack 0.9.0 "$W/img2" "$W/old.pkg" "${SE[@]}"
pack 2.0.0 "$W/img2" "$W/other.pkg" --sign "$W/other.pem" --encrypt "$W/aes.key"
pack 2.0.0 "$W/img2" "$W/unsigned.pkg" --encrypt "$W/aes.key"
pack 2.0.0 "$W/img2" "$W/wrongkey.pkg" --sign "$W/sign.pem" --encrypt "$W/wrong.key"
pack 2.0.0 "$W/img2" "$W/alg.pkg" --sign "$W/sign.pem" --type algorithm

# mutate IN OUT FIELD|OFFSET [reseal]: flip one byte of a package, at the
# value of a header TLV (type in hex) or at a byte offset; with reseal, the
# header CRC is made right again, as an attacker would.
mutate() {
	"$IT_PYTHON" - "$@" <<'EOF'
import struct, sys, zlib
src, dst, where = sys.argv[1:4]
reseal = len(sys.argv) > 4
b = bytearray(open(src, "rb").read())
hlen = struct.unpack(">H", b[10:12])[0]
if where.startswith("tlv:"):
    want, at, i = int(where[4:], 16), None, 14
    while i + 3 <= hlen:
        t, l = b[i], struct.unpack(">H", b[i + 1:i + 3])[0]
        if t == want:
            at = i + 3 + l // 2
        i += 3 + l
    assert at is not None, "no TLV %x" % want
elif where == "image":
    at = hlen + (len(b) - hlen) // 2
else:
    at = int(where)
b[at] ^= 0x01
if reseal:
    b[hlen - 4:hlen] = struct.pack(">I", zlib.crc32(bytes(b[:hlen - 4])) & 0xffffffff)
open(dst, "wb").write(bytes(b))
EOF
}
# the resealing itself is sound: a resealed copy with no byte changed is
# still a good package
mutate "$W/v2.pkg" "$W/twice" 20 reseal && mutate "$W/twice" "$W/same.pkg" 20 reseal
"$ETHDL" inspect "$W/same.pkg" >/dev/null 2>&1
assert_rc "mutate: a byte flipped twice and resealed inspects clean" 0 $?
mutate "$W/v2.pkg" "$W/hdr-field.pkg" tlv:03 reseal # the version: 2.0.0 -> 2.0.1 or so
mutate "$W/v2.pkg" "$W/hdr-raw.pkg" tlv:01          # the vendor, CRC left broken
mutate "$W/v2.pkg" "$W/sig.pkg" tlv:11 reseal
mutate "$W/v2.pkg" "$W/tag.pkg" tlv:13 reseal
mutate "$W/v2.pkg" "$W/nonce.pkg" tlv:12 reseal
mutate "$W/v2.pkg" "$W/keyid.pkg" tlv:10 reseal
mutate "$W/v2.pkg" "$W/cipher.pkg" image
head -c $(($(stat -c %s "$W/v2.pkg") - 100)) "$W/v2.pkg" >"$W/trunc.pkg"

board_start "$D" -q "${ID[@]}" --trust "$W/sign.pub" --decrypt-key "$W/aes.key" \
	--signed-only algorithm || exit 1

# --- a signed and encrypted package installs, stored as received
ethdl_h download -i "$IF" -b "$B" --json "$W/v1.pkg" >"$W/v1.out" 2>"$W/v1.err"
IT_LAST_ERR=$W/v1.err assert_rc "signed+encrypted v1: downloaded, read back, activated" 0 $?
assert_eq "v1: activated" activated "$(json_get activation <"$W/v1.out")"
assert_same_file "v1: the board holds the package as received" "$W/v1.pkg" "$D/config.bin"
cp "$D/config.bin" "$W/active"

# attack NAME FILE RC PATTERN [download options]: refused with RC, the
# reason matching PATTERN, the running image unchanged
attack() {
	local name=$1 file=$2 rc=$3 pat=$4
	shift 4
	ethdl_h download -i "$IF" -b "$B" "$@" "$file" >"$W/$name.out" 2>"$W/$name.err"
	IT_LAST_ERR=$W/$name.err assert_rc "$name: refused" "$rc" $?
	assert_match "$name: the reason" "$pat" "$(cat "$W/$name.err" "$W/$name.out")"
	assert_same_file "$name: the active image is unchanged" "$W/active" "$D/config.bin"
	echo "$name $rc $( (grep -m1 -o 'board: .*' "$W/$name.err" || head -1 "$W/$name.err") |
		cut -c1-110)" >>"$W/attacks"
}
attack header-field "$W/hdr-field.pkg" 13 "does not check"
attack header-crc "$W/hdr-raw.pkg" 13 "header is refused"
attack signature "$W/sig.pkg" 13 "does not check"
attack tag "$W/tag.pkg" 13 "does not check"
attack nonce "$W/nonce.pkg" 13 "does not check"
attack key-id "$W/keyid.pkg" 13 "does not trust"
attack ciphertext "$W/cipher.pkg" 13 "does not match its digest"
attack wrong-signer "$W/other.pkg" 13 "does not trust"
attack unsigned "$W/unsigned.pkg" 13 "not signed"
attack wrong-aes-key "$W/wrongkey.pkg" 13 "tag"
attack older "$W/old.pkg" 17 "not newer"
attack truncated "$W/trunc.pkg" 13 "refused"
attack plain-signed-only "$W/img2" 13 "only signed" -t algorithm

# --- the board's log holds each refusal it made, with its detail
ethdl_h log -i "$IF" -b "$B" --json >"$W/log.out" 2>"$W/log.err"
IT_LAST_ERR=$W/log.err assert_rc "log" 0 $?
details=$("$IT_PYTHON" -c '
import json, sys
seen = {}
for l in open(sys.argv[1]):
    if l.strip():
        e = json.loads(l)
        if e["event"] in ("refused",):
            seen[e["detail"]] = seen.get(e["detail"], 0) + 1
print(" ".join("%d:%d" % (d, seen[d]) for d in sorted(seen)))
' "$W/log.out")
# 15 not newer, 16 malformed (the ciphertext's digest is checked after the
# data, a failure not a refusal), 22 signature, 23 untrusted, 24 unsigned,
# 25 tag
assert_match "log: signature refusals (4)" "22:4" "$details"
assert_match "log: untrusted key (2)" "23:2" "$details"
assert_match "log: unsigned and signed-only (2)" "24:2" "$details"
assert_match "log: tag (1)" "25:1" "$details"
assert_match "log: not newer (1)" "15:1" "$details"
failed=$("$IT_PYTHON" -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if l.strip() and json.loads(l)["event"] == "failed"
          and json.loads(l)["detail"] == 16))
' "$W/log.out")
assert_eq "log: the ciphertext download failed on its digest" 1 "$failed"

# --- the algorithm type takes a signed package (plain files only are barred)
ethdl_h download -i "$IF" -b "$B" "$W/alg.pkg" >"$W/alg.out" 2>"$W/alg.err"
IT_LAST_ERR=$W/alg.err assert_rc "signed algorithm package: installed" 0 $?

# --- and the genuine v2 still goes in after all that
ethdl_h download -i "$IF" -b "$B" --json "$W/v2.pkg" >"$W/v2.out" 2>"$W/v2.err"
IT_LAST_ERR=$W/v2.err assert_rc "signed+encrypted v2: installed" 0 $?
assert_same_file "v2: the board holds v2 as received" "$W/v2.pkg" "$D/config.bin"
board_stop

# --- signed packages and authenticated sessions together
openssl rand -hex 32 >"$W/session.key" || fail "openssl rand"
gen_file "$W/img3" 30000 23
pack 3.0.0 "$W/img3" "$W/v3.pkg" "${SE[@]}"
board_start "$D" -q "${ID[@]}" --trust "$W/sign.pub" --decrypt-key "$W/aes.key" \
	--auth-key "$W/session.key" || exit 1
ethdl_h download -i "$IF" -b "$B" "$W/v3.pkg" >"$W/v3n.out" 2>"$W/v3n.err"
IT_LAST_ERR=$W/v3n.err assert_rc "signed v3 without the session key: refused" 11 $?
assert_same_file "v3 without the key: v2 still runs" "$W/v2.pkg" "$D/config.bin"
ethdl_h download -i "$IF" -b "$B" --auth-key "$W/session.key" "$W/unsigned.pkg" \
	>"$W/v3u.out" 2>"$W/v3u.err"
IT_LAST_ERR=$W/v3u.err assert_rc "the session key does not make an unsigned package good" 13 $?
ethdl_h download -i "$IF" -b "$B" --auth-key "$W/session.key" "$W/v3.pkg" \
	>"$W/v3.out" 2>"$W/v3.err"
IT_LAST_ERR=$W/v3.err assert_rc "signed v3 with the session key: installed" 0 $?
assert_same_file "v3: the board holds v3 as received" "$W/v3.pkg" "$D/config.bin"
board_stop

# --- the board's key options: a missing file is 1, a bad key is 2
"$ETHDL_BOARD" -i lo -d "$W/x" --trust "$W/nonexistent.pub" >/dev/null 2>"$W/opt1.err"
assert_rc "--trust of a missing file" 1 $?
assert_match "--trust: names the file" "nonexistent.pub" "$(cat "$W/opt1.err")"
"$ETHDL_BOARD" -i lo -d "$W/x" --decrypt-key "$W/sign.pub" >/dev/null 2>"$W/opt2.err"
assert_rc "--decrypt-key of a PEM file" 2 $?
assert_match "--decrypt-key: names the file" "sign.pub" "$(cat "$W/opt2.err")"
"$ETHDL_BOARD" -i lo -d "$W/x" --signed-only config >/dev/null 2>"$W/opt3.err"
assert_rc "--signed-only without --trust" 2 $?

echo "attacks (name, exit code, what the board said):" >&2
cat "$W/attacks" >&2
it_summary
