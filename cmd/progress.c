/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <string.h>

#include "progress.h"

const char *progress_phase_name(int pp)
{
	static const char *const names[] = {"connect",	 "data",     "repair",
					    "read-back", "activate", "closing"};

	return pp >= 0 && pp <= PP_CLOSING ? names[pp] : "?";
}

int progress_phase_of(const struct sess_host_stats *st)
{
	switch (st->phase) {
	case SESS_PH_CONNECT: return PP_CONNECT;
	case SESS_PH_DOWNLOAD:
		/* Every frame went once, yet the board misses some: resending. */
		if (st->windowed && st->frames && st->board_has < st->frames &&
		    st->data_frames_sent + st->resumed > st->frames)
			return PP_REPAIR;
		return PP_DATA;
	case SESS_PH_READBACK: return PP_READBACK;
	case SESS_PH_DEVICE: return PP_ACTIVATE;
	default: return PP_CLOSING;
	}
}

char *progress_grouped(uint64_t n, char *out, size_t cap)
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%" PRIu64, n);
	size_t o = 0;

	for (int i = 0; i < len && o + 1 < cap; i++) {
		if (i && (len - i) % 3 == 0 && o + 2 < cap)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	if (cap)
		out[o < cap ? o : cap - 1] = '\0';
	return out;
}

static void format_eta(char *out, size_t cap, uint64_t secs)
{
	if (secs >= 3600)
		snprintf(out, cap, "%" PRIu64 ":%02u:%02u", secs / 3600, (unsigned)(secs / 60 % 60),
			 (unsigned)(secs % 60));
	else
		snprintf(out, cap, "%u:%02u", (unsigned)(secs / 60), (unsigned)(secs % 60));
}

char *progress_format(char *out, size_t cap, int pp, uint64_t done, uint64_t total, uint64_t moved,
		      uint64_t elapsed_us)
{
	char d[32], t[32], eta[32] = "-:--";
	double rate = elapsed_us ? (double)moved * 1e6 / (double)elapsed_us : 0.0;
	unsigned pct;

	if (!total) {
		snprintf(out, cap, "%-9s %" PRIu64 ".%01u s", progress_phase_name(pp),
			 elapsed_us / 1000000, (unsigned)(elapsed_us / 100000 % 10));
		return out;
	}
	if (done > total)
		done = total;
	pct = (unsigned)(done * 100 / total);
	if (rate > 0 && moved)
		format_eta(eta, sizeof(eta), (uint64_t)((double)(total - done) / rate + 0.5));
	snprintf(out, cap, "%-9s %s of %s bytes %3u%%  %.2f MB/s  ETA %s", progress_phase_name(pp),
		 progress_grouped(done, d, sizeof(d)), progress_grouped(total, t, sizeof(t)), pct,
		 rate / 1e6, eta);
	return out;
}

char *progress_resume_line(char *out, size_t cap, uint64_t have, uint64_t total)
{
	char h[32], t[32];

	snprintf(out, cap, "resuming: %s of %s bytes already on the board",
		 progress_grouped(have, h, sizeof(h)), progress_grouped(total, t, sizeof(t)));
	return out;
}

uint64_t progress_resumed_bytes(const struct sess_host_stats *st, uint64_t size)
{
	uint64_t b = (uint64_t)st->resumed * st->block;

	return b > size ? size : b;
}

void progress_init(struct progress *p, FILE *out, int tty, int quiet, int verbose, uint64_t now)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->tty = tty;
	p->quiet = quiet;
	p->verbose = verbose;
	p->start = p->last = p->base_t = now;
	p->pp = -1;
}

static void clear_line(struct progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", p->out);
		p->shown = 0;
	}
}

int progress_update(struct progress *p, const struct sess_host_stats *st, uint64_t now)
{
	int pp = progress_phase_of(st);
	char line[160];

	if (pp != p->pp) {
		if (p->verbose && p->pp >= 0) {
			clear_line(p);
			fprintf(p->out, "ethdl: phase %s\n", progress_phase_name(pp));
		}
		p->pp = pp;
		p->base = st->done;
		p->base_t = now;
	}
	if (!p->resume_said && st->resumed && st->phase == SESS_PH_DOWNLOAD) {
		p->resume_said = 1;
		if (!p->quiet) {
			clear_line(p);
			fprintf(p->out, "ethdl: %s\n",
				progress_resume_line(line, sizeof(line),
						     progress_resumed_bytes(st, st->total),
						     st->total));
		}
	}
	if (p->quiet || pp == PP_CLOSING)
		return 0;
	if (now - p->last < (p->tty ? PROGRESS_TTY_US : PROGRESS_EVERY_US))
		return 0;
	p->last = now;
	if (pp == PP_CONNECT || pp == PP_ACTIVATE)
		progress_format(line, sizeof(line), pp, 0, 0, 0, now - p->start);
	else
		/* A resumed download moves only what the board lacks. */
		progress_format(line, sizeof(line), pp,
				st->done + (st->phase == SESS_PH_DOWNLOAD
						    ? progress_resumed_bytes(st, st->total)
						    : 0),
				st->total, st->done > p->base ? st->done - p->base : 0,
				now - p->base_t);
	if (p->tty) {
		fprintf(p->out, "\r%s\033[K", line);
		p->shown = 1;
	} else
		fprintf(p->out, "ethdl: %s\n", line);
	fflush(p->out);
	p->printed++;
	return 1;
}

void progress_end(struct progress *p)
{
	if (p->shown)
		fputc('\n', p->out);
	p->shown = 0;
}
