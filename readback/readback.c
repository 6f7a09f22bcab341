/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "readback.h"

int rb_file_crc(int fd, uint64_t *size, uint32_t *crc)
{
	return fio_crc(fd, size, crc);
}

void rb_compare_init(struct rb_compare *c, int fd, uint64_t file_size)
{
	c->fd = fd;
	c->file_size = file_size;
	c->size = 0;
	c->first_diff = UINT64_MAX;
	c->ndiff = 0;
	c->received = 0;
}

static int cmp_begin(void *ctx, uint64_t size)
{
	struct rb_compare *c = ctx;

	c->size = size;
	return 0;
}

static void note_diff(struct rb_compare *c, uint64_t off, uint64_t n)
{
	if (off < c->first_diff)
		c->first_diff = off;
	c->ndiff += n;
}

static int cmp_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct rb_compare *c = ctx;
	const uint8_t *p = buf;
	size_t got;
	int r;

	if (len > sizeof(c->scratch))
		return -EINVAL;
	r = fio_pread(c->fd, c->scratch, len, off, &got);
	if (r < 0)
		return r;
	c->received += len;
	if (got == len && memcmp(c->scratch, p, len) == 0)
		return 0;
	for (size_t i = 0; i < got; i++)
		if (c->scratch[i] != p[i]) {
			note_diff(c, off + i, 1);
			/* Only the first difference needs its place; count the rest. */
			for (size_t j = i + 1; j < got; j++)
				c->ndiff += c->scratch[j] != p[j];
			break;
		}
	if (got < len)
		note_diff(c, off + got, len - got);
	return 0;
}

static int cmp_finish(void *ctx, struct sess_verdict *v)
{
	struct rb_compare *c = ctx;

	if (c->size < c->file_size)
		note_diff(c, c->size, c->file_size - c->size);
	v->differs = c->ndiff != 0;
	v->first_diff = c->ndiff ? c->first_diff : 0;
	v->ndiff = c->ndiff;
	v->has_crc = 0;
	return 0;
}

struct sess_sink rb_compare_sink(struct rb_compare *c)
{
	struct sess_sink s = {
		.begin = cmp_begin,
		.write = cmp_write,
		.finish = cmp_finish,
		.ctx = c,
	};
	return s;
}

int rb_save_init(struct rb_save *s, const char *path)
{
	if (strlen(path) >= sizeof(s->path))
		return -ENAMETOOLONG;
	strcpy(s->path, path);
	snprintf(s->part, sizeof(s->part), "%s.part", path);
	s->fd = -1;
	s->size = 0;
	return 0;
}

static int save_begin(void *ctx, uint64_t size)
{
	struct rb_save *s = ctx;

	s->fd = open(s->part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->fd < 0)
		return -errno;
	s->size = size;
	if (size) {
		int r = posix_fallocate(s->fd, 0, (off_t)size);

		if (r && r != EOPNOTSUPP && r != EINVAL)
			return -r;
	}
	return 0;
}

static int save_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct rb_save *s = ctx;

	return fio_pwrite(s->fd, buf, len, off);
}

static int save_finish(void *ctx, struct sess_verdict *v)
{
	struct rb_save *s = ctx;
	uint64_t size;
	int r;

	if (fsync(s->fd) < 0)
		return -errno;
	r = rb_file_crc(s->fd, &size, &v->crc);
	if (r < 0)
		return r;
	v->has_crc = 1;
	v->differs = 0;
	return size == s->size ? 0 : -EIO;
}

struct sess_sink rb_save_sink(struct rb_save *s)
{
	struct sess_sink k = {
		.begin = save_begin,
		.write = save_write,
		.finish = save_finish,
		.ctx = s,
	};
	return k;
}

int rb_save_commit(struct rb_save *s)
{
	if (rename(s->part, s->path) < 0)
		return -errno;
	close(s->fd);
	s->fd = -1;
	s->part[0] = '\0';
	return 0;
}

void rb_save_dispose(struct rb_save *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->part[0])
		unlink(s->part);
}
