/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the host and board state machines fed arbitrary frames.
 * The input is a list of records; each becomes one frame for the board or
 * the host, built with a valid CRC and the current session id (so the
 * fuzzer reaches deep states) or passed raw, and advances the fake clock so
 * that the timers fire too. What the machines send is drained and dropped.
 * The board keeps its images in mem_devstore; after every record the
 * harness checks that every image the device names has the bytes its record
 * says (abort otherwise).
 *
 * record: dir u8 (bit 0 host/board, bit 1 raw, bit 2 wrong session, bit 3
 *         to the discovery address, bit 4 to the group address 03:00:00:00:10:01),
 *         code u8, seq u8, flags u8, dt u8 (x 50 ms), len u8, data[len]
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fuzz_device.h"
#include "nic.h"
#include "mem_devstore.h"
#include "session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t file[5000];

static int src_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	if (off > sizeof(file) || len > sizeof(file) - off)
		abort();
	memcpy(buf, file + off, len);
	return 0;
}

static int sink_begin(void *ctx, uint64_t size)
{
	(void)ctx;
	return size > (1u << 20) ? -EFBIG : 0;
}

static int sink_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx;
	(void)off;
	(void)buf;
	(void)len;
	return 0;
}

static int sink_finish(void *ctx, struct sess_verdict *v)
{
	(void)ctx;
	memset(v, 0, sizeof(*v));
	return 0;
}

static const uint8_t mac_h[6] = {2, 0, 0, 0, 0, 1}, mac_b[6] = {2, 0, 0, 0, 0, 2};
static const uint8_t disc_mac[6] = FRAME_DISCOVER_MAC, group_mac[6] = {3, 0, 0, 0, 0x10, 1};

static void drain(struct nic *n)
{
	const uint8_t *b;
	size_t l;

	while (nic_recv(n, &b, &l) == 1)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sess_host h;
	static struct sess_board b;
	static uint8_t buf[FRAME_BUF_MAX];
	struct devstore store;
	struct sess_source src = {src_read, NULL};
	struct sess_sink sink = {sink_begin, sink_write, sink_finish, NULL};
	struct nic *hn, *hp, *bn, *bp;
	uint64_t now = 1000000;
	size_t off = 0;

	for (size_t i = 0; i < sizeof(file); i++)
		file[i] = (uint8_t)(i * 7);
	if (mem_devstore_open(&store) < 0)
		return 0;
	mem_devstore_set_capacity(&store, 1u << 20);
	if (nic_loop_pair(&hn, &hp, mac_h, mac_b, 1500, 0) < 0) {
		mem_devstore_close(&store);
		return 0;
	}
	if (nic_loop_pair(&bn, &bp, mac_b, mac_h, 1500, 0) < 0) {
		nic_close(hn);
		nic_close(hp);
		mem_devstore_close(&store);
		return 0;
	}
	struct sess_host_config hc = {
		.nic = hn,
		.job = SESS_DOWNLOAD,
		.readback = 1,
		.type = FT_CONFIG,
		.size = sizeof(file),
		.crc = frame_crc32(0, file, sizeof(file)),
		.src = &src,
		.sink = &sink,
		.session_id = 0x11223344,
		.window = 8,
	};
	struct sess_board_config bc = {
		.nic = bn, .store = &store, .window = 8, .vendor = "acme", .model = "m", .serial = "1"};

	memcpy(hc.board, mac_b, 6);
	sess_host_init(&h, &hc);
	sess_board_init(&b, &bc);
	sess_host_start(&h, now);

	while (size - off >= 6) {
		const uint8_t *r = data + off;
		size_t len = r[5] < size - off - 6 ? r[5] : size - off - 6;
		int to_host = r[0] & 1, raw = r[0] & 2, wrong = r[0] & 4;
		struct frame f = {
			.version = FRAME_VERSION,
			.flags = r[3],
			.seq = r[2],
			.code = r[1],
			.len = (uint16_t)len,
			.data = r + 6,
		};
		int n;

		off += 6 + len;
		now += (uint64_t)r[4] * 50000;
		memcpy(f.dst, to_host ? mac_h : mac_b, 6);
		if (!to_host && (r[0] & 0x18))
			memcpy(f.dst, r[0] & 0x08 ? disc_mac : group_mac, 6);
		memcpy(f.src, to_host ? mac_b : mac_h, 6);
		f.session = wrong     ? 0x55555555u
			    : to_host ? h.cfg.session_id
				      : (b.state == B_IDLE ? 0x11223344u : b.session);
		if (raw) {
			n = (int)len;
			memcpy(buf, r + 6, len);
		} else {
			n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
		}
		if (n > 0) {
			if (to_host)
				sess_host_input(&h, buf, (size_t)n, now);
			else
				sess_board_input(&b, buf, (size_t)n, now);
		}
		sess_host_poll(&h, now);
		sess_board_poll(&b, now);
		drain(hp);
		drain(bp);
		check_device(&b, &store);
	}
	sess_host_dispose(&h);
	sess_board_dispose(&b);
	nic_close(hn);
	nic_close(hp);
	nic_close(bn);
	nic_close(bp);
	mem_devstore_close(&store);
	return 0;
}
