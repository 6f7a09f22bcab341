/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the host's group machine and discovery machine fed
 * arbitrary board frames. The input is a list of records; each becomes one
 * frame from one of four boards to the host, built with a valid CRC and the
 * group session (or the probe id) so that the fuzzer reaches deep states,
 * or passed raw, and advances the fake clock so that the timers fire too.
 * What the machines send is drained and dropped. At the end the machines
 * are aborted; every board's result must be one the exit codes know.
 *
 * record: who u8 (bits 0-1 board, bit 2 raw, bit 3 discovery, bit 4 wrong
 *         session), code u8, seq u8, dt u8 (x 20 ms), len u8, data[len]
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "frame.h"
#include "host_group.h"
#include "nic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NB	 4
#define GSESSION 0x67726f75u
#define PROBE	 0x70726f62u

static uint8_t file[20000];

static int src_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	if (off > sizeof(file) || len > sizeof(file) - off)
		abort();
	memcpy(buf, file + off, len);
	return 0;
}

static const uint8_t MAC_H[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t MAC_X[6] = {0x02, 0, 0, 0, 0, 0x7f};
static const uint8_t GMAC[6] = {0x03, 0, 0x5e, 0, 0x10, 0x01};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sess_source src = {src_read, NULL};
	struct nic *hn, *xn;
	struct sess_group *g = calloc(1, sizeof(*g));
	struct sess_disc *d = calloc(1, sizeof(*d));
	uint8_t boards[NB][6], buf[FRAME_BUF_MAX];
	struct sess_group_config c = {0};
	struct sess_disc_config dc = {0};
	uint64_t now = 1000000;
	size_t off = 0;

	if (!g || !d || nic_loop_pair(&hn, &xn, MAC_H, MAC_X, 1500, 64) < 0)
		abort();
	for (int i = 0; i < NB; i++) {
		memcpy(boards[i], MAC_X, 6);
		boards[i][5] = (uint8_t)(0x10 + i);
	}
	c.nic = hn;
	c.boards = (const uint8_t(*)[6])boards;
	c.nboards = NB;
	memcpy(c.group_mac, GMAC, 6);
	c.session_id = GSESSION;
	c.type = FT_CONFIG;
	c.size = sizeof(file);
	c.crc = frame_crc32(0, file, sizeof(file));
	c.src = &src;
	c.k = 4;
	c.rounds = 3;
	if (sess_group_init(g, &c) < 0)
		abort();
	dc.nic = hn;
	dc.probe_id = PROBE;
	if (sess_disc_init(d, &dc) < 0)
		abort();
	sess_group_start(g, now);
	sess_disc_start(d, now);
	while (off + 5 <= size) {
		const uint8_t *r = data + off;
		size_t len = r[4];
		const uint8_t *p;
		size_t plen;
		int who = r[0] & 3, raw = r[0] & 4, disc = r[0] & 8;
		struct frame f = {.version = FRAME_VERSION,
				  .seq = r[2],
				  .code = r[1],
				  .session = disc ? PROBE : GSESSION};
		int n;

		if (off + 5 + len > size)
			len = size - off - 5;
		if (r[0] & 16)
			f.session ^= 1;
		memcpy(f.src, boards[who], 6);
		memcpy(f.dst, MAC_H, 6);
		f.data = r + 5;
		f.len = (uint16_t)len;
		n = raw ? (int)len : frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
		if (raw)
			memcpy(buf, r + 5, len);
		if (n > 0) {
			sess_group_input(g, buf, (size_t)n, now);
			sess_disc_input(d, buf, (size_t)n, now);
		}
		now += (uint64_t)r[3] * 20000u;
		sess_group_poll(g, now);
		sess_disc_poll(d, now);
		while (nic_recv(xn, &p, &plen) == 1)
			;
		off += 5 + len;
	}
	sess_group_abort(g, -EINTR, "end of input", now);
	for (unsigned i = 0; i < NB; i++) {
		struct sess_result res;

		sess_group_result(g, i, &res);
		if (sess_exit_code(&res) < 0 || sess_exit_code(&res) > 18)
			abort();
	}
	sess_group_dispose(g);
	sess_disc_dispose(d);
	free(g);
	free(d);
	nic_close(hn);
	nic_close(xn);
	return 0;
}
