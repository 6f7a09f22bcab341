-- SPDX-License-Identifier: MIT
--
-- ethdl.lua: a Wireshark / tshark dissector for the ethdl download protocol
-- (docs/PROTOCOL.md): raw Ethernet frames of EtherType 0x88B5 between an
-- engineering host and its boards.
--
--   tshark -X lua_script:contrib/wireshark/ethdl.lua -r captures/happy_windowed.pcap
--   cp contrib/wireshark/ethdl.lua ~/.local/lib/wireshark/plugins/    (Wireshark)
--
-- Every header field, every function code, notice, detail and TLV is decoded;
-- the frame CRC is checked (expert info "Bad frame CRC" with the computed and
-- the carried value); group data and parity frames and the counter and FMAC
-- of sealed frames are shown. Filter on the fields below, for example
--   ethdl.code == 0x89 && ethdl.notice == 3      ERROR FILE_CRC
--   ethdl.crc.status == 0                         frames whose CRC is wrong
--   ethdl.tlv.type == 54                          sealed frames
-- Another EtherType (the programs' --ethertype): Edit > Preferences >
-- Protocols > ETHDL, or tshark -o ethdl.ethertype:9001 (hex).
--
-- The name tables below are the ones of frame/frame.c and frame/proto.h,
-- spelled the same: tests/test_wireshark.sh fails when the C code knows a
-- name this file does not.

local ethdl = Proto("ethdl", "ethdl download protocol")

-- ---- names (frame/frame.c, frame/proto.h) ----

local code_names = {
	[0x01] = "CONNECT",
	[0x02] = "DOWNLOAD",
	[0x03] = "FILE_INFO",
	[0x04] = "FILE_DATA",
	[0x05] = "READBACK",
	[0x06] = "DISCONNECT",
	[0x81] = "CONNECT_ACK",
	[0x82] = "DOWNLOAD_ACK",
	[0x83] = "FILE_INFO_ACK",
	[0x84] = "DOWNLOAD_DONE",
	[0x85] = "READBACK_ACK",
	[0x86] = "READBACK_DATA",
	[0x87] = "READBACK_DONE",
	[0x88] = "DISCONNECT_ACK",
	[0x89] = "ERROR",
	[0x20] = "STATUS_QUERY",
	[0x21] = "HOST_STATUS",
	[0xA0] = "BOARD_STATUS",
	[0xA1] = "RB_STATUS_QUERY",
	[0x22] = "INFO",
	[0x23] = "ACTIVATE",
	[0x24] = "ROLLBACK",
	[0x25] = "ACT_QUERY",
	[0x26] = "LOG_QUERY",
	[0xA2] = "INFO_ACK",
	[0xA3] = "ACT_STATE",
	[0xA5] = "LOG_DATA",
	[0x27] = "DISCOVER",
	[0x28] = "GROUP_JOIN",
	[0x29] = "GROUP_DATA",
	[0x2A] = "GROUP_PARITY",
	[0x2B] = "GROUP_QUERY",
	[0x2C] = "GROUP_VERIFY",
	[0x2D] = "GROUP_LEAVE",
	[0xA6] = "DISCOVER_ACK",
	[0xA7] = "GROUP_JOIN_ACK",
	[0xA8] = "GROUP_STATUS",
	[0xA9] = "GROUP_DONE",
	[0xAA] = "GROUP_LEAVE_ACK",
	[0x2E] = "AUTH",
	[0xAB] = "AUTH_ACK",
	[0x2F] = "OVL_WANT",
	[0xAC] = "OVL_DATA",
	[0xAD] = "OVL_DONE",
}

local notice_names = {
	[0] = "NONE",
	[1] = "CONNECT_FAILED",
	[2] = "FRAME_CRC",
	[3] = "FILE_CRC",
	[4] = "TIMEOUT",
	[5] = "READBACK_MISMATCH",
	[6] = "WRONG_COMMAND",
}

local detail_ids = {
	[0] = "D_NONE",
	[1] = "D_UNEXPECTED_CODE",
	[2] = "D_SEQUENCE",
	[3] = "D_BAD_FIELD",
	[4] = "D_FRAME_CRC",
	[5] = "D_FILE_CRC",
	[6] = "D_SILENCE",
	[7] = "D_BUSY",
	[8] = "D_NO_FILE",
	[9] = "D_STORAGE",
	[10] = "D_TOO_BIG",
	[11] = "D_SIZE",
	[12] = "D_SUPERSEDED",
	[13] = "D_POLICY",
	[14] = "D_NOT_TARGET",
	[15] = "D_NOT_NEWER",
	[16] = "D_PKG",
	[17] = "D_NOTHING_STAGED",
	[18] = "D_NO_PREVIOUS",
	[19] = "D_TESTING",
	[20] = "D_ROUNDS",
	[21] = "D_LEFT",
	[22] = "D_SIGNATURE",
	[23] = "D_UNTRUSTED",
	[24] = "D_UNSIGNED",
	[25] = "D_TAG",
	[26] = "D_NO_KEY",
	[27] = "D_AUTH",
}

local detail_text = {
	[0] = "none",
	[1] = "unexpected function code",
	[2] = "sequence out of order",
	[3] = "bad or missing field",
	[4] = "frame CRC error",
	[5] = "file CRC error",
	[6] = "nothing heard for the timeout",
	[7] = "board busy with another host",
	[8] = "no such file on the board",
	[9] = "board storage failed",
	[10] = "file too big for the board",
	[11] = "sizes differ",
	[12] = "a newer session from this host took over",
	[13] = "package for another vendor or model",
	[14] = "board is not among the package's targets",
	[15] = "package version is not newer than the active one",
	[16] = "package malformed or its image does not match its digest",
	[17] = "nothing staged to activate",
	[18] = "no previous image to roll back to",
	[19] = "an activation is under test",
	[20] = "still missing blocks after the last repair round",
	[21] = "not in the group",
	[22] = "package signature does not check",
	[23] = "package signed by a key the board does not trust",
	[24] = "board takes only signed packages",
	[25] = "package fails its decryption tag",
	[26] = "package is encrypted and the board holds no key for it",
	[27] = "session not authenticated",
}

-- Capability bits (T_CAPS): value, C name, short name.
local cap_bits = {
	{0x00000001, "CAP_WINDOW", "window"},
	{0x00000002, "CAP_RESUME", "resume"},
	{0x00000004, "CAP_DEVICE", "device"},
	{0x00000008, "CAP_GROUP", "group"},
	{0x00000010, "CAP_AUTH", "auth"},
	{0x00000020, "CAP_OVERLAP", "overlap"},
}

local file_types = {
	[1] = "config",
	[2] = "algorithm",
	[3] = "parameter",
	[4] = "redundancy",
}

local role_names = {
	[1] = "active",
	[2] = "staged",
	[3] = "previous",
}

local act_mode_names = {
	[1] = "now",
	[2] = "at a time",
}

local act_state_names = {
	[0] = "nothing",
	[1] = "scheduled",
	[2] = "testing",
	[3] = "activated",
	[4] = "rolled back",
}

local event_names = {
	[1] = "board started",
	[2] = "download started",
	[3] = "verified",
	[4] = "failed",
	[5] = "refused",
	[6] = "staged",
	[7] = "activation scheduled",
	[8] = "activated",
	[9] = "health check passed",
	[10] = "health check failed",
	[11] = "rolled back",
}

local want_names = {
	[1] = "needs per generation",
	[2] = "bitmap of source blocks",
}

-- TLV types: C name, short name (ethdl replay's), how the value reads.
local tlv_defs = {
	[1] = {"T_CAPS", "caps", "caps"},
	[2] = {"T_WINDOW", "window", "u16"},
	[3] = {"T_BLOCK", "block", "u16"},
	[4] = {"T_VENDOR", "vendor", "str"},
	[5] = {"T_MODEL", "model", "str"},
	[6] = {"T_SERIAL", "serial", "str"},
	[7] = {"T_SLOT", "slot", "slot"},
	[8] = {"T_TYPE", "type", "u8"},
	[9] = {"T_SIZE", "size", "u64"},
	[10] = {"T_FRAMES", "frames", "u32"},
	[11] = {"T_CRC", "crc", "u32"},
	[12] = {"T_NAME", "name", "str"},
	[13] = {"T_NOTICE", "notice", "u8"},
	[14] = {"T_DETAIL", "detail", "u16"},
	[15] = {"T_EXPECTED", "expected", "u32"},
	[16] = {"T_GOT", "got", "u32"},
	[17] = {"T_TEXT", "text", "str"},
	[18] = {"T_CUM", "cum", "u32"},
	[19] = {"T_HIGH", "high", "u32"},
	[20] = {"T_BASE", "base", "u32"},
	[21] = {"T_BITMAP", "bitmap", "bitmap"},
	[22] = {"T_HAVE", "have", "u32"},
	[23] = {"T_RESUME", "resume", "u32"},
	[24] = {"T_OFFSET", "offset", "u64"},
	[25] = {"T_PKG_HDR", "pkg_hdr", "bytes"},
	[26] = {"T_IMAGE", "image", "image"},
	[27] = {"T_BOARD_TIME", "board_time", "time"},
	[28] = {"T_HOST_TIME", "host_time", "time"},
	[29] = {"T_ACT_MODE", "act_mode", "u8"},
	[30] = {"T_ACT_AT", "act_at", "time"},
	[31] = {"T_ACT_STATE", "act_state", "u8"},
	[32] = {"T_VERSION_FROM", "version_from", "version"},
	[33] = {"T_VERSION_TO", "version_to", "version"},
	[34] = {"T_HEALTH_MS", "health_ms", "u32"},
	[35] = {"T_SINCE", "since", "u64"},
	[36] = {"T_MAX", "max", "u16"},
	[37] = {"T_EVENT", "event", "event"},
	[38] = {"T_NEXT", "next", "u64"},
	[39] = {"T_ROLE", "role", "u8"},
	[40] = {"T_GROUP_MAC", "group_mac", "mac"},
	[41] = {"T_GEN", "gen", "u16"},
	[42] = {"T_DELAY_MS", "delay_ms", "u32"},
	[43] = {"T_HEARD", "heard", "macs"},
	[44] = {"T_NEEDS", "needs", "needs"},
	[45] = {"T_SHA256", "sha256", "bytes"},
	[46] = {"T_IDLE_MS", "idle_ms", "u32"},
	[47] = {"T_FIRST", "first", "u32"},
	[48] = {"T_WANT", "want", "u8"},
	[49] = {"T_GEN_NEXT", "gen_next", "u32"},
	[50] = {"T_NONCE", "nonce", "bytes"},
	[51] = {"T_HOST_NONCE", "host_nonce", "bytes"},
	[52] = {"T_AUTH", "auth", "bytes"},
	[53] = {"T_CTR", "ctr", "u32"},
	[54] = {"T_FMAC", "fmac", "bytes"},
	[60] = {"T_PASSES", "passes", "u64"},
	[61] = {"T_OVL_WANT", "ovl_want", "bytes"},
	[62] = {"T_REGIONS", "regions", "u32"},
	[63] = {"T_OVERRUN", "overrun", "u64"},
}

-- Fixed value lengths (0: any).
local tlv_fixed = {
	u8 = 1, u16 = 2, u32 = 4, u64 = 8, caps = 4, time = 8, mac = 6, version = 9,
}
local tlv_exact = {
	[45] = 32, [50] = 16, [51] = 16, [52] = 32, [54] = 16, [61] = 16,
}

-- Codes whose data is raw bytes rather than TLVs.
local RAW_DATA = {[0x04] = true, [0x86] = true, [0x29] = true}
local C_ERROR, C_GROUP_PARITY = 0x89, 0x2A
local T_NOTICE, T_DETAIL, T_CTR, T_FMAC = 13, 14, 53, 54

local tlv_type_vs = {}
for t, d in pairs(tlv_defs) do tlv_type_vs[t] = d[1] end
local detail_vs = {}
for d, id in pairs(detail_ids) do detail_vs[d] = id .. ": " .. detail_text[d] end
local crc_status_vs = {[0] = "Bad", [1] = "Good", [2] = "Unverified"}

-- ---- fields ----

local pf = {
	start = ProtoField.uint16("ethdl.start", "Start flag", base.HEX),
	version = ProtoField.uint8("ethdl.version", "Version", base.DEC),
	flags = ProtoField.uint8("ethdl.flags", "Flags", base.HEX),
	f_ackreq = ProtoField.bool("ethdl.flags.ackreq", "ACKREQ (asks for a block status report)", 8, nil, 0x01),
	f_group = ProtoField.bool("ethdl.flags.group", "GROUP (sent to a group address)", 8, nil, 0x02),
	f_retx = ProtoField.bool("ethdl.flags.retx", "RETX (a retransmission)", 8, nil, 0x04),
	f_reserved = ProtoField.uint8("ethdl.flags.reserved", "Reserved bits", base.HEX, nil, 0xF8),
	session = ProtoField.uint32("ethdl.session", "Session id", base.HEX),
	seq = ProtoField.uint32("ethdl.seq", "Sequence", base.DEC),
	code = ProtoField.uint8("ethdl.code", "Function code", base.HEX, code_names),
	from = ProtoField.string("ethdl.from", "From"),
	len = ProtoField.uint16("ethdl.len", "Data length", base.DEC),
	data = ProtoField.bytes("ethdl.data", "Data"),
	data_offset = ProtoField.uint64("ethdl.data.offset", "File offset of this block", base.DEC),
	ovl_pass = ProtoField.uint32("ethdl.ovl.pass", "Pass of the region (OVL_DATA)", base.DEC),
	crc = ProtoField.uint32("ethdl.crc", "CRC32", base.HEX),
	crc_computed = ProtoField.uint32("ethdl.crc.computed", "CRC32 computed", base.HEX),
	crc_status = ProtoField.uint8("ethdl.crc.status", "CRC32 status", base.DEC, crc_status_vs),
	endf = ProtoField.uint16("ethdl.end", "End flag", base.HEX),
	pad = ProtoField.bytes("ethdl.pad", "Pad"),

	tlv = ProtoField.bytes("ethdl.tlv", "TLV"),
	tlv_type = ProtoField.uint8("ethdl.tlv.type", "Type", base.DEC, tlv_type_vs),
	tlv_len = ProtoField.uint8("ethdl.tlv.len", "Length", base.DEC),
	tlv_value = ProtoField.bytes("ethdl.tlv.value", "Value"),

	caps = ProtoField.uint32("ethdl.caps", "Capabilities", base.HEX),
	window = ProtoField.uint16("ethdl.window", "Window (frames)", base.DEC),
	block = ProtoField.uint16("ethdl.block", "Block (bytes per data frame)", base.DEC),
	vendor = ProtoField.string("ethdl.vendor", "Vendor"),
	model = ProtoField.string("ethdl.model", "Model"),
	serial = ProtoField.string("ethdl.serial", "Serial"),
	slot = ProtoField.bytes("ethdl.slot", "Slot"),
	slot_type = ProtoField.uint8("ethdl.slot.type", "File type", base.DEC, file_types),
	slot_size = ProtoField.uint64("ethdl.slot.size", "Size", base.DEC),
	slot_crc = ProtoField.uint32("ethdl.slot.crc", "CRC32", base.HEX),
	ftype = ProtoField.uint8("ethdl.type", "File type", base.DEC, file_types),
	size = ProtoField.uint64("ethdl.size", "File size", base.DEC),
	frames = ProtoField.uint32("ethdl.frames", "Data frames", base.DEC),
	file_crc = ProtoField.uint32("ethdl.file_crc", "File CRC32", base.HEX),
	name = ProtoField.string("ethdl.name", "File name"),
	notice = ProtoField.uint8("ethdl.notice", "Notice", base.DEC, notice_names),
	detail = ProtoField.uint16("ethdl.detail", "Detail", base.DEC, detail_vs),
	expected = ProtoField.uint32("ethdl.expected", "Expected", base.HEX_DEC),
	got = ProtoField.uint32("ethdl.got", "Got", base.HEX_DEC),
	text = ProtoField.string("ethdl.text", "Text"),
	cum = ProtoField.uint32("ethdl.cum", "Cumulative (every sequence up to it received)", base.DEC),
	high = ProtoField.uint32("ethdl.high", "Highest sequence received", base.DEC),
	base = ProtoField.uint32("ethdl.base", "Bitmap base sequence", base.DEC),
	bitmap = ProtoField.bytes("ethdl.bitmap", "Bitmap"),
	bitmap_set = ProtoField.uint32("ethdl.bitmap.received", "Received in the bitmap", base.DEC),
	bitmap_missing = ProtoField.uint32("ethdl.bitmap.missing", "Missing sequence", base.DEC),
	have = ProtoField.uint32("ethdl.have", "Frames held", base.DEC),
	resume = ProtoField.uint32("ethdl.resume", "Frames already held (resume)", base.DEC),
	offset = ProtoField.uint64("ethdl.offset", "Byte offset", base.DEC),
	pkg_hdr = ProtoField.bytes("ethdl.pkg_hdr", "Package header piece"),
	image = ProtoField.bytes("ethdl.image", "Image"),
	img_type = ProtoField.uint8("ethdl.image.type", "File type", base.DEC, file_types),
	img_role = ProtoField.uint8("ethdl.image.role", "Role", base.DEC, role_names),
	img_flags = ProtoField.uint8("ethdl.image.flags", "Flags", base.HEX),
	img_fver = ProtoField.bool("ethdl.image.flags.version", "Version known", 8, nil, 0x01),
	img_fpkg = ProtoField.bool("ethdl.image.flags.package", "From an update package", 8, nil, 0x02),
	img_fres = ProtoField.uint8("ethdl.image.flags.reserved", "Reserved bits (zero)", base.HEX, nil, 0xFC),
	img_version = ProtoField.string("ethdl.image.version", "Version"),
	img_size = ProtoField.uint64("ethdl.image.size", "Size", base.DEC),
	img_sha = ProtoField.bytes("ethdl.image.sha256", "SHA-256"),
	img_at = ProtoField.uint64("ethdl.image.activate_at", "Activate at (µs, board clock)", base.DEC),
	board_time = ProtoField.uint64("ethdl.board_time", "Board time (µs since 1970)", base.DEC),
	host_time = ProtoField.uint64("ethdl.host_time", "Host time (µs since 1970)", base.DEC),
	act_mode = ProtoField.uint8("ethdl.act_mode", "Activation mode", base.DEC, act_mode_names),
	act_at = ProtoField.uint64("ethdl.act_at", "Activate at (µs since 1970)", base.DEC),
	act_state = ProtoField.uint8("ethdl.act_state", "Activation state", base.DEC, act_state_names),
	version_from = ProtoField.string("ethdl.version_from", "Version from"),
	version_to = ProtoField.string("ethdl.version_to", "Version to"),
	health_ms = ProtoField.uint32("ethdl.health_ms", "Health check (ms)", base.DEC),
	since = ProtoField.uint64("ethdl.since", "Events since", base.DEC),
	max = ProtoField.uint16("ethdl.max", "At most events", base.DEC),
	event = ProtoField.bytes("ethdl.event", "Event"),
	ev_seq = ProtoField.uint64("ethdl.event.seq", "Sequence", base.DEC),
	ev_time = ProtoField.uint64("ethdl.event.time", "Time (µs, board clock)", base.DEC),
	ev_event = ProtoField.uint8("ethdl.event.event", "Event", base.DEC, event_names),
	ev_type = ProtoField.uint8("ethdl.event.type", "File type", base.DEC, file_types),
	ev_notice = ProtoField.uint8("ethdl.event.notice", "Notice", base.DEC, notice_names),
	ev_zero = ProtoField.uint8("ethdl.event.reserved", "Reserved", base.DEC),
	ev_detail = ProtoField.uint16("ethdl.event.detail", "Detail", base.DEC, detail_vs),
	ev_host = ProtoField.ether("ethdl.event.host", "Host"),
	ev_from = ProtoField.string("ethdl.event.version_from", "Version from"),
	ev_to = ProtoField.string("ethdl.event.version_to", "Version to"),
	next = ProtoField.uint64("ethdl.next", "Next event sequence", base.DEC),
	role = ProtoField.uint8("ethdl.role", "Role", base.DEC, role_names),
	group_mac = ProtoField.ether("ethdl.group_mac", "Group address"),
	gen = ProtoField.uint16("ethdl.gen", "Source blocks per generation (K)", base.DEC),
	delay_ms = ProtoField.uint32("ethdl.delay_ms", "Answer within (ms)", base.DEC),
	heard = ProtoField.ether("ethdl.heard", "Heard"),
	needs = ProtoField.bytes("ethdl.needs", "Needs"),
	needs_gen = ProtoField.uint32("ethdl.needs.gen", "Generation", base.DEC),
	needs_count = ProtoField.uint16("ethdl.needs.symbols", "Symbols still needed", base.DEC),
	sha256 = ProtoField.bytes("ethdl.sha256", "SHA-256"),
	idle_ms = ProtoField.uint32("ethdl.idle_ms", "Idle limit (ms)", base.DEC),
	first = ProtoField.uint32("ethdl.first", "First", base.DEC),
	want = ProtoField.uint8("ethdl.want", "Want", base.DEC, want_names),
	gen_next = ProtoField.uint32("ethdl.gen_next", "Ask from next", base.DEC),
	nonce = ProtoField.bytes("ethdl.nonce", "Board nonce"),
	host_nonce = ProtoField.bytes("ethdl.host_nonce", "Host nonce"),
	auth = ProtoField.bytes("ethdl.auth", "Proof (HMAC-SHA256)"),
	ctr = ProtoField.uint32("ethdl.ctr", "Sealed-frame counter", base.DEC),
	passes = ProtoField.uint64("ethdl.passes", "Region read-backs, all regions (T_PASSES)", base.DEC),
	ovl_want = ProtoField.bytes("ethdl.ovl_want", "Region, pass, chunk mask (T_OVL_WANT)"),
	regions = ProtoField.uint32("ethdl.regions", "Regions of the file (T_REGIONS)", base.DEC),
	overrun = ProtoField.uint64("ethdl.overrun", "Frames the board dropped for lack of room (T_OVERRUN)", base.DEC),
	fmac = ProtoField.bytes("ethdl.fmac", "FMAC (truncated HMAC-SHA256)"),
	sealed = ProtoField.bool("ethdl.sealed", "Sealed (authenticated session)"),

	par_gen = ProtoField.uint32("ethdl.parity.gen", "Generation", base.DEC),
	par_index = ProtoField.uint8("ethdl.parity.index", "Parity index", base.DEC),
	par_zero = ProtoField.uint8("ethdl.parity.reserved", "Reserved", base.DEC),
	par_data = ProtoField.bytes("ethdl.parity.data", "Parity bytes"),
}
-- Per TLV type, the typed field its value is shown with.
local tlv_field = {
	[1] = pf.caps, [2] = pf.window, [3] = pf.block, [4] = pf.vendor, [5] = pf.model,
	[6] = pf.serial, [8] = pf.ftype, [9] = pf.size, [10] = pf.frames, [11] = pf.file_crc,
	[12] = pf.name, [13] = pf.notice, [14] = pf.detail, [15] = pf.expected, [16] = pf.got,
	[17] = pf.text, [18] = pf.cum, [19] = pf.high, [20] = pf.base, [21] = pf.bitmap,
	[22] = pf.have, [23] = pf.resume, [24] = pf.offset, [25] = pf.pkg_hdr,
	[27] = pf.board_time, [28] = pf.host_time, [29] = pf.act_mode, [30] = pf.act_at,
	[31] = pf.act_state, [32] = pf.version_from, [33] = pf.version_to, [34] = pf.health_ms,
	[35] = pf.since, [36] = pf.max, [38] = pf.next, [39] = pf.role, [40] = pf.group_mac,
	[41] = pf.gen, [42] = pf.delay_ms, [43] = pf.heard, [45] = pf.sha256, [46] = pf.idle_ms,
	[47] = pf.first, [48] = pf.want, [49] = pf.gen_next, [50] = pf.nonce,
	[51] = pf.host_nonce, [52] = pf.auth, [53] = pf.ctr, [54] = pf.fmac,
	[60] = pf.passes, [61] = pf.ovl_want, [62] = pf.regions, [63] = pf.overrun,
}
local cap_fields = {}
for i, c in ipairs(cap_bits) do
	cap_fields[i] = ProtoField.bool("ethdl.caps." .. c[3], c[2], 32, nil, c[1])
	pf["cap_" .. c[3]] = cap_fields[i]
end

local fields = {}
for _, f in pairs(pf) do fields[#fields + 1] = f end
ethdl.fields = fields

local ex = {
	crc_bad = ProtoExpert.new("ethdl.crc.bad", "Bad frame CRC", expert.group.CHECKSUM, expert.severity.ERROR),
	start_bad = ProtoExpert.new("ethdl.start.bad", "Bad start flag", expert.group.MALFORMED, expert.severity.ERROR),
	end_bad = ProtoExpert.new("ethdl.end.bad", "Bad end flag", expert.group.MALFORMED, expert.severity.ERROR),
	version_bad = ProtoExpert.new("ethdl.version.bad", "Unknown version", expert.group.MALFORMED, expert.severity.ERROR),
	len_bad = ProtoExpert.new("ethdl.len.bad", "Data length runs past the frame", expert.group.MALFORMED, expert.severity.ERROR),
	short = ProtoExpert.new("ethdl.short", "Frame too short", expert.group.MALFORMED, expert.severity.ERROR),
	code_unknown = ProtoExpert.new("ethdl.code.unknown", "Unknown function code", expert.group.PROTOCOL, expert.severity.WARN),
	tlv_bad = ProtoExpert.new("ethdl.tlv.bad", "TLV runs past the data", expert.group.MALFORMED, expert.severity.ERROR),
	tlv_len = ProtoExpert.new("ethdl.tlv.badlen", "TLV value of an unexpected length", expert.group.MALFORMED, expert.severity.WARN),
	tlv_unknown = ProtoExpert.new("ethdl.tlv.unknown", "Unknown TLV type (skipped by receivers)", expert.group.UNDECODED, expert.severity.NOTE),
	notice = ProtoExpert.new("ethdl.notice.raised", "Error notice", expert.group.RESPONSE_CODE, expert.severity.WARN),
	retx = ProtoExpert.new("ethdl.retx", "Retransmission", expert.group.SEQUENCE, expert.severity.NOTE),
}
local experts = {}
for _, e in pairs(ex) do experts[#experts + 1] = e end
ethdl.experts = experts

ethdl.prefs.ethertype = Pref.string("EtherType (hex)", "88b5",
	"EtherType of ethdl frames besides 0x88B5, in hex as ethdl --ethertype takes it; 0x88B5 is always decoded")

-- ---- CRC32, IEEE 802.3, reflected 0xEDB88320 (frame/crc32.c) ----

local band, bxor, rshift, bnot = bit32.band, bit32.bxor, bit32.rshift, bit32.bnot
local crc_table = {}
for i = 0, 255 do
	local c = i
	for _ = 1, 8 do
		if band(c, 1) ~= 0 then
			c = bxor(rshift(c, 1), 0xEDB88320)
		else
			c = rshift(c, 1)
		end
	end
	crc_table[i] = c
end

local function crc32(s)
	local c = 0xFFFFFFFF
	local byte = string.byte
	for i = 1, #s do
		c = bxor(crc_table[band(bxor(c, byte(s, i)), 0xFF)], rshift(c, 8))
	end
	return bnot(c)
end

-- ---- value helpers ----

local function version_str(r)
	local n = r(0, 1):uint()
	if n == 0 or n > 4 then
		return n == 0 and "unknown" or string.format("bad (count %d)", n)
	end
	local parts = {}
	for i = 1, n do parts[i] = tostring(r(1 + 2 * (i - 1), 2):uint()) end
	return table.concat(parts, ".")
end

local function time_str(r)
	local us = r:uint64()
	if us == UInt64(0) then return "none" end
	local secs = (us / UInt64(1000000)):tonumber()
	local frac = (us % UInt64(1000000)):tonumber()
	return os.date("!%Y-%m-%d %H:%M:%S", secs) .. string.format(".%06d UTC", frac)
end

local function hexstr(r)
	return tostring(r:bytes()):lower()
end

local function caps_str(v)
	local names = {}
	for _, c in ipairs(cap_bits) do
		if band(v, c[1]) ~= 0 then names[#names + 1] = c[3] end
	end
	return #names > 0 and table.concat(names, ", ") or "none"
end

-- ---- TLV values ----

-- Decode one TLV's value (range r, its type t) under tree ti; returns a short
-- text for the TLV line.
local function tlv_value(t, r, ti, pinfo, st)
	local def = tlv_defs[t]
	local len = r:len()
	if not def then
		ti:add(pf.tlv_value, r)
		ti:add_proto_expert_info(ex.tlv_unknown)
		return hexstr(r)
	end
	local kind = def[3]
	local want = tlv_exact[t] or tlv_fixed[kind]
	if want and len ~= want then
		ti:add(pf.tlv_value, r)
		ti:add_proto_expert_info(ex.tlv_len, string.format("%s: %d bytes, %d expected", def[1], len, want))
		return hexstr(r)
	end
	if kind == "u8" or kind == "u16" or kind == "u32" then
		local v = r:uint()
		local it = ti:add(tlv_field[t], r)
		if t == T_NOTICE then
			st.notice = v
			return (notice_names[v] or "?")
		elseif t == T_DETAIL then
			st.detail = v
			return tostring(v) .. " " .. (detail_ids[v] or "?")
		elseif t == T_CTR then
			st.ctr = v
		elseif t == 3 then
			st.block = v
		elseif t == 8 then
			return file_types[v] or tostring(v)
		elseif t == 29 then
			return act_mode_names[v] or tostring(v)
		elseif t == 31 then
			return act_state_names[v] or tostring(v)
		elseif t == 39 then
			return role_names[v] or tostring(v)
		elseif t == 48 then
			return want_names[v] or tostring(v)
		elseif t == 11 then
			return string.format("0x%08x", v)
		end
		return tostring(v)
	elseif kind == "u64" then
		ti:add(tlv_field[t], r)
		return tostring(r:uint64())
	elseif kind == "time" then
		ti:add(tlv_field[t], r):append_text(" (" .. time_str(r) .. ")")
		return time_str(r)
	elseif kind == "caps" then
		local v = r:uint()
		local ct = ti:add(pf.caps, r)
		for _, f in ipairs(cap_fields) do ct:add(f, r) end
		ct:append_text(" (" .. caps_str(v) .. ")")
		return caps_str(v)
	elseif kind == "str" then
		local s = r:string()
		ti:add(tlv_field[t], r)
		return '"' .. s .. '"'
	elseif kind == "mac" then
		ti:add(tlv_field[t], r)
		return tostring(r:ether())
	elseif kind == "version" then
		local s = version_str(r)
		ti:add(tlv_field[t], r, s)
		return s
	elseif kind == "macs" then
		if len % 6 ~= 0 then
			ti:add_proto_expert_info(ex.tlv_len, def[1] .. ": not a multiple of 6 bytes")
		end
		for o = 0, len - 6, 6 do ti:add(pf.heard, r(o, 6)) end
		return string.format("%d boards", math.floor(len / 6))
	elseif kind == "needs" then
		if len % 6 ~= 0 then
			ti:add_proto_expert_info(ex.tlv_len, def[1] .. ": not a multiple of 6 bytes")
		end
		local parts = {}
		for o = 0, len - 6, 6 do
			local e = ti:add(pf.needs, r(o, 6))
			e:add(pf.needs_gen, r(o, 4))
			e:add(pf.needs_count, r(o + 4, 2))
			e:set_text(string.format("Generation %d needs %d", r(o, 4):uint(), r(o + 4, 2):uint()))
			parts[#parts + 1] = string.format("%d:%d", r(o, 4):uint(), r(o + 4, 2):uint())
		end
		return table.concat(parts, " ")
	elseif kind == "slot" then
		if len % 13 ~= 0 then
			ti:add_proto_expert_info(ex.tlv_len, def[1] .. ": not a multiple of 13 bytes")
		end
		local parts = {}
		for o = 0, len - 13, 13 do
			local e = ti:add(pf.slot, r(o, 13))
			e:add(pf.slot_type, r(o, 1))
			e:add(pf.slot_size, r(o + 1, 8))
			e:add(pf.slot_crc, r(o + 9, 4))
			local s = string.format("%s %s bytes crc 0x%08x", file_types[r(o, 1):uint()] or "?",
				tostring(r(o + 1, 8):uint64()), r(o + 9, 4):uint())
			e:set_text("Slot: " .. s)
			parts[#parts + 1] = s
		end
		return table.concat(parts, "; ")
	elseif kind == "image" then
		if len % 60 ~= 0 then
			ti:add_proto_expert_info(ex.tlv_len, def[1] .. ": not a multiple of 60 bytes")
		end
		local parts = {}
		for o = 0, len - 60, 60 do
			local e = ti:add(pf.image, r(o, 60))
			e:add(pf.img_type, r(o, 1))
			e:add(pf.img_role, r(o + 1, 1))
			local ft = e:add(pf.img_flags, r(o + 2, 1))
			ft:add(pf.img_fver, r(o + 2, 1))
			ft:add(pf.img_fpkg, r(o + 2, 1))
			ft:add(pf.img_fres, r(o + 2, 1))
			local v = version_str(r(o + 3, 9))
			e:add(pf.img_version, r(o + 3, 9), v)
			e:add(pf.img_size, r(o + 12, 8))
			e:add(pf.img_sha, r(o + 20, 32))
			e:add(pf.img_at, r(o + 52, 8)):append_text(" (" .. time_str(r(o + 52, 8)) .. ")")
			local s = string.format("%s %s %s, %s bytes", file_types[r(o, 1):uint()] or "?",
				role_names[r(o + 1, 1):uint()] or "?", v, tostring(r(o + 12, 8):uint64()))
			e:set_text("Image: " .. s)
			parts[#parts + 1] = s
		end
		return table.concat(parts, "; ")
	elseif kind == "event" then
		if len % 46 ~= 0 then
			ti:add_proto_expert_info(ex.tlv_len, def[1] .. ": not a multiple of 46 bytes")
		end
		local parts = {}
		for o = 0, len - 46, 46 do
			local e = ti:add(pf.event, r(o, 46))
			e:add(pf.ev_seq, r(o, 8))
			e:add(pf.ev_time, r(o + 8, 8)):append_text(" (" .. time_str(r(o + 8, 8)) .. ")")
			e:add(pf.ev_event, r(o + 16, 1))
			e:add(pf.ev_type, r(o + 17, 1))
			e:add(pf.ev_notice, r(o + 18, 1))
			e:add(pf.ev_zero, r(o + 19, 1))
			e:add(pf.ev_detail, r(o + 20, 2))
			e:add(pf.ev_host, r(o + 22, 6))
			e:add(pf.ev_from, r(o + 28, 9), version_str(r(o + 28, 9)))
			e:add(pf.ev_to, r(o + 37, 9), version_str(r(o + 37, 9)))
			local s = string.format("#%s %s", tostring(r(o, 8):uint64()),
				event_names[r(o + 16, 1):uint()] or "?")
			e:set_text("Event " .. s)
			parts[#parts + 1] = s
		end
		return table.concat(parts, "; ")
	elseif kind == "bitmap" then
		local bt = ti:add(pf.bitmap, r)
		local set, missing = 0, {}
		local b0 = st.base
		for i = 0, len - 1 do
			local b = r(i, 1):uint()
			for k = 0, 7 do
				if band(b, bit32.lshift(1, k)) ~= 0 then
					set = set + 1
				elseif b0 and #missing < 64 then
					missing[#missing + 1] = b0 + 8 * i + k
				end
			end
		end
		bt:add(pf.bitmap_set, r, set)
		-- Bits past the highest sequence are 0 too: name the missing ones
		-- only up to T_HIGH when it came before.
		local shown = 0
		for _, m in ipairs(missing) do
			if not st.high or m <= st.high then
				bt:add(pf.bitmap_missing, r, m):set_generated()
				shown = shown + 1
			end
		end
		return string.format("%d bits, %d set", len * 8, set)
	else -- bytes
		ti:add(tlv_field[t], r)
		return len > 16 and (hexstr(r(0, 16)) .. "…") or hexstr(r)
	end
end

-- The TLV list of a control frame; returns a table of what the Info column
-- and the caller need (notice, detail, ctr, sealed).
local function dissect_tlvs(r, tree, pinfo)
	local st = {}
	local n = r:len()
	local off = 0
	local list = {}
	while off < n do
		if n - off < 2 or n - off - 2 < r(off + 1, 1):uint() then
			local bad = tree:add(pf.tlv, r(off))
			bad:add_proto_expert_info(ex.tlv_bad, string.format(
				"TLV at data offset %d runs past the data (%d bytes left)", off, n - off))
			st.malformed = true
			break
		end
		local t = r(off, 1):uint()
		local l = r(off + 1, 1):uint()
		local ti = tree:add(pf.tlv, r(off, 2 + l))
		ti:add(pf.tlv_type, r(off, 1))
		ti:add(pf.tlv_len, r(off + 1, 1))
		if t == 20 and l == 4 then st.base = r(off + 2, 4):uint() end
		if t == 19 and l == 4 then st.high = r(off + 2, 4):uint() end
		local text = ""
		if l > 0 then
			text = tlv_value(t, r(off + 2, l), ti, pinfo, st)
		end
		local def = tlv_defs[t]
		ti:set_text(string.format("%s (%d), %d bytes: %s", def and def[1] or "unknown", t, l, text))
		list[#list + 1] = {t = t, l = l, off = off}
		off = off + 2 + l
	end
	-- Sealed: ... | T_CTR (4) | T_FMAC (16), the last two (PROTOCOL.md §9).
	local k = #list
	if not st.malformed and k >= 2 and list[k].t == T_FMAC and list[k].l == 16 and
		list[k - 1].t == T_CTR and list[k - 1].l == 4 then
		st.sealed = true
		local s = tree:add(pf.sealed, r(list[k - 1].off, 22), true)
		s:append_text(string.format(": counter %d, FMAC %s (HMAC under the session key, not checked here)",
			st.ctr or 0, hexstr(r(list[k].off + 2, 16))))
		s:set_generated()
	end
	return st
end

-- ---- the frame ----

-- The block size of each session's download and read-back, learnt on the
-- first pass from FILE_INFO, GROUP_JOIN and READBACK_ACK (T_BLOCK), so that
-- a data frame shows its offset in the file: (sequence - 1) x block.
local blocks = {}
function ethdl.init()
	blocks = {}
end
local BLOCK_FROM = {[0x03] = "dl", [0x28] = "dl", [0x85] = "rb"}
local BLOCK_FOR = {[0x04] = "dl", [0x29] = "dl", [0x86] = "rb"}

local function register(et)
	DissectorTable.get("ethertype"):add(et, ethdl)
end
local extra_et = nil

function ethdl.prefs_changed()
	local et = tonumber((ethdl.prefs.ethertype or ""):gsub("^0[xX]", ""), 16)
	if extra_et and extra_et ~= 0x88B5 then
		DissectorTable.get("ethertype"):remove(extra_et, ethdl)
	end
	extra_et = nil
	if et and et ~= 0x88B5 and et >= 0x600 and et <= 0xFFFF then
		register(et)
		extra_et = et
	end
end

function ethdl.dissector(tvb, pinfo, tree)
	local total = tvb:len()
	pinfo.cols.protocol = "ETHDL"
	local root = tree:add(ethdl, tvb())
	-- start flag .. length (15), CRC and end flag (6)
	if total < 21 then
		root:add_proto_expert_info(ex.short, string.format("%d bytes after the Ethernet header, 21 at least", total))
		pinfo.cols.info:set("ethdl frame too short")
		return total
	end
	local start = tvb(0, 2):uint()
	local st_item = root:add(pf.start, tvb(0, 2))
	if start ~= 0xEB90 then st_item:add_proto_expert_info(ex.start_bad) end
	local ver = tvb(2, 1):uint()
	local v_item = root:add(pf.version, tvb(2, 1))
	if ver ~= 1 then v_item:add_proto_expert_info(ex.version_bad) end
	local flags = tvb(3, 1):uint()
	local ft = root:add(pf.flags, tvb(3, 1))
	ft:add(pf.f_ackreq, tvb(3, 1))
	ft:add(pf.f_group, tvb(3, 1))
	ft:add(pf.f_retx, tvb(3, 1))
	ft:add(pf.f_reserved, tvb(3, 1))
	root:add(pf.session, tvb(4, 4))
	local seq = tvb(8, 4):uint()
	root:add(pf.seq, tvb(8, 4))
	local code = tvb(12, 1):uint()
	local name = code_names[code]
	local c_item = root:add(pf.code, tvb(12, 1))
	if not name then
		c_item:add_proto_expert_info(ex.code_unknown, string.format("Unknown function code 0x%02x", code))
	end
	root:add(pf.from, tvb(12, 1), band(code, 0x80) ~= 0 and "board" or "host"):set_generated()
	local n = tvb(13, 2):uint()
	local l_item = root:add(pf.len, tvb(13, 2))
	local info = string.format("%s seq=%d", name or string.format("code 0x%02x", code), seq)
	if n > total - 21 or n > 65500 then
		l_item:add_proto_expert_info(ex.len_bad, string.format("data length %d, %d bytes in the frame", n, total - 21))
		pinfo.cols.info:set(info .. " [bad length]")
		return total
	end
	root:append_text(string.format(", %s, seq %d, %d data bytes", name or string.format("code 0x%02x", code), seq, n))

	local st = {}
	if n > 0 then
		local d = tvb(15, n)
		if RAW_DATA[code] then
			root:add(pf.data, d):append_text(string.format(" (block %d)", seq))
			local b = blocks[tvb(4, 4):uint()]
			b = b and b[BLOCK_FOR[code]]
			if b and seq > 0 then
				root:add(pf.data_offset, d, UInt64.new((seq - 1) * b)):set_generated()
			end
			info = info .. string.format(" len=%d", n)
		elseif code == 0xAC then
			-- OVL_DATA: pass u32, then a chunk of block - 4 bytes (PROTOCOL.md §10)
			local ot = root:add(pf.data, d)
			if n >= 4 then
				ot:add(pf.ovl_pass, tvb(15, 4))
				local b = blocks[tvb(4, 4):uint()]
				b = b and b.dl
				if b and b > 4 and seq > 0 then
					root:add(pf.data_offset, d, UInt64.new((seq - 1) * (b - 4))):set_generated()
				end
				info = info .. string.format(" pass=%d len=%d", tvb(15, 4):uint(), n - 4)
			else
				ot:add_proto_expert_info(ex.tlv_len, "OVL_DATA: shorter than its 4-byte pass")
			end
		elseif code == C_GROUP_PARITY then
			local pt = root:add(pf.data, d)
			if n >= 6 then
				pt:add(pf.par_gen, tvb(15, 4))
				pt:add(pf.par_index, tvb(19, 1))
				pt:add(pf.par_zero, tvb(20, 1))
				if n > 6 then pt:add(pf.par_data, tvb(21, n - 6)) end
				info = info .. string.format(" gen=%d index=%d", tvb(15, 4):uint(), tvb(19, 1):uint())
			else
				pt:add_proto_expert_info(ex.tlv_len, "GROUP_PARITY: shorter than its 6-byte header")
			end
		else
			local dt = root:add(pf.data, d)
			dt:set_text(string.format("TLVs (%d bytes)", n))
			st = dissect_tlvs(d, dt, pinfo)
		end
	end

	if st.block and BLOCK_FROM[code] and not pinfo.visited then
		local sess = tvb(4, 4):uint()
		blocks[sess] = blocks[sess] or {}
		blocks[sess][BLOCK_FROM[code]] = st.block
	end

	-- CRC over start flag .. data, big endian after the data.
	local carried = tvb(15 + n, 4):uint()
	local computed = crc32(tvb:raw(0, 15 + n))
	local ci = root:add(pf.crc, tvb(15 + n, 4))
	if carried == computed then
		ci:append_text(" [correct]")
		root:add(pf.crc_status, tvb(15 + n, 4), 1):set_generated()
	else
		ci:append_text(string.format(" [incorrect, should be 0x%08x]", computed))
		ci:add_proto_expert_info(ex.crc_bad, string.format(
			"Bad frame CRC: carried 0x%08x, computed 0x%08x", carried, computed))
		root:add(pf.crc_status, tvb(15 + n, 4), 0):set_generated()
	end
	root:add(pf.crc_computed, tvb(15 + n, 4), computed):set_generated()
	local e_item = root:add(pf.endf, tvb(19 + n, 2))
	if tvb(19 + n, 2):uint() ~= 0x90EB then e_item:add_proto_expert_info(ex.end_bad) end
	if total > 21 + n then root:add(pf.pad, tvb(21 + n)) end

	if band(flags, 0x04) ~= 0 then
		ft:add_proto_expert_info(ex.retx)
	end
	if code == C_ERROR then
		local no = st.notice or 0
		info = string.format("ERROR %s (detail %d)", notice_names[no] or tostring(no), st.detail or 0)
		root:add_proto_expert_info(ex.notice, string.format("ERROR %s, detail %d: %s",
			notice_names[no] or "?", st.detail or 0, detail_text[st.detail or 0] or "?"))
	end
	if st.sealed then info = info .. string.format(" [sealed ctr=%d]", st.ctr or 0) end
	if band(flags, 0x04) ~= 0 then info = info .. " [RETX]" end
	if carried ~= computed then info = info .. " [BAD CRC]" end
	pinfo.cols.info:set(info)
	return total
end

register(0x88B5)
