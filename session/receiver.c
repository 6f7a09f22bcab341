/* SPDX-License-Identifier: MIT */
/* The receiver of the transfer engine: data frames in, checked against the
 * announced size and block, stored once each, strict or windowed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "xfer.h"

int xrecv_init(struct xrecv *r, const struct xrecv_config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	if (!cfg->write || xfer_frames(cfg->size, cfg->block, &r->frames))
		return -EINVAL;
	r->expect = 1;
	return recvwin_init(&r->rw, r->frames);
}

void xrecv_dispose(struct xrecv *r)
{
	recvwin_dispose(&r->rw);
}

static int refuse(struct xfer_fault *why, int notice, int detail, uint32_t expected, uint32_t got,
		  int err)
{
	why->notice = notice;
	why->detail = detail;
	why->expected = expected;
	why->got = got;
	why->err = err;
	return -1;
}

int xrecv_data(struct xrecv *r, const struct frame *f, struct xfer_fault *why)
{
	const char *name = frame_code_name(f->code);
	uint64_t off, want;
	int w;

	memset(why, 0, sizeof(*why));
	if (f->seq < 1 || f->seq > r->frames) {
		snprintf(why->text, sizeof(why->text), "%s sequence %u outside 1..%u", name, f->seq,
			 r->frames);
		return refuse(why, NOTICE_WRONG_COMMAND, D_SEQUENCE, r->frames, f->seq, 0);
	}
	if (!r->cfg.windowed && f->seq != r->expect) {
		snprintf(why->text, sizeof(why->text), "%s sequence %u, expected %u", name, f->seq,
			 r->expect);
		return refuse(why, NOTICE_WRONG_COMMAND, D_SEQUENCE, r->expect, f->seq, 0);
	}
	off = (uint64_t)(f->seq - 1) * r->cfg.block;
	want = r->cfg.size - off < r->cfg.block ? r->cfg.size - off : r->cfg.block;
	if (f->len != want) {
		snprintf(why->text, sizeof(why->text), "%s %u carries %u bytes, expected %llu",
			 name, f->seq, f->len, (unsigned long long)want);
		return refuse(why, NOTICE_WRONG_COMMAND, D_BAD_FIELD, (uint32_t)want, f->len, 0);
	}
	r->expect = f->seq + 1;
	if (bitmap_get(&r->rw.got, f->seq))
		return 0; /* a repeat */
	w = r->cfg.write(r->cfg.ctx, off, f->data, f->len);
	if (w < 0) {
		snprintf(why->text, sizeof(why->text), "storing %u bytes at %llu: %s", f->len,
			 (unsigned long long)off, strerror(-w));
		return refuse(why, NOTICE_NONE, D_STORAGE, 0, (uint32_t)-w, w);
	}
	recvwin_mark(&r->rw, f->seq);
	r->bytes += f->len;
	return 1;
}

void xrecv_report(const struct xrecv *r, struct tlv_writer *w)
{
	recvwin_report(&r->rw, w);
}

int xrecv_complete(const struct xrecv *r)
{
	return recvwin_complete(&r->rw);
}

uint32_t xrecv_have(const struct xrecv *r)
{
	return r->rw.have;
}

const uint8_t *xrecv_map(const struct xrecv *r, uint32_t *nbits)
{
	*nbits = r->frames;
	return r->rw.got.bits;
}

int xrecv_restore(struct xrecv *r, const uint8_t *map, uint32_t nbits)
{
	if (nbits != r->frames)
		return -EINVAL;
	for (uint32_t s = 1; s <= nbits; s++)
		if (map[(s - 1) >> 3] >> ((s - 1) & 7) & 1 && recvwin_mark(&r->rw, s) == 1) {
			uint64_t off = (uint64_t)(s - 1) * r->cfg.block;

			r->bytes +=
				r->cfg.size - off < r->cfg.block ? r->cfg.size - off : r->cfg.block;
		}
	return 0;
}
