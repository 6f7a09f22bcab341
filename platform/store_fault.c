/* SPDX-License-Identifier: MIT */
/* store_fault: a board_store that lies in one exact way (see store_fault.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "store_fault.h"

struct store_fault_ctx {
	struct board_store inner;
	struct store_fault f;
	/* The size of each slot's file, looked up once; a commit forgets it. */
	uint64_t size[FT_COUNT];
	int size_known[FT_COUNT];
};

static int sf_info(void *ctx, int type, uint64_t *size, uint32_t *crc)
{
	struct store_fault_ctx *c = ctx;

	return c->inner.info(c->inner.ctx, type, size, crc);
}

static int sf_begin(void *ctx, int type, uint64_t size)
{
	struct store_fault_ctx *c = ctx;

	return c->inner.begin(c->inner.ctx, type, size);
}

static int sf_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct store_fault_ctx *c = ctx;
	const uint8_t *p = buf;
	uint8_t first;
	int r;

	if (!c->f.flip_received || off != 0 || !len)
		return c->inner.write(c->inner.ctx, off, buf, len);
	first = p[0] ^ 0x01;
	r = c->inner.write(c->inner.ctx, 0, &first, 1);
	if (r == 0 && len > 1)
		r = c->inner.write(c->inner.ctx, 1, p + 1, len - 1);
	return r;
}

static int sf_read_new(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct store_fault_ctx *c = ctx;

	return c->inner.read_new(c->inner.ctx, off, buf, len);
}

static int sf_commit(void *ctx, uint32_t crc)
{
	struct store_fault_ctx *c = ctx;

	memset(c->size_known, 0, sizeof(c->size_known));
	return c->inner.commit(c->inner.ctx, crc);
}

static void sf_abort(void *ctx)
{
	struct store_fault_ctx *c = ctx;

	c->inner.abort(c->inner.ctx);
}

static int sf_read(void *ctx, int type, uint64_t off, void *buf, size_t len)
{
	struct store_fault_ctx *c = ctx;
	uint64_t mid;
	uint32_t crc;
	int r = c->inner.read(c->inner.ctx, type, off, buf, len);

	if (r < 0 || !c->f.corrupt_readback || type < 0 || type >= FT_COUNT)
		return r;
	if (!c->size_known[type]) {
		if (c->inner.info(c->inner.ctx, type, &c->size[type], &crc) < 0)
			return r;
		c->size_known[type] = 1;
	}
	mid = c->size[type] / 2;
	if (mid >= off && mid - off < len)
		((uint8_t *)buf)[mid - off] ^= 0x20;
	return r;
}

int store_fault_wrap(struct board_store *out, const struct board_store *inner,
		     const struct store_fault *f)
{
	struct store_fault_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->inner = *inner;
	c->f = *f;
	memset(out, 0, sizeof(*out));
	out->info = sf_info;
	out->begin = sf_begin;
	out->write = sf_write;
	out->read_new = sf_read_new;
	out->commit = sf_commit;
	out->abort = sf_abort;
	out->read = sf_read;
	out->ctx = c;
	return 0;
}

void store_fault_close(struct board_store *st)
{
	if (!st || st->info != sf_info)
		return;
	free(st->ctx);
	st->ctx = NULL;
}
