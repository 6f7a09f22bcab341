/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

int sess_exit_code(const struct sess_result *r)
{
	if (r->notice >= NOTICE_CONNECT_FAILED && r->notice <= NOTICE_WRONG_COMMAND)
		return 10 + r->notice;
	if (r->notice == NOTICE_NONE && r->detail >= D_POLICY && r->detail <= D_NOT_NEWER)
		return 17;
	if (r->rolled_back)
		return 18;
	return r->local ? 1 : 0;
}

unsigned sess_block_for_mtu(unsigned mtu)
{
	unsigned b = FRAME_DATA_FOR_MTU(mtu);

	return b > FRAME_MAX_DATA ? FRAME_MAX_DATA : b;
}

int sess_encode(const struct nic *nic, uint16_t ethertype, uint8_t *buf, size_t cap,
		const uint8_t dst[6], uint32_t session, uint32_t seq, uint8_t code, uint8_t flags,
		const uint8_t *data, size_t len)
{
	struct frame f = {
		.version = FRAME_VERSION,
		.flags = flags,
		.session = session,
		.seq = seq,
		.code = code,
		.len = (uint16_t)len,
		.data = data,
	};

	memcpy(f.dst, dst, 6);
	memcpy(f.src, nic->mac, 6);
	return frame_encode(buf, cap, &f, etype(ethertype));
}

int sess_send(struct nic *nic, uint16_t ethertype, uint8_t *buf, size_t cap, const uint8_t dst[6],
	      uint32_t session, uint32_t seq, uint8_t code, uint8_t flags, const uint8_t *data,
	      size_t len)
{
	int n = sess_encode(nic, ethertype, buf, cap, dst, session, seq, code, flags, data, len);

	if (n < 0)
		return n;
	if (nic_send(nic, buf, (size_t)n) < 0)
		return -FRAME_E_NOSPACE - 100;
	return n;
}

void sess_logf(sess_log_fn fn, void *ctx, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(ctx, msg);
}

size_t sess_error_tlv(uint8_t *buf, size_t cap, int notice, int detail, uint32_t expected,
		      uint32_t got, const char *text)
{
	struct tlv_writer w;

	tlv_writer_init(&w, buf, cap);
	tlv_put_u8(&w, T_NOTICE, (uint8_t)notice);
	tlv_put_u16(&w, T_DETAIL, (uint16_t)detail);
	tlv_put_u32(&w, T_EXPECTED, expected);
	tlv_put_u32(&w, T_GOT, got);
	if (text)
		tlv_put_str(&w, T_TEXT, text);
	return w.len;
}

void sess_defaults(uint64_t *timeout_us, unsigned *window)
{
	if (!*timeout_us)
		*timeout_us = PROTO_TIMEOUT_US;
	if (!*window)
		*window = DEFAULT_WINDOW;
}
