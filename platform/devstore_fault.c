/* SPDX-License-Identifier: MIT */
/* devstore_fault: a devstore that lies in one exact way (see devstore_fault.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devstore_fault.h"

#define SIZES 32

struct df_ctx {
	struct devstore inner;
	struct devstore_fault f;
	/* The open image, and the sizes of sealed images already known. */
	uint32_t open_id;
	uint64_t open_size;
	struct {
		uint32_t id; /* 0: free */
		uint64_t size;
	} sizes[SIZES];
	unsigned next; /* the entry to reuse when all are taken */
};

static void remember(struct df_ctx *c, uint32_t id, uint64_t size)
{
	unsigned i;

	for (i = 0; i < SIZES && c->sizes[i].id && c->sizes[i].id != id; i++)
		;
	if (i == SIZES)
		i = c->next++ % SIZES;
	c->sizes[i].id = id;
	c->sizes[i].size = size;
}

static void forget(struct df_ctx *c, uint32_t id)
{
	for (unsigned i = 0; i < SIZES; i++)
		if (c->sizes[i].id == id)
			c->sizes[i].id = 0;
}

static int readable(struct df_ctx *c, uint32_t id, uint64_t n)
{
	uint8_t b;

	return n == 0 || c->inner.img_read(c->inner.ctx, id, n - 1, &b, 1) == 0;
}

/* The size of sealed image id: remembered, or the largest n whose last
 * byte inner can read. */
static uint64_t size_of(struct df_ctx *c, uint32_t id)
{
	uint64_t lo = 0, hi = 1;

	for (unsigned i = 0; i < SIZES; i++)
		if (c->sizes[i].id == id)
			return c->sizes[i].size;
	while (hi < (1ull << 62) && readable(c, id, hi)) {
		lo = hi;
		hi *= 2;
	}
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (readable(c, id, mid))
			lo = mid;
		else
			hi = mid;
	}
	remember(c, id, lo);
	return lo;
}

static int df_img_begin(void *ctx, uint32_t id, int type, uint64_t size)
{
	struct df_ctx *c = ctx;
	int r = c->inner.img_begin(c->inner.ctx, id, type, size);

	c->open_id = r == 0 ? id : 0;
	c->open_size = size;
	return r;
}

static int df_img_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct df_ctx *c = ctx;
	const uint8_t *p = buf;
	uint8_t first;
	int r;

	if (!c->f.flip_received || off != 0 || !len)
		return c->inner.img_write(c->inner.ctx, off, buf, len);
	first = p[0] ^ 0x01;
	r = c->inner.img_write(c->inner.ctx, 0, &first, 1);
	if (r == 0 && len > 1)
		r = c->inner.img_write(c->inner.ctx, 1, p + 1, len - 1);
	return r;
}

/* The device checks the CRC of the open image in pieces of DEVSTORE_CHECK_PIECE
 * at multiples of it (the last one shorter); any other read of it is a
 * read-back (PROTOCOL.md §10), which corrupt_readback damages as it does a
 * read of a sealed image. */
static int df_img_read_open(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct df_ctx *c = ctx;
	uint64_t mid = c->open_size / 2;
	int r = c->inner.img_read_open(c->inner.ctx, off, buf, len);

	if (r < 0 || !c->f.corrupt_readback)
		return r;
	if (off % DEVSTORE_CHECK_PIECE == 0 && (len == DEVSTORE_CHECK_PIECE || off + len == c->open_size))
		return r;
	if (mid >= off && mid - off < len)
		((uint8_t *)buf)[mid - off] ^= 0x20;
	return r;
}

static int df_img_seal(void *ctx)
{
	struct df_ctx *c = ctx;
	int r = c->inner.img_seal(c->inner.ctx);

	if (r == 0 && c->open_id)
		remember(c, c->open_id, c->open_size);
	c->open_id = 0;
	return r;
}

static int df_img_sync(void *ctx)
{
	struct df_ctx *c = ctx;

	return c->inner.img_sync(c->inner.ctx);
}

static int df_img_reopen(void *ctx, uint32_t id, int type, uint64_t size)
{
	struct df_ctx *c = ctx;
	int r = c->inner.img_reopen(c->inner.ctx, id, type, size);

	c->open_id = r == 0 ? id : 0;
	c->open_size = size;
	return r;
}

static void df_img_parts_drop(void *ctx, uint32_t keep)
{
	struct df_ctx *c = ctx;

	c->inner.img_parts_drop(c->inner.ctx, keep);
}

static void df_img_abort(void *ctx)
{
	struct df_ctx *c = ctx;

	c->open_id = 0;
	c->inner.img_abort(c->inner.ctx);
}

static int df_img_read(void *ctx, uint32_t id, uint64_t off, void *buf, size_t len)
{
	struct df_ctx *c = ctx;
	uint64_t mid;
	int r = c->inner.img_read(c->inner.ctx, id, off, buf, len);

	if (r < 0 || !c->f.corrupt_readback)
		return r;
	mid = size_of(c, id) / 2;
	if (mid >= off && mid - off < len)
		((uint8_t *)buf)[mid - off] ^= 0x20;
	return r;
}

static int df_img_remove(void *ctx, uint32_t id)
{
	struct df_ctx *c = ctx;

	forget(c, id);
	return c->inner.img_remove(c->inner.ctx, id);
}

static int df_img_sha256(void *ctx, uint32_t id, uint64_t off, uint64_t len, uint8_t out[32])
{
	struct df_ctx *c = ctx;

	return c->inner.img_sha256(c->inner.ctx, id, off, len, out);
}

static int df_img_list(void *ctx, uint32_t *ids, int cap)
{
	struct df_ctx *c = ctx;

	return c->inner.img_list(c->inner.ctx, ids, cap);
}

static int df_rec_load(void *ctx, void *buf, size_t cap, size_t *len)
{
	struct df_ctx *c = ctx;

	return c->inner.rec_load(c->inner.ctx, buf, cap, len);
}

static int df_rec_save(void *ctx, const void *buf, size_t len)
{
	struct df_ctx *c = ctx;

	return c->inner.rec_save(c->inner.ctx, buf, len);
}

static void df_publish(void *ctx, int type, uint32_t active, uint32_t previous)
{
	struct df_ctx *c = ctx;

	c->inner.publish(c->inner.ctx, type, active, previous);
}

static int df_log_append(void *ctx, uint64_t seq, const uint8_t entry[DEVSTORE_EVENT_LEN])
{
	struct df_ctx *c = ctx;

	return c->inner.log_append(c->inner.ctx, seq, entry);
}

static int df_log_read(void *ctx, uint64_t seq, uint64_t *got, uint8_t entry[DEVSTORE_EVENT_LEN])
{
	struct df_ctx *c = ctx;

	return c->inner.log_read(c->inner.ctx, seq, got, entry);
}

static int df_health_start(void *ctx, int type, uint32_t id, uint64_t image_off)
{
	struct df_ctx *c = ctx;

	return c->inner.health_start(c->inner.ctx, type, id, image_off);
}

static int df_health_poll(void *ctx)
{
	struct df_ctx *c = ctx;

	return c->inner.health_poll(c->inner.ctx);
}

static uint32_t df_health_ms(void *ctx)
{
	struct df_ctx *c = ctx;

	return c->inner.health_ms(c->inner.ctx);
}

static uint64_t df_wall_us(void *ctx)
{
	struct df_ctx *c = ctx;

	return c->inner.wall_us(c->inner.ctx);
}

int devstore_fault_wrap(struct devstore *out, const struct devstore *inner,
			const struct devstore_fault *f)
{
	struct df_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->inner = *inner;
	c->f = *f;
	memset(out, 0, sizeof(*out));
	out->img_begin = df_img_begin;
	out->img_write = df_img_write;
	out->img_read_open = df_img_read_open;
	out->img_sync = df_img_sync;
	out->img_reopen = df_img_reopen;
	out->img_parts_drop = df_img_parts_drop;
	out->img_seal = df_img_seal;
	out->img_abort = df_img_abort;
	out->img_read = df_img_read;
	out->img_remove = df_img_remove;
	out->img_sha256 = df_img_sha256;
	out->img_list = df_img_list;
	out->rec_load = df_rec_load;
	out->rec_save = df_rec_save;
	out->publish = df_publish;
	out->log_append = df_log_append;
	out->log_read = df_log_read;
	out->health_start = df_health_start;
	out->health_poll = df_health_poll;
	out->health_ms = df_health_ms;
	out->wall_us = df_wall_us;
	out->ctx = c;
	return 0;
}

void devstore_fault_close(struct devstore *st)
{
	if (!st || st->img_begin != df_img_begin)
		return;
	free(st->ctx);
	st->ctx = NULL;
	st->img_begin = NULL;
}
