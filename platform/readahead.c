// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "readahead.h"

int ra_init(struct ra_file *f, int fd)
{
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	for (unsigned i = 0; i < RA_WINDOWS; i++) {
		f->w[i].buf = malloc(RA_WINDOW);
		if (!f->w[i].buf) {
			ra_dispose(f);
			return -ENOMEM;
		}
	}
	return 0;
}

void ra_dispose(struct ra_file *f)
{
	for (unsigned i = 0; i < RA_WINDOWS; i++)
		free(f->w[i].buf);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

int ra_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct ra_file *f = ctx;
	struct ra_window *w = NULL;
	size_t got;
	int r;

	if (len > RA_WINDOW)
		return fio_pread_exact(f->fd, buf, len, off);
	f->tick++;
	for (unsigned i = 0; i < RA_WINDOWS; i++) {
		struct ra_window *c = &f->w[i];

		if (c->len && off >= c->off && off - c->off <= c->len && len <= c->len - (off - c->off)) {
			w = c;
			break;
		}
		if (!w || c->used < w->used)
			w = c; /* the least recently used, should none hold it */
	}
	if (!(w->len && off >= w->off && off - w->off <= w->len && len <= w->len - (off - w->off))) {
		w->len = 0;
		r = fio_pread(f->fd, w->buf, RA_WINDOW, off, &got);
		if (r < 0)
			return r;
		f->fills++;
		w->off = off;
		w->len = got;
		if (got < len)
			return -EIO; /* the file ends (or shrank under us) */
	}
	w->used = f->tick;
	memcpy(buf, w->buf + (off - w->off), len);
	return 0;
}
