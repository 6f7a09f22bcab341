/* SPDX-License-Identifier: MIT */
/* A program made of the board machine and what it may link (frame/, pkg/,
 * the device, the nic interface): it links, or the board machine needs more
 * than a port has. It serves over an in-memory loop into a store kept in
 * a few static buffers, as a small board would. */
#include <errno.h>
#include <string.h>

#include "board.h"
#include "nic.h"

static uint8_t img[2][256], rec[2048], open_img[256];
static uint32_t img_id[2];
static uint64_t img_len[2], open_len;
static size_t rec_len;

static int m_begin(void *ctx, uint32_t id, int type, uint64_t size)
{
	(void)ctx;
	(void)type;
	(void)id;
	open_len = size;
	return size <= sizeof(open_img) ? 0 : -ENOSPC;
}
static int m_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx;
	memcpy(open_img + off, buf, len);
	return 0;
}
static int m_read_open(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	memcpy(buf, open_img + off, len);
	return 0;
}
static int m_sync(void *ctx)
{
	(void)ctx;
	return 0;
}
static int m_reopen(void *ctx, uint32_t id, int type, uint64_t size)
{
	(void)ctx;
	(void)id;
	(void)type;
	(void)size;
	return -ENOENT;
}
static void m_parts_drop(void *ctx, uint32_t keep)
{
	(void)ctx;
	(void)keep;
}
static int m_seal(void *ctx)
{
	(void)ctx;
	return -ENOSPC; /* this board keeps what it has */
}
static void m_abort(void *ctx)
{
	(void)ctx;
}
static int m_read(void *ctx, uint32_t id, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	for (int i = 0; i < 2; i++)
		if (img_id[i] == id && off + len <= img_len[i]) {
			memcpy(buf, img[i] + off, len);
			return 0;
		}
	return -ENOENT;
}
static int m_remove(void *ctx, uint32_t id)
{
	(void)ctx;
	(void)id;
	return 0;
}
static int m_sha(void *ctx, uint32_t id, uint64_t off, uint64_t len, uint8_t out[32])
{
	(void)ctx;
	(void)id;
	(void)off;
	(void)len;
	memset(out, 0, 32);
	return 0;
}
static int m_list(void *ctx, uint32_t *ids, int cap)
{
	(void)ctx;
	(void)ids;
	(void)cap;
	return 0;
}
static int m_rec_load(void *ctx, void *buf, size_t cap, size_t *len)
{
	(void)ctx;
	if (!rec_len)
		return -ENOENT;
	if (rec_len > cap)
		return -EBADMSG;
	memcpy(buf, rec, rec_len);
	*len = rec_len;
	return 0;
}
static int m_rec_save(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	if (len > sizeof(rec))
		return -ENOSPC;
	memcpy(rec, buf, len);
	rec_len = len;
	return 0;
}
static int m_log_append(void *ctx, uint64_t seq, const uint8_t entry[DEVSTORE_EVENT_LEN])
{
	(void)ctx;
	(void)seq;
	(void)entry;
	return 0;
}
static int m_log_read(void *ctx, uint64_t seq, uint64_t *got, uint8_t entry[DEVSTORE_EVENT_LEN])
{
	(void)ctx;
	(void)seq;
	(void)got;
	(void)entry;
	return 0;
}
static int m_health_start(void *ctx, int type, uint32_t id, uint64_t off)
{
	(void)ctx;
	(void)type;
	(void)id;
	(void)off;
	return -ENOSYS;
}
static int m_health_poll(void *ctx)
{
	(void)ctx;
	return 1;
}
static uint64_t m_wall(void *ctx)
{
	(void)ctx;
	return 0;
}

int main(void)
{
	static const uint8_t mh[6] = {2, 0, 0, 0, 0, 1}, mb[6] = {2, 0, 0, 0, 0, 2};
	struct devstore st = {
		.img_begin = m_begin,
		.img_write = m_write,
		.img_read_open = m_read_open,
		.img_sync = m_sync,
		.img_reopen = m_reopen,
		.img_parts_drop = m_parts_drop,
		.img_seal = m_seal,
		.img_abort = m_abort,
		.img_read = m_read,
		.img_remove = m_remove,
		.img_sha256 = m_sha,
		.img_list = m_list,
		.rec_load = m_rec_load,
		.rec_save = m_rec_save,
		.log_append = m_log_append,
		.log_read = m_log_read,
		.health_start = m_health_start,
		.health_poll = m_health_poll,
		.wall_us = m_wall,
	};
	static struct sess_board b;
	struct sess_board_config cfg = {.store = &st};
	struct nic *h, *n;
	int ok;

	if (nic_loop_pair(&h, &n, mh, mb, 1500, 0) < 0)
		return 1;
	cfg.nic = n;
	ok = sess_board_init(&b, &cfg) == 0 && sess_board_idle(&b);
	sess_board_poll(&b, 0);
	sess_board_dispose(&b);
	nic_close(h);
	nic_close(n);
	return ok ? 0 : 1;
}
