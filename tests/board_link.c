/* SPDX-License-Identifier: MIT */
/* A program made of the board machine and what it may link (frame/, the nic
 * interface): it links, or the board machine needs more than a port has.
 * It serves one session over an in-memory loop into an in-memory store. */
#include <errno.h>
#include <string.h>

#include "board.h"
#include "nic.h"

static uint8_t slot[64];

static int m_info(void *ctx, int type, uint64_t *size, uint32_t *crc)
{
	(void)ctx;
	(void)type;
	*size = sizeof(slot);
	*crc = frame_crc32(0, slot, sizeof(slot));
	return 0;
}
static int m_begin(void *ctx, int type, uint64_t size)
{
	(void)ctx;
	(void)type;
	return size <= sizeof(slot) ? 0 : -ENOSPC;
}
static int m_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx;
	memcpy(slot + off, buf, len);
	return 0;
}
static int m_read_new(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	memcpy(buf, slot + off, len);
	return 0;
}
static int m_commit(void *ctx, uint32_t crc)
{
	(void)ctx;
	(void)crc;
	return 0;
}
static void m_abort(void *ctx)
{
	(void)ctx;
}
static int m_read(void *ctx, int type, uint64_t off, void *buf, size_t len)
{
	(void)type;
	return m_read_new(ctx, off, buf, len);
}

int main(void)
{
	static const uint8_t mh[6] = {2, 0, 0, 0, 0, 1}, mb[6] = {2, 0, 0, 0, 0, 2};
	struct board_store st = {m_info,   m_begin, m_write, m_read_new,
				 m_commit, m_abort, m_read,  NULL};
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
