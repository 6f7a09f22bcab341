/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "device.h"
#include "frame.h"

#define CHECK_CHUNK 16384 /* bytes read back at a time to check a CRC */

int dev_init(struct board_device *d, const struct board_store *store)
{
	memset(d, 0, sizeof(*d));
	d->store = store;
	return store ? 0 : -EINVAL;
}

static void drop(struct board_device *d)
{
	if (d->dl != DEV_DL_NONE)
		d->store->abort(d->store->ctx);
	xrecv_dispose(&d->rx);
	memset(&d->rx, 0, sizeof(d->rx));
	d->dl = DEV_DL_NONE;
}

void dev_dispose(struct board_device *d)
{
	drop(d);
}

int dev_slot(const struct board_device *d, int type, uint64_t *size, uint32_t *crc)
{
	return d->store->info(d->store->ctx, type, size, crc);
}

int dev_read(const struct board_device *d, int type, uint64_t off, void *buf, size_t len)
{
	return d->store->read(d->store->ctx, type, off, buf, len);
}

static int store_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	const struct board_store *st = ctx;

	return st->write(st->ctx, off, buf, len);
}

int dev_download_open(struct board_device *d, int type, uint64_t size, uint32_t crc, unsigned block,
		      int windowed, int resume)
{
	struct xrecv_config rc = {.size = size,
				  .block = block,
				  .windowed = windowed,
				  .write = store_write,
				  .ctx = (void *)d->store};
	int r;

	if (d->dl == DEV_DL_KEPT && resume && windowed && type == d->dl_type &&
	    size == d->dl_size && crc == d->dl_crc && block == d->dl_block) {
		d->dl = DEV_DL_OPEN;
		return (int)xrecv_have(&d->rx);
	}
	drop(d);
	r = d->store->begin(d->store->ctx, type, size);
	if (r < 0)
		return r;
	r = xrecv_init(&d->rx, &rc);
	if (r < 0) {
		d->store->abort(d->store->ctx);
		xrecv_dispose(&d->rx);
		memset(&d->rx, 0, sizeof(d->rx));
		return r;
	}
	d->dl = DEV_DL_OPEN;
	d->dl_type = type;
	d->dl_size = size;
	d->dl_crc = crc;
	d->dl_block = block;
	return 0;
}

struct xrecv *dev_download_rx(struct board_device *d)
{
	return &d->rx;
}

/* CRC of what the store holds of the open download. */
static int stored_crc(struct board_device *d, uint32_t *crc)
{
	uint8_t buf[CHECK_CHUNK];
	uint64_t off = 0;
	uint32_t c = 0;

	while (off < d->dl_size) {
		size_t n =
			d->dl_size - off < sizeof(buf) ? (size_t)(d->dl_size - off) : sizeof(buf);
		int r = d->store->read_new(d->store->ctx, off, buf, n);

		if (r < 0)
			return r;
		c = frame_crc32(c, buf, n);
		off += n;
	}
	*crc = c;
	return 0;
}

int dev_download_commit(struct board_device *d, uint32_t *got)
{
	int r;

	if (d->dl != DEV_DL_OPEN || !xrecv_complete(&d->rx))
		return -EINVAL;
	r = stored_crc(d, got);
	if (r == 0 && *got != d->dl_crc)
		r = -EBADMSG;
	if (r == 0) {
		r = d->store->commit(d->store->ctx, d->dl_crc);
		d->dl = DEV_DL_NONE; /* commit closed it, whatever it says */
	}
	drop(d);
	if (r == 0)
		d->downloads_ok++;
	else
		d->downloads_failed++;
	return r;
}

void dev_download_close(struct board_device *d, int keep)
{
	if (d->dl == DEV_DL_NONE)
		return;
	if (keep && xrecv_have(&d->rx) && !xrecv_complete(&d->rx)) {
		d->dl = DEV_DL_KEPT;
		return;
	}
	if (d->dl == DEV_DL_OPEN)
		d->downloads_failed++;
	drop(d);
}
