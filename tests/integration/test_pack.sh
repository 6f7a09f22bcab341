#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ethdl pack and ethdl inspect, without root or a network: a package made by
# pack is accepted by inspect with every field as given; a package damaged
# in its header or its image, cut short or lengthened is refused (exit 13)
# with the reason; bad options are usage errors (exit 2), unreadable files
# local errors (exit 1).
#
#   tests/integration/test_pack.sh BUILD_DIR

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

BUILD=${1:?usage: $0 BUILD_DIR}
ETHDL=$BUILD/cmd/ethdl
[ -x "$ETHDL" ] || { echo "no ethdl in $BUILD/cmd"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/ethdl-pack.XXXXXX") || exit 1
trap 'rm -rf -- "$W"' EXIT

run() {
	"$@" >"$W/out" 2>"$W/err"
	RC=$?
	OUT=$(cat "$W/out")
	ERR=$(cat "$W/err")
}

# jload FILE: read the JSON object in FILE once (python is slow to start);
# then jget FILE KEY prints one value (arrays joined by ',', booleans
# lowercase, absent keys empty).
jload() {
	python3 -c 'import json, sys
for k, v in json.load(open(sys.argv[1])).items():
    if isinstance(v, list):
        v = ",".join(v)
    elif isinstance(v, bool):
        v = str(v).lower()
    print("%s\t%s" % (k, v))' "$1" >"$1.kv"
}
jget() {
	awk -F '\t' -v k="$2" '$1 == k { print $2 }' "$1.kv"
}

# flip FILE OFFSET: invert one byte.
flip() {
	local b

	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %o $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

IMG=$W/image.bin
head -c 300001 /dev/urandom >"$IMG"
SHA=$(sha256sum "$IMG" | cut -d' ' -f1)
printf '# boards of unit 2\nSN-0001\n  SN-0002\t\n\nSN-0003 # spare\n' >"$W/targets"
P=$W/a.pkg
PACK=("$ETHDL" pack --vendor "Acme Controls" --model IO-4821 --image-version 1.10.3
	-t parameter --targets "$W/targets" --build-time 1718000000)

# ---- a good package ----
run "${PACK[@]}" -o "$P" "$IMG"
assert_rc "pack" 0 "$RC"
assert_match "pack: summary line" "image 300001 bytes, sha256 $SHA" "$OUT"
HL=$(od -An -tu2 --endian=big -j 10 -N2 "$P" | tr -d ' ')
assert_eq "package = header + image" $((HL + 300001)) "$(stat -c %s "$P")"
tail -c 300001 "$P" >"$W/tail"
assert_same_file "the image follows the header unchanged" "$IMG" "$W/tail"
assert_eq "magic" "ETHDLPKG" "$(head -c 8 "$P")"

run "$ETHDL" inspect "$P"
assert_rc "inspect" 0 "$RC"
for want in "vendor +Acme Controls" "model +IO-4821" "version +1.10.3" "type +parameter" \
	"build time +1718000000 \(2024-06-10T06:13:20Z\)" "targets +3: SN-0001" " +SN-0002" \
	" +SN-0003" "image size +300001 bytes" "sha256 +$SHA" "signature +none" \
	"image +300001 bytes, SHA-256 matches"; do
	assert_match "inspect shows $want" "$want" "$OUT"
done

run "$ETHDL" inspect --json "$P"
assert_rc "inspect --json" 0 "$RC"
printf '%s\n' "$OUT" >"$W/j"
jload "$W/j"
assert_eq "json: one line" 1 "$(wc -l <"$W/j")"
assert_eq "json result" ok "$(jget "$W/j" result)"
assert_eq "json exit" 0 "$(jget "$W/j" exit)"
assert_eq "json vendor" "Acme Controls" "$(jget "$W/j" vendor)"
assert_eq "json model" IO-4821 "$(jget "$W/j" model)"
assert_eq "json version" 1.10.3 "$(jget "$W/j" version)"
assert_eq "json type" parameter "$(jget "$W/j" type)"
assert_eq "json build_time" 1718000000 "$(jget "$W/j" build_time)"
assert_eq "json targets" SN-0001,SN-0002,SN-0003 "$(jget "$W/j" targets)"
assert_eq "json image_size" 300001 "$(jget "$W/j" image_size)"
assert_eq "json sha256" "$SHA" "$(jget "$W/j" sha256)"
assert_eq "json image_sha256" "$SHA" "$(jget "$W/j" image_sha256)"
assert_eq "json header_bytes" "$HL" "$(jget "$W/j" header_bytes)"
assert_eq "json signed" false "$(jget "$W/j" signed)"

# The same inputs make the same bytes; SOURCE_DATE_EPOCH stands for --build-time.
run "${PACK[@]}" -o "$W/b.pkg" "$IMG"
assert_same_file "pack is deterministic" "$P" "$W/b.pkg"
run env SOURCE_DATE_EPOCH=1718000000 "$ETHDL" pack --vendor "Acme Controls" --model IO-4821 \
	--image-version 1.10.3 -t parameter --targets "$W/targets" -o "$W/c.pkg" "$IMG"
assert_same_file "SOURCE_DATE_EPOCH is the build time" "$P" "$W/c.pkg"

# Defaults: config, no targets, now; an empty image.
: >"$W/empty"
run "$ETHDL" pack --vendor V --model M --image-version 7 -o "$W/e.pkg" "$W/empty"
assert_rc "pack an empty image" 0 "$RC"
run "$ETHDL" inspect --json "$W/e.pkg"
assert_rc "inspect the empty image's package" 0 "$RC"
printf '%s\n' "$OUT" >"$W/j"
jload "$W/j"
assert_eq "default type" config "$(jget "$W/j" type)"
assert_eq "no targets" "" "$(jget "$W/j" targets)"
assert_eq "empty image" 0 "$(jget "$W/j" image_size)"
NOW=$(date +%s)
assert_between "default build time is now" $((NOW - 60)) $((NOW + 1)) "$(jget "$W/j" build_time)"
run "$ETHDL" inspect "$W/e.pkg"
assert_match "inspect: any board" "targets +any board" "$OUT"

# Replacing an existing package leaves no temporary file.
run "${PACK[@]}" -o "$W/e.pkg" "$IMG"
assert_same_file "pack replaces -o" "$P" "$W/e.pkg"
assert_eq "no temporary files left" "" "$(ls "$W" | grep -E '\.pkg\.' || true)"

# ---- refused packages: exit 13 and the reason ----
# refused WHAT REASON-REGEX FILE
refused() {
	run "$ETHDL" inspect "$3"
	if [ "$RC" -eq 13 ] && printf '%s' "$ERR" | grep -Eq -- "$2"; then
		pass "refused: $1"
	else
		fail "refused: $1: exit $RC, stderr: $(head -c 300 "$W/err")"
	fi
	run "$ETHDL" inspect --json "$3"
	if [ "$RC" -eq 13 ] && printf '%s' "$OUT" | grep -q '"result":"refused","exit":13,' &&
	   printf '%s' "$OUT" | grep -Eq -- "\"reason\":\"[^\"]*$2"; then
		pass "refused, json: $1"
	else
		fail "refused, json: $1: exit $RC, $(printf "%s" "$OUT" | head -c 300)"
	fi
}

for off in 0 300000 150000; do
	cp "$P" "$W/bad.pkg"
	flip "$W/bad.pkg" $((HL + off))
	refused "image byte $off changed" "SHA-256 mismatch" "$W/bad.pkg"
done
for off in 13 20 $((HL - 40)) $((HL - 1)); do
	cp "$P" "$W/bad.pkg"
	flip "$W/bad.pkg" "$off"
	refused "header byte $off changed" "header CRC" "$W/bad.pkg"
done
cp "$P" "$W/bad.pkg"
flip "$W/bad.pkg" 3
refused "magic changed" "bad magic" "$W/bad.pkg"
cp "$P" "$W/bad.pkg"
flip "$W/bad.pkg" 9
refused "format version changed" "format version" "$W/bad.pkg"
head -c $((HL + 300000)) "$P" >"$W/bad.pkg"
refused "image one byte short" "image length differs" "$W/bad.pkg"
{ cat "$P"; printf x; } >"$W/bad.pkg"
refused "one byte after the image" "image length differs" "$W/bad.pkg"
head -c $((HL - 1)) "$P" >"$W/bad.pkg"
refused "header cut short" "shorter than its header" "$W/bad.pkg"
head -c 5 "$P" >"$W/bad.pkg"
refused "five bytes" "shorter than its header" "$W/bad.pkg"
refused "an empty file" "shorter than its header" "$W/empty"
refused "the image, not a package" "bad magic" "$IMG"
run "$ETHDL" inspect "$W/e.pkg"
run "$ETHDL" inspect "$W/bad.pkg"
assert_match "a refused header shows no field" "header +refused" "$OUT"

# ---- signed and encrypted packages (docs/PACKAGE.md §5) ----
# Keys made by openssl; the signature is also checked by openssl itself.
openssl genpkey -algorithm ed25519 -out "$W/sign.pem" 2>/dev/null &&
	openssl pkey -in "$W/sign.pem" -pubout -out "$W/sign.pub" &&
	openssl genpkey -algorithm ed25519 -out "$W/other.pem" 2>/dev/null &&
	openssl pkey -in "$W/other.pem" -pubout -out "$W/other.pub" &&
	openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$W/ec.pem" \
		2>/dev/null &&
	openssl pkey -in "$W/ec.pem" -pubout -out "$W/ec.pub" || fail "openssl made no keys"
printf '0011 2233 4455 6677\n\t8899 AABB ccdd eeff\r\n' >"$W/aes.key"
printf 'ffeeddccbbaa99887766554433221100\n' >"$W/wrong.key"
KID=$(openssl pkey -pubin -in "$W/sign.pub" -outform DER | tail -c 32 | sha256sum | cut -c1-16)
TRUST=(--trust "$W/sign.pub" --decrypt-key "$W/aes.key")

# refused_with WHAT REASON-REGEX FILE OPTION...: inspect FILE OPTION... exits 13
refused_with() {
	local what=$1 why=$2 file=$3

	shift 3
	run "$ETHDL" inspect "$@" "$file"
	if [ "$RC" -eq 13 ] && printf '%s' "$ERR" | grep -Eq -- "$why"; then
		pass "refused: $what"
	else
		fail "refused: $what: exit $RC, stderr: $(head -c 300 "$W/err")"
	fi
}

SP=$W/s.pkg
run "${PACK[@]}" --sign "$W/sign.pem" --encrypt "$W/aes.key" -o "$SP" "$IMG"
assert_rc "pack --sign --encrypt" 0 "$RC"
assert_match "pack names the key id" "signed by key $KID, encrypted \(AES-128-GCM, " "$OUT"
assert_match "pack prints the plain image's digest" "sha256 $SHA, header" "$OUT"
run "$ETHDL" inspect "${TRUST[@]}" "$SP"
assert_rc "inspect --trust --decrypt-key" 0 "$RC"
assert_match "inspect: signer" "signed by +key $KID" "$OUT"
assert_match "inspect: valid, trusted" "signature +64 bytes, valid, trusted \(.*sign.pub\)" "$OUT"
assert_match "inspect: tag and plain digest" "decryption +tag valid, decrypted image SHA-256 matches" \
	"$OUT"
assert_match "inspect: the plain digest is the image's" "plain sha256 +$SHA" "$OUT"
run "$ETHDL" inspect --json "${TRUST[@]}" "$SP"
printf '%s\n' "$OUT" >"$W/js"
jload "$W/js"
assert_eq "json: signed" true "$(jget "$W/js" signed)"
assert_eq "json: encrypted" true "$(jget "$W/js" encrypted)"
assert_eq "json: key id" "$KID" "$(jget "$W/js" key_id)"
assert_eq "json: signature" valid "$(jget "$W/js" signature)"
assert_eq "json: decryption" valid "$(jget "$W/js" decryption)"
assert_eq "json: plain sha256" "$SHA" "$(jget "$W/js" plain_sha256)"
assert_eq "json: the image digest is the ciphertext's" \
	"$(tail -c +$(($(jget "$W/js" header_bytes) + 1)) "$SP" | sha256sum | cut -d' ' -f1)" \
	"$(jget "$W/js" sha256)"
SHL=$(jget "$W/js" header_bytes)

# openssl verifies the signature over the header's signed prefix.
SIG_AT=$((SHL - 7 - 64))
head -c $((SIG_AT - 3)) "$SP" >"$W/signed"
tail -c +$((SIG_AT + 1)) "$SP" | head -c 64 >"$W/sig"
run openssl pkeyutl -verify -pubin -inkey "$W/sign.pub" -rawin -in "$W/signed" -sigfile "$W/sig"
assert_rc "openssl verifies the signature" 0 "$RC"

# Without keys: shown, not checked, not refused; the image digest still checks.
run "$ETHDL" inspect "$SP"
assert_rc "inspect without keys" 0 "$RC"
assert_match "without --trust: not checked" "not checked \(no --trust\)" "$OUT"
assert_match "without --decrypt-key: not decrypted" "not decrypted" "$OUT"
assert_match "without keys: the ciphertext's digest checks" "SHA-256 matches" "$OUT"
run "$ETHDL" inspect --trust "$W/other.pub" --trust "$W/sign.pub" "$SP"
assert_rc "two trusted keys, the second signed (rollover)" 0 "$RC"
refused_with "untrusted key" "untrusted key" "$SP" --trust "$W/other.pub"
assert_match "untrusted key, in prose" "signature +64 bytes, untrusted key" "$OUT"
refused_with "wrong AES key" "tag mismatch" "$SP" --decrypt-key "$W/wrong.key"
run "${PACK[@]}" -o "$W/plain.pkg" "$IMG"
refused_with "unsigned package with --trust" "not signed" "$W/plain.pkg" --trust "$W/sign.pub"
run "$ETHDL" inspect "$W/plain.pkg"
assert_match "unsigned package: signature none" "signature +none" "$OUT"
assert_same_file "unsigned package: the same bytes as before signing existed" "$P" "$W/plain.pkg"

# tweak FILE OFFSET: change the lowest bit of one byte (a vendor letter stays a
# letter), then make the header CRC right again.
tweak() {
	python3 -c 'import sys, zlib, struct
f = open(sys.argv[1], "r+b"); b = bytearray(f.read())
b[int(sys.argv[2])] ^= 1
h = struct.unpack(">H", b[10:12])[0]
b[h - 4:h] = struct.pack(">I", zlib.crc32(bytes(b[:h - 4])))
f.seek(0); f.write(b)' "$1" "$2"
}
TAG_AT=$((SIG_AT - 3 - 8 - 3 - 16))
for c in "vendor byte:18:signature invalid" "sha256 byte:$((TAG_AT - 3 - 12 - 3 - 32 - 3 - 10)):signature invalid" \
	"nonce byte:$((TAG_AT - 3 - 5)):signature invalid" "tag byte:$((TAG_AT + 2)):signature invalid" \
	"key id byte:$((SIG_AT - 3 - 2)):untrusted key" "signature byte:$((SIG_AT + 10)):signature invalid" \
	"signature byte:$((SIG_AT + 63)):signature invalid"; do
	IFS=: read -r what at why <<<"$c"
	cp "$SP" "$W/bad.pkg"
	tweak "$W/bad.pkg" "$at"
	refused_with "$what $at changed, CRC made right" "$why" "$W/bad.pkg" "${TRUST[@]}"
done
for at in $((SHL + 0)) $((SHL + 150000)) $((SHL + 300000)); do
	cp "$SP" "$W/bad.pkg"
	flip "$W/bad.pkg" "$at"
	refused_with "ciphertext byte $at changed" "SHA-256 mismatch" "$W/bad.pkg" "${TRUST[@]}"
done
# Encrypted, not signed: the tag alone catches a changed header byte.
run "${PACK[@]}" --encrypt "$W/aes.key" -o "$W/enc.pkg" "$IMG"
assert_rc "pack --encrypt" 0 "$RC"
cp "$W/enc.pkg" "$W/bad.pkg"
tweak "$W/bad.pkg" 18
refused_with "encrypted, unsigned: vendor changed" "tag mismatch" "$W/bad.pkg" \
	--decrypt-key "$W/aes.key"
run "$ETHDL" inspect --decrypt-key "$W/aes.key" "$W/enc.pkg"
assert_rc "encrypted, unsigned: decrypts" 0 "$RC"
head -c $((SHL + 1000)) "$SP" >"$W/bad.pkg"
refused_with "signed, encrypted, truncated" "image length differs" "$W/bad.pkg" "${TRUST[@]}"
# Signed, not encrypted.
run "${PACK[@]}" --sign "$W/sign.pem" -o "$W/si.pkg" "$IMG"
assert_rc "pack --sign" 0 "$RC"
run "$ETHDL" inspect --trust "$W/sign.pub" "$W/si.pkg"
assert_rc "signed only: valid" 0 "$RC"
assert_match "signed only: not encrypted" "encryption +none" "$OUT"

# key_err WHAT CODE REGEX CMD...: exit CODE, stderr matching REGEX (the file named)
key_err() {
	local what=$1 code=$2 why=$3

	shift 3
	run "$@"
	if [ "$RC" -eq "$code" ] && printf '%s' "$ERR" | grep -Eq -- "$why"; then
		pass "key error: $what"
	else
		fail "key error: $what: exit $RC, stderr: $(head -c 300 "$W/err")"
	fi
}
printf '00112233445566778899aabbccddeef\n' >"$W/k31"
printf '00112233445566778899aabbccddeeff0\n' >"$W/k33"
printf '00112233445566778899aabbccddeefz\n' >"$W/kx"
: >"$W/k0"
key_err "KEYFILE of 31 digits" 2 "k31' holds fewer than 32" "${PACK[@]}" --encrypt "$W/k31" \
	-o "$W/x.pkg" "$IMG"
key_err "KEYFILE of 33 digits" 2 "k33' holds more than 32" "${PACK[@]}" --encrypt "$W/k33" \
	-o "$W/x.pkg" "$IMG"
key_err "KEYFILE not hex" 2 "kx' holds a character that is not a hex digit" "${PACK[@]}" \
	--encrypt "$W/kx" -o "$W/x.pkg" "$IMG"
key_err "KEYFILE empty" 2 "k0' is empty" "$ETHDL" inspect --decrypt-key "$W/k0" "$SP"
key_err "no such KEYFILE" 1 "cannot open .*nosuch" "$ETHDL" inspect --decrypt-key "$W/nosuch" "$SP"
key_err "--sign with a public key" 2 "sign.pub' is not a PEM private key" "${PACK[@]}" \
	--sign "$W/sign.pub" -o "$W/x.pkg" "$IMG"
key_err "--sign with an EC key" 2 "ec.pem' holds a EC key, not an Ed25519" "${PACK[@]}" \
	--sign "$W/ec.pem" -o "$W/x.pkg" "$IMG"
key_err "--sign, no such file" 1 "cannot open .*nosuch" "${PACK[@]}" --sign "$W/nosuch" \
	-o "$W/x.pkg" "$IMG"
key_err "--trust with a private key" 2 "sign.pem' is not a PEM public key" "$ETHDL" inspect \
	--trust "$W/sign.pem" "$SP"
key_err "--trust with an EC key" 2 "ec.pub' holds a EC key, not an Ed25519" "$ETHDL" inspect \
	--trust "$W/ec.pub" "$SP"
key_err "--trust with a KEYFILE" 2 "aes.key' is not a PEM public key" "$ETHDL" inspect \
	--trust "$W/aes.key" "$SP"
[ ! -e "$W/x.pkg" ] && pass "no package left by a key error" || fail "a key error left x.pkg"

# ---- usage errors (2) and local errors (1) ----
# usage WHAT ARGS...: exit 2 and "Try".
usage() {
	local what=$1

	shift
	run "$@"
	if [ "$RC" -eq 2 ] && printf '%s' "$ERR" | grep -q "Try 'ethdl"; then
		pass "usage: $what"
	else
		fail "usage: $what: exit $RC, stderr: $(head -c 300 "$W/err")"
	fi
}

B=(--vendor V --model M --image-version 1.2.3 -o "$W/u.pkg")
usage "no --vendor" "$ETHDL" pack --model M --image-version 1 -o "$W/u.pkg" "$IMG"
usage "no --model" "$ETHDL" pack --vendor V --image-version 1 -o "$W/u.pkg" "$IMG"
usage "no --image-version" "$ETHDL" pack --vendor V --model M -o "$W/u.pkg" "$IMG"
usage "no -o" "$ETHDL" pack --vendor V --model M --image-version 1 "$IMG"
usage "no IMAGE" "$ETHDL" pack "${B[@]}"
usage "two IMAGEs" "$ETHDL" pack "${B[@]}" "$IMG" "$IMG"
for v in "" 1. .1 1..2 +1 -1 01 1.2.3.4.5 65536 "1 " 1.2a 0x1; do
	usage "--image-version '$v'" "$ETHDL" pack --vendor V --model M --image-version "$v" \
		-o "$W/u.pkg" "$IMG"
done
usage "--type firmware" "$ETHDL" pack "${B[@]}" -t firmware "$IMG"
usage "--vendor empty" "$ETHDL" pack --vendor "" --model M --image-version 1 -o "$W/u.pkg" "$IMG"
usage "--vendor of 64" "$ETHDL" pack --vendor "$(printf 'v%.0s' $(seq 64))" --model M \
	--image-version 1 -o "$W/u.pkg" "$IMG"
usage "--model with a newline" "$ETHDL" pack --vendor V --model "$(printf 'a\nb')" \
	--image-version 1 -o "$W/u.pkg" "$IMG"
usage "--build-time -1" "$ETHDL" pack "${B[@]}" --build-time -1 "$IMG"
usage "--build-time 1.5" "$ETHDL" pack "${B[@]}" --build-time 1.5 "$IMG"
usage "unknown option" "$ETHDL" pack "${B[@]}" --frobnicate k "$IMG"
usage "inspect: no PKG" "$ETHDL" inspect
usage "inspect: two PKGs" "$ETHDL" inspect "$P" "$P"
usage "inspect: unknown option" "$ETHDL" inspect --frobnicate x "$P"

# A bad --targets file: exit 2, naming the line.
badtargets() {
	printf "$2" >"$W/t"
	run "$ETHDL" pack "${B[@]}" --targets "$W/t" "$IMG"
	if [ "$RC" -eq 2 ] && printf '%s' "$ERR" | grep -Eq -- "$3"; then
		pass "targets: $1"
	else
		fail "targets: $1: exit $RC, stderr: $(head -c 300 "$W/err")"
	fi
}
badtargets "a space inside" 'SN-1\nSN 2\n' "t:2: .SN 2. is not a serial"
badtargets "a duplicate" 'SN-1\nSN-2\nSN-1\n' "t:3: serial .SN-1. listed twice"
badtargets "64 characters" "$(printf 'x%.0s' $(seq 64))\n" "t:1: "
badtargets "a control character" 'SN\0011\n' "t:1: "
seq -f 'S%g' 257 >"$W/t"
run "$ETHDL" pack "${B[@]}" --targets "$W/t" "$IMG"
assert_rc "257 targets" 2 "$RC"
assert_match "257 targets: said" "more than 256" "$ERR"

# 256 targets fit the format, not one FILE_INFO at MTU 1500: a warning.
seq -f 'SERIAL-%06g' 256 >"$W/t"
run "$ETHDL" pack "${B[@]}" --targets "$W/t" "$IMG"
assert_rc "256 targets" 0 "$RC"
assert_match "256 targets: warned about FILE_INFO" "warning: .*FILE_INFO" "$ERR"
run "$ETHDL" inspect --json "$W/u.pkg"
assert_rc "256 targets: inspect" 0 "$RC"
printf '%s\n' "$OUT" >"$W/j"
jload "$W/j"
assert_eq "256 targets listed" 256 "$(jget "$W/j" targets | tr ',' '\n' | wc -l)"

local_err() {
	local what=$1

	shift
	run "$@"
	if [ "$RC" -eq 1 ] && ! printf '%s' "$ERR" | grep -q "Try '"; then
		pass "local error: $what"
	else
		fail "local error: $what: exit $RC, stderr: $(head -c 300 "$W/err")"
	fi
}
local_err "no such IMAGE" "$ETHDL" pack "${B[@]}" "$W/nosuch"
local_err "IMAGE is a directory" "$ETHDL" pack "${B[@]}" "$W"
local_err "no such --targets" "$ETHDL" pack "${B[@]}" --targets "$W/nosuch" "$IMG"
local_err "-o in a missing directory" "$ETHDL" pack --vendor V --model M --image-version 1 \
	-o "$W/no/such/x.pkg" "$IMG"
local_err "inspect: no such PKG" "$ETHDL" inspect "$W/nosuch"
local_err "inspect: a directory" "$ETHDL" inspect "$W"

for c in pack inspect; do
	run "$ETHDL" "$c" --help
	assert_rc "ethdl $c --help" 0 "$RC"
	assert_match "ethdl $c --help: its usage" "^Usage: ethdl $c" "$OUT"
done

it_summary
