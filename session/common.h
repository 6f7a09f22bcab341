/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by the host and board machines. */
#ifndef ETHDL_SESSION_COMMON_H
#define ETHDL_SESSION_COMMON_H

#include "sess.h"

#define DEFAULT_WINDOW 1024u

static inline uint16_t etype(uint16_t configured)
{
	return configured ? configured : FRAME_ETHERTYPE_DEFAULT;
}

/** Build a frame into buf (cap) without sending it. Returns its length or a
 *  negative frame error. */
int sess_encode(const struct nic *nic, uint16_t ethertype, uint8_t *buf, size_t cap,
		const uint8_t dst[6], uint32_t session, uint32_t seq, uint8_t code, uint8_t flags,
		const uint8_t *data, size_t len);

/** Build a frame into buf (cap) and send it. Returns the frame length or a negative error. */
int sess_send(struct nic *nic, uint16_t ethertype, uint8_t *buf, size_t cap, const uint8_t dst[6],
	      uint32_t session, uint32_t seq, uint8_t code, uint8_t flags, const uint8_t *data,
	      size_t len);

/** The defaults of a zero timer (3 s) and window (1024 frames). */
void sess_defaults(uint64_t *timeout_us, unsigned *window);

void sess_logf(sess_log_fn fn, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Fill an ERROR frame's TLVs. */
size_t sess_error_tlv(uint8_t *buf, size_t cap, int notice, int detail, uint32_t expected,
		      uint32_t got, const char *text);

#endif
