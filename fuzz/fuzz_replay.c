/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the replay engine's capture reader (pcap, pcapng, through
 * libpcap, then the session picked out of it), the frame comparer and
 * describer over its frames, and the engine played over a loop nic with the
 * capture's own board frames as the answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define FUZZ_CHECK(x)                                                                              \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void play(const struct rp_capture *c)
{
	static const uint8_t hm[6] = {2, 0, 0, 0, 0, 1}, bm[6] = {2, 0, 0, 0, 0, 2};
	struct rp_config cfg = {.session = 0x1234, .speed = RP_RECORDED};
	struct rp_engine *e = malloc(sizeof(*e));
	struct nic *h, *b;
	uint64_t now = 1;
	size_t fed = 0;

	if (!e || nic_loop_pair(&h, &b, hm, bm, 1500, 64)) {
		free(e);
		return;
	}
	cfg.nic = h;
	memcpy(cfg.peer, c->board_mac, 6);
	if (rp_init(e, c, &cfg) == 0) {
		for (int i = 0; i < 200 && !rp_done(e); i++) {
			const uint8_t *buf;
			size_t len;

			rp_poll(e, now);
			while (nic_recv(b, &buf, &len) == 1)
				;
			/* the recorded board frames, as they are, one per step */
			while (fed < c->n && c->v[fed].from_host)
				fed++;
			if (fed < c->n)
				rp_input(e, c->v[fed].buf, c->v[fed].len, now), fed++;
			if (rp_next_deadline(e) > now && rp_next_deadline(e) != UINT64_MAX)
				now = rp_next_deadline(e);
			else
				now += 1000;
		}
		FUZZ_CHECK(rp_result(e)->sent <= e->nhost);
		rp_dispose(e);
	}
	free(e);
	nic_close(h);
	nic_close(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rp_capture c;
	char err[256], line[512];
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	if (rp_capture_load_fp(&c, f, NULL, err) < 0) {
		FUZZ_CHECK(c.n == 0 && c.v == NULL);
		return 0;
	}
	for (size_t i = 0; i < c.n; i++) {
		struct rp_diff d;
		const struct rp_frame *a = &c.v[i], *b = &c.v[i ? i - 1 : 0];

		FUZZ_CHECK(a->len >= 14);
		rp_describe(a->buf, a->len, c.ethertype, line, sizeof(line));
		FUZZ_CHECK(strlen(line) < sizeof(line));
		memset(&d, 0, sizeof(d));
		if (rp_compare(a->buf, a->len, b->buf, b->len, c.ethertype, c.session, c.host_caps,
			       &d))
			FUZZ_CHECK(d.field[0] != '\0');
		FUZZ_CHECK(rp_compare(a->buf, a->len, a->buf, a->len, c.ethertype, c.session,
				      c.host_caps, &d) == 0 ||
			   d.field[0]);
	}
	play(&c);
	rp_capture_free(&c);
	return 0;
}
