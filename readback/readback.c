/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "frame.h"
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
	s->fd = -1;
	s->out_fd = -1;
	s->own_out = 0;
	s->size = 0;
	s->crc = 0;
	s->path[0] = s->part[0] = '\0';
	if (strlen(path) >= sizeof(s->path))
		return -ENAMETOOLONG;
	strcpy(s->path, path);
	snprintf(s->part, sizeof(s->part), "%s.part", path);
	return 0;
}

/* The temporary of an output that is a descriptor: made in tmpdir, and
 * unlinked at once so that nothing is left behind. */
static int make_unlinked_tmp(struct rb_save *s, const char *tmpdir)
{
	int r = snprintf(s->part, sizeof(s->part), "%s/ethdl-readback.XXXXXX", tmpdir);

	if (r < 0 || (size_t)r >= sizeof(s->part)) {
		s->part[0] = '\0';
		return -ENAMETOOLONG;
	}
	s->fd = mkostemp(s->part, O_CLOEXEC);
	r = s->fd < 0 ? -errno : 0;
	if (s->fd >= 0)
		unlink(s->part);
	s->part[0] = '\0';
	return r;
}

int rb_save_init_fd(struct rb_save *s, int out_fd, const char *tmpdir)
{
	s->path[0] = '\0';
	s->fd = -1;
	s->out_fd = out_fd;
	s->own_out = 0;
	s->size = 0;
	s->crc = 0;
	return make_unlinked_tmp(s, tmpdir);
}

int rb_save_prepare(struct rb_save *s, const char *tmpdir)
{
	struct stat st;

	if (s->fd >= 0 || s->out_fd >= 0)
		return 0;
	if (stat(s->path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (!S_ISREG(st.st_mode)) {
			s->out_fd = open(s->path, O_WRONLY | O_CLOEXEC);
			if (s->out_fd < 0)
				return -errno;
			s->own_out = 1;
			return make_unlinked_tmp(s, tmpdir);
		}
	}
	s->fd = open(s->part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return s->fd < 0 ? -errno : 0;
}

static int save_begin(void *ctx, uint64_t size)
{
	struct rb_save *s = ctx;

	if (s->fd < 0)
		s->fd = open(s->part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	else if (ftruncate(s->fd, 0) < 0)
		return -errno;
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

	/* A temporary that is only copied out need not reach the disk. */
	if (s->out_fd < 0 && fsync(s->fd) < 0)
		return -errno;
	r = rb_file_crc(s->fd, &size, &v->crc);
	if (r < 0)
		return r;
	s->crc = v->crc;
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

/* Copy the temporary to out_fd; what was copied must have the CRC that was
 * verified. */
static int copy_out(struct rb_save *s)
{
	const size_t cap = 1u << 16;
	uint8_t *buf = malloc(cap);
	uint64_t off = 0;
	uint32_t crc = 0;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	while (off < s->size) {
		size_t got, done = 0;

		r = fio_pread(s->fd, buf, cap, off, &got);
		if (r < 0)
			break;
		if (!got) {
			r = -EIO;
			break;
		}
		if (got > s->size - off)
			got = (size_t)(s->size - off);
		crc = frame_crc32(crc, buf, got);
		while (done < got) {
			ssize_t n = write(s->out_fd, buf + done, got - done);

			if (n < 0) {
				r = -errno;
				break;
			}
			done += (size_t)n;
		}
		if (r < 0)
			break;
		off += got;
	}
	free(buf);
	if (r == 0 && crc != s->crc)
		r = -EIO;
	return r;
}

int rb_save_commit(struct rb_save *s)
{
	int r;

	if (s->out_fd >= 0) {
		r = copy_out(s);
		if (r < 0)
			return r;
	} else if (rename(s->part, s->path) < 0) {
		return -errno;
	}
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
	s->part[0] = '\0';
	if (s->own_out && s->out_fd >= 0)
		close(s->out_fd);
	s->out_fd = -1;
	s->own_out = 0;
}
