/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"
#include "progress_fd.h"

static int pfd = -1;
static char board[18];
static const char *last_phase;
static uint64_t last_us;

int progress_fd_option(const char *arg)
{
	uint64_t v;

	if (opt_uint("--progress-fd", arg, 3, 1 << 20, 0, "descriptor", &v))
		return EXIT_USAGE;
	if (fcntl((int)v, F_GETFL) < 0)
		return usage_error("--progress-fd %s: %s", arg, strerror(errno));
	pfd = (int)v;
	return 0;
}

void progress_fd_board(const uint8_t mac[6])
{
	format_mac(mac, board);
}

static const char *phase_name(const struct sess_host_stats *st)
{
	switch (st->phase) {
	case SESS_PH_CONNECT: return "connect";
	case SESS_PH_DOWNLOAD:
		/* every frame went once: what is still sent is a repair */
		return st->total && st->bytes_sent >= st->total && st->done < st->total ? "repair"
											 : "data";
	case SESS_PH_READBACK: return "read-back";
	case SESS_PH_DEVICE: return "activate";
	default: return NULL;
	}
}

void progress_fd_update(const struct sess_host_stats *st, uint64_t now)
{
	const char *ph;
	char line[320];
	uint64_t el, rate, eta, resumed;
	int n;

	if (pfd < 0)
		return;
	ph = phase_name(st);
	if (!ph || (ph == last_phase && now - last_us < 250000))
		return;
	el = now > st->phase_start ? now - st->phase_start : 0;
	rate = el ? st->done * 1000000 / el : 0;
	eta = rate && st->total > st->done ? (st->total - st->done) * 1000 / rate : 0;
	resumed = (uint64_t)st->resumed * st->block;
	if (resumed > st->total)
		resumed = st->total;
	n = snprintf(line, sizeof(line),
		     "{\"event\":\"progress\",\"board\":\"%s\",\"phase\":\"%s\",\"bytes\":%llu,"
		     "\"total\":%llu,\"rate\":%llu,\"eta_ms\":%llu,\"resumed_bytes\":%llu}\n",
		     board, ph, (unsigned long long)st->done, (unsigned long long)st->total,
		     (unsigned long long)rate, (unsigned long long)eta, (unsigned long long)resumed);
	last_phase = ph;
	last_us = now;
	if (write(pfd, line, (size_t)n) < 0 && errno == EPIPE)
		pfd = -1; /* nobody reads it any more */
}
