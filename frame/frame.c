/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "frame.h"

int frame_code_known(int code)
{
	switch (code) {
	case FC_CONNECT:
	case FC_DOWNLOAD:
	case FC_FILE_INFO:
	case FC_FILE_DATA:
	case FC_READBACK:
	case FC_DISCONNECT:
	case FC_CONNECT_ACK:
	case FC_DOWNLOAD_ACK:
	case FC_FILE_INFO_ACK:
	case FC_DOWNLOAD_DONE:
	case FC_READBACK_ACK:
	case FC_READBACK_DATA:
	case FC_READBACK_DONE:
	case FC_DISCONNECT_ACK:
	case FC_ERROR:
	case FC_STATUS_QUERY:
	case FC_HOST_STATUS:
	case FC_BOARD_STATUS:
	case FC_RB_STATUS_QUERY:
	case FC_INFO:
	case FC_ACTIVATE:
	case FC_ROLLBACK:
	case FC_ACT_QUERY:
	case FC_LOG_QUERY:
	case FC_INFO_ACK:
	case FC_ACT_STATE:
	case FC_LOG_DATA:
	case FC_DISCOVER:
	case FC_GROUP_JOIN:
	case FC_GROUP_DATA:
	case FC_GROUP_PARITY:
	case FC_GROUP_QUERY:
	case FC_GROUP_VERIFY:
	case FC_GROUP_LEAVE:
	case FC_DISCOVER_ACK:
	case FC_GROUP_JOIN_ACK:
	case FC_GROUP_STATUS:
	case FC_GROUP_DONE:
	case FC_GROUP_LEAVE_ACK:
	case FC_AUTH:
	case FC_AUTH_ACK:
	case FC_OVL_WANT:
	case FC_OVL_DATA:
	case FC_OVL_DONE: return 1;
	default: return 0;
	}
}

int frame_code_from_board(int code)
{
	return (code & 0x80) != 0;
}

const char *frame_code_name(int code)
{
	switch (code) {
	case FC_CONNECT: return "CONNECT";
	case FC_DOWNLOAD: return "DOWNLOAD";
	case FC_FILE_INFO: return "FILE_INFO";
	case FC_FILE_DATA: return "FILE_DATA";
	case FC_READBACK: return "READBACK";
	case FC_DISCONNECT: return "DISCONNECT";
	case FC_CONNECT_ACK: return "CONNECT_ACK";
	case FC_DOWNLOAD_ACK: return "DOWNLOAD_ACK";
	case FC_FILE_INFO_ACK: return "FILE_INFO_ACK";
	case FC_DOWNLOAD_DONE: return "DOWNLOAD_DONE";
	case FC_READBACK_ACK: return "READBACK_ACK";
	case FC_READBACK_DATA: return "READBACK_DATA";
	case FC_READBACK_DONE: return "READBACK_DONE";
	case FC_DISCONNECT_ACK: return "DISCONNECT_ACK";
	case FC_ERROR: return "ERROR";
	case FC_STATUS_QUERY: return "STATUS_QUERY";
	case FC_HOST_STATUS: return "HOST_STATUS";
	case FC_BOARD_STATUS: return "BOARD_STATUS";
	case FC_RB_STATUS_QUERY: return "RB_STATUS_QUERY";
	case FC_INFO: return "INFO";
	case FC_ACTIVATE: return "ACTIVATE";
	case FC_ROLLBACK: return "ROLLBACK";
	case FC_ACT_QUERY: return "ACT_QUERY";
	case FC_LOG_QUERY: return "LOG_QUERY";
	case FC_INFO_ACK: return "INFO_ACK";
	case FC_ACT_STATE: return "ACT_STATE";
	case FC_LOG_DATA: return "LOG_DATA";
	case FC_DISCOVER: return "DISCOVER";
	case FC_GROUP_JOIN: return "GROUP_JOIN";
	case FC_GROUP_DATA: return "GROUP_DATA";
	case FC_GROUP_PARITY: return "GROUP_PARITY";
	case FC_GROUP_QUERY: return "GROUP_QUERY";
	case FC_GROUP_VERIFY: return "GROUP_VERIFY";
	case FC_GROUP_LEAVE: return "GROUP_LEAVE";
	case FC_DISCOVER_ACK: return "DISCOVER_ACK";
	case FC_GROUP_JOIN_ACK: return "GROUP_JOIN_ACK";
	case FC_GROUP_STATUS: return "GROUP_STATUS";
	case FC_GROUP_DONE: return "GROUP_DONE";
	case FC_GROUP_LEAVE_ACK: return "GROUP_LEAVE_ACK";
	case FC_AUTH: return "AUTH";
	case FC_AUTH_ACK: return "AUTH_ACK";
	case FC_OVL_WANT: return "OVL_WANT";
	case FC_OVL_DATA: return "OVL_DATA";
	case FC_OVL_DONE: return "OVL_DONE";
	default: return "?";
	}
}

const char *frame_notice_name(int notice)
{
	static const char *const names[NOTICE_COUNT] = {
		"NONE",	   "CONNECT_FAILED",	"FRAME_CRC",	 "FILE_CRC",
		"TIMEOUT", "READBACK_MISMATCH", "WRONG_COMMAND",
	};
	return notice >= 0 && notice < NOTICE_COUNT ? names[notice] : "?";
}

const char *frame_strerror(int err)
{
	static const char *const msgs[FRAME_ERR_COUNT] = {
		"ok",
		"frame too short",
		"wrong EtherType",
		"bad start flag",
		"unknown version",
		"data length past the end of the frame",
		"CRC mismatch",
		"bad end flag",
		"unknown function code",
		"buffer too small",
		"data too long",
	};
	if (err <= -FRAME_ERR_COUNT || err >= FRAME_ERR_COUNT)
		return "?"; /* also keeps -INT_MIN from being computed */
	return msgs[err < 0 ? -err : err];
}

static void put_header(uint8_t *buf, const struct frame *f, uint16_t ethertype)
{
	memcpy(buf, f->dst, 6);
	memcpy(buf + 6, f->src, 6);
	put_be16(buf + 12, ethertype);
	buf[14] = FRAME_START0;
	buf[15] = FRAME_START1;
	buf[16] = f->version ? f->version : FRAME_VERSION;
	buf[17] = f->flags;
	put_be32(buf + 18, f->session);
	put_be32(buf + 22, f->seq);
	buf[26] = f->code;
	put_be16(buf + 27, f->len);
}

int frame_seal(uint8_t *buf, size_t cap, const struct frame *f, uint16_t ethertype)
{
	size_t end, total;

	if (f->len > FRAME_MAX_DATA)
		return -FRAME_E_TOOLONG;
	end = FRAME_HDR_LEN + f->len + FRAME_TRL_LEN;
	total = end < FRAME_MIN_LEN ? FRAME_MIN_LEN : end;
	if (cap < total)
		return -FRAME_E_NOSPACE;
	put_header(buf, f, ethertype);
	put_be32(buf + FRAME_HDR_LEN + f->len,
		 frame_crc32(0, buf + FRAME_ETH_LEN, FRAME_HDR_LEN - FRAME_ETH_LEN + f->len));
	buf[end - 2] = FRAME_END0;
	buf[end - 1] = FRAME_END1;
	if (total > end)
		memset(buf + end, 0, total - end);
	return (int)total;
}

int frame_encode(uint8_t *buf, size_t cap, const struct frame *f, uint16_t ethertype)
{
	if (f->len > FRAME_MAX_DATA)
		return -FRAME_E_TOOLONG;
	if (cap < FRAME_HDR_LEN + f->len + FRAME_TRL_LEN)
		return -FRAME_E_NOSPACE;
	if (f->len)
		memmove(buf + FRAME_HDR_LEN, f->data, f->len);
	return frame_seal(buf, cap, f, ethertype);
}

int frame_decode(struct frame *f, const uint8_t *buf, size_t len, uint16_t ethertype)
{
	size_t end;
	uint32_t crc;

	if (len < FRAME_HDR_LEN + FRAME_TRL_LEN)
		return -FRAME_E_SHORT;
	if (get_be16(buf + 12) != ethertype)
		return -FRAME_E_ETHERTYPE;
	if (buf[14] != FRAME_START0 || buf[15] != FRAME_START1)
		return -FRAME_E_START;
	if (buf[16] != FRAME_VERSION)
		return -FRAME_E_VERSION;
	memcpy(f->dst, buf, 6);
	memcpy(f->src, buf + 6, 6);
	f->version = buf[16];
	f->flags = buf[17];
	f->session = get_be32(buf + 18);
	f->seq = get_be32(buf + 22);
	f->code = buf[26];
	f->len = get_be16(buf + 27);
	f->data = buf + FRAME_HDR_LEN;
	/* len - HDR - TRL cannot underflow: checked above. Above
	 * FRAME_MAX_DATA the frame would not fit FRAME_BUF_MAX. */
	if (f->len > FRAME_MAX_DATA || f->len > len - FRAME_HDR_LEN - FRAME_TRL_LEN)
		return -FRAME_E_LENGTH;
	end = FRAME_HDR_LEN + f->len + FRAME_TRL_LEN;
	if (buf[end - 2] != FRAME_END0 || buf[end - 1] != FRAME_END1)
		return -FRAME_E_END;
	crc = frame_crc32(0, buf + FRAME_ETH_LEN, FRAME_HDR_LEN - FRAME_ETH_LEN + f->len);
	if (crc != get_be32(buf + FRAME_HDR_LEN + f->len))
		return -FRAME_E_CRC;
	if (!frame_code_known(f->code))
		return -FRAME_E_CODE;
	return 0;
}

/* ---- TLV ---- */

void tlv_writer_init(struct tlv_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = 0;
}

void tlv_put(struct tlv_writer *w, uint8_t type, const void *val, size_t len)
{
	if (len > 255 || w->cap - w->len < 2 + len || w->len > w->cap) {
		w->overflow = 1;
		return;
	}
	w->buf[w->len] = type;
	w->buf[w->len + 1] = (uint8_t)len;
	if (len)
		memcpy(w->buf + w->len + 2, val, len);
	w->len += 2 + len;
}

void tlv_put_u8(struct tlv_writer *w, uint8_t type, uint8_t v)
{
	tlv_put(w, type, &v, 1);
}

void tlv_put_u16(struct tlv_writer *w, uint8_t type, uint16_t v)
{
	uint8_t b[2];

	put_be16(b, v);
	tlv_put(w, type, b, 2);
}

void tlv_put_u32(struct tlv_writer *w, uint8_t type, uint32_t v)
{
	uint8_t b[4];

	put_be32(b, v);
	tlv_put(w, type, b, 4);
}

void tlv_put_u64(struct tlv_writer *w, uint8_t type, uint64_t v)
{
	uint8_t b[8];

	put_be64(b, v);
	tlv_put(w, type, b, 8);
}

void tlv_put_str(struct tlv_writer *w, uint8_t type, const char *s)
{
	size_t n = strlen(s);

	tlv_put(w, type, s, n > 255 ? 255 : n);
}

int tlv_valid(const uint8_t *data, size_t dlen)
{
	size_t off = 0;

	while (off < dlen) {
		if (dlen - off < 2 || dlen - off - 2 < data[off + 1])
			return 0;
		off += 2u + data[off + 1];
	}
	return 1;
}

const uint8_t *tlv_find(const uint8_t *data, size_t dlen, uint8_t type, unsigned n, size_t *len)
{
	size_t off = 0;

	while (off < dlen) {
		size_t l;

		if (dlen - off < 2)
			return NULL;
		l = data[off + 1];
		if (dlen - off - 2 < l)
			return NULL;
		if (data[off] == type && n-- == 0) {
			*len = l;
			return data + off + 2;
		}
		off += 2 + l;
	}
	return NULL;
}

int tlv_get_uint(const uint8_t *data, size_t dlen, uint8_t type, uint64_t *out)
{
	size_t l;
	const uint8_t *v = tlv_find(data, dlen, type, 0, &l);
	uint64_t x = 0;

	if (!v || (l != 1 && l != 2 && l != 4 && l != 8))
		return 0;
	for (size_t i = 0; i < l; i++)
		x = x << 8 | v[i];
	*out = x;
	return 1;
}

int tlv_get_str(const uint8_t *data, size_t dlen, uint8_t type, char *out, size_t cap)
{
	size_t l;
	const uint8_t *v = tlv_find(data, dlen, type, 0, &l);

	if (!v || cap == 0)
		return 0;
	if (l > cap - 1)
		l = cap - 1;
	memcpy(out, v, l);
	out[l] = '\0';
	return 1;
}
