/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "store_dir.h"

#define WBUF_SIZE (1u << 20)

struct store_dir {
	char dir[PATH_MAX - 32];
	int part_fd;
	int part_type;
	int read_fd[FT_COUNT];
	/* Blocks that arrive in order are gathered and written 1 MiB at a time. */
	uint8_t *wbuf;
	uint64_t wbuf_off;
	size_t wbuf_len;
};

static void slot_path(const struct store_dir *s, int type, const char *ext, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s.%s", s->dir, proto_type_name(type), ext);
}

static int fsync_dir(const struct store_dir *s)
{
	int fd = open(s->dir, O_RDONLY | O_DIRECTORY), r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int write_meta(const struct store_dir *s, int type, const struct stat *st, uint32_t crc)
{
	char path[PATH_MAX], tmp[PATH_MAX], text[160];
	int fd, n, r = 0;

	slot_path(s, type, "meta", path, sizeof(path));
	slot_path(s, type, "meta.tmp", tmp, sizeof(tmp));
	n = snprintf(text, sizeof(text), "size %llu\ncrc %08x\nino %llu\nmtime %lld.%09ld\n",
		     (unsigned long long)st->st_size, crc, (unsigned long long)st->st_ino,
		     (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fio_pwrite(fd, text, (size_t)n, 0) < 0 || fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

static int st_info(void *ctx, int type, uint64_t *size, uint32_t *crc)
{
	struct store_dir *s = ctx;
	char path[PATH_MAX], text[160];
	unsigned long long msize, mino;
	long long msec;
	long mnsec;
	unsigned mcrc;
	struct stat st;
	int fd, r;
	ssize_t n;

	slot_path(s, type, "bin", path, sizeof(path));
	if (stat(path, &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	slot_path(s, type, "meta", path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n > 0) {
			text[n] = '\0';
			if (sscanf(text, "size %llu\ncrc %x\nino %llu\nmtime %lld.%ld", &msize,
				   &mcrc, &mino, &msec, &mnsec) == 5 &&
			    msize == (unsigned long long)st.st_size &&
			    mino == (unsigned long long)st.st_ino && msec == st.st_mtim.tv_sec &&
			    mnsec == st.st_mtim.tv_nsec) {
				*crc = mcrc;
				return 0;
			}
		}
	}
	/* No metadata, or it describes another file: compute and remember. */
	slot_path(s, type, "bin", path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fio_crc(fd, size, crc);
	close(fd);
	if (r == 0)
		write_meta(s, type, &st, *crc);
	return r;
}

static int flush_part(struct store_dir *s)
{
	int r = 0;

	if (s->wbuf_len && s->part_fd >= 0)
		r = fio_pwrite(s->part_fd, s->wbuf, s->wbuf_len, s->wbuf_off);
	s->wbuf_len = 0;
	return r;
}

static void close_part(struct store_dir *s)
{
	s->wbuf_len = 0;
	if (s->part_fd >= 0)
		close(s->part_fd);
	s->part_fd = -1;
}

static int st_begin(void *ctx, int type, uint64_t size)
{
	struct store_dir *s = ctx;
	char path[PATH_MAX];
	int r;

	close_part(s);
	slot_path(s, type, "part", path, sizeof(path));
	s->part_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->part_fd < 0)
		return -errno;
	s->part_type = type;
	/* Reserve the space now: a full disk is found before any data moves. */
	if (size) {
		r = posix_fallocate(s->part_fd, 0, (off_t)size);
		if (r == EOPNOTSUPP || r == EINVAL)
			r = ftruncate(s->part_fd, (off_t)size) < 0 ? errno : 0;
		if (r) {
			close_part(s);
			unlink(path);
			return -r;
		}
	}
	return 0;
}

static int st_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct store_dir *s = ctx;
	int r;

	if (s->part_fd < 0)
		return -EBADF;
	if (s->wbuf_len && (off != s->wbuf_off + s->wbuf_len || s->wbuf_len + len > WBUF_SIZE)) {
		r = flush_part(s);
		if (r < 0)
			return r;
	}
	if (len > WBUF_SIZE)
		return fio_pwrite(s->part_fd, buf, len, off);
	if (!s->wbuf_len)
		s->wbuf_off = off;
	memcpy(s->wbuf + s->wbuf_len, buf, len);
	s->wbuf_len += len;
	return 0;
}

static int st_read_new(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct store_dir *s = ctx;
	int r;

	if (s->part_fd < 0)
		return -EBADF;
	r = flush_part(s);
	return r < 0 ? r : fio_pread_exact(s->part_fd, buf, len, off);
}

static int st_commit(void *ctx, uint32_t crc)
{
	struct store_dir *s = ctx;
	char part[PATH_MAX], bin[PATH_MAX], prev[PATH_MAX];
	struct stat st;
	int r = 0, type = s->part_type;

	if (s->part_fd < 0)
		return -EBADF;
	r = flush_part(s);
	slot_path(s, type, "part", part, sizeof(part));
	slot_path(s, type, "bin", bin, sizeof(bin));
	slot_path(s, type, "prev", prev, sizeof(prev));
	if (!r && (fsync(s->part_fd) < 0 || fstat(s->part_fd, &st) < 0))
		r = -errno;
	close_part(s);
	if (r)
		goto fail;
	/* Keep the file being replaced, then swap the new one in atomically. */
	unlink(prev);
	if (link(bin, prev) < 0 && errno != ENOENT) {
		r = -errno;
		goto fail;
	}
	if (rename(part, bin) < 0) {
		r = -errno;
		goto fail;
	}
	if (s->read_fd[type] >= 0) {
		close(s->read_fd[type]);
		s->read_fd[type] = -1;
	}
	r = write_meta(s, type, &st, crc);
	if (r == 0)
		r = fsync_dir(s);
	return r;
fail:
	unlink(part);
	return r;
}

static void st_abort(void *ctx)
{
	struct store_dir *s = ctx;
	char path[PATH_MAX];

	if (s->part_fd < 0)
		return;
	close_part(s);
	slot_path(s, s->part_type, "part", path, sizeof(path));
	unlink(path);
}

static int st_read(void *ctx, int type, uint64_t off, void *buf, size_t len)
{
	struct store_dir *s = ctx;
	char path[PATH_MAX];

	if (type < 1 || type >= FT_COUNT)
		return -EINVAL;
	if (s->read_fd[type] < 0) {
		slot_path(s, type, "bin", path, sizeof(path));
		s->read_fd[type] = open(path, O_RDONLY | O_CLOEXEC);
		if (s->read_fd[type] < 0)
			return -errno;
	}
	return fio_pread_exact(s->read_fd[type], buf, len, off);
}

int store_dir_open(struct board_store *st, const char *dir)
{
	struct store_dir *s;
	struct stat sb;
	char path[PATH_MAX];

	if (stat(dir, &sb) < 0)
		return -errno;
	if (!S_ISDIR(sb.st_mode))
		return -ENOTDIR;
	if (access(dir, W_OK) < 0)
		return -errno;
	if (strlen(dir) >= sizeof(s->dir))
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->wbuf = malloc(WBUF_SIZE);
	if (!s->wbuf) {
		free(s);
		return -ENOMEM;
	}
	strcpy(s->dir, dir);
	s->part_fd = -1;
	for (int t = 0; t < FT_COUNT; t++) {
		s->read_fd[t] = -1;
		/* A download cut off by a crash leaves a .part: it never counts. */
		if (t) {
			slot_path(s, t, "part", path, sizeof(path));
			unlink(path);
		}
	}
	memset(st, 0, sizeof(*st));
	st->info = st_info;
	st->begin = st_begin;
	st->write = st_write;
	st->read_new = st_read_new;
	st->commit = st_commit;
	st->abort = st_abort;
	st->read = st_read;
	st->ctx = s;
	return 0;
}

void store_dir_close(struct board_store *st)
{
	struct store_dir *s = st ? st->ctx : NULL;

	if (!s)
		return;
	st_abort(s);
	for (int t = 0; t < FT_COUNT; t++)
		if (s->read_fd[t] >= 0)
			close(s->read_fd[t]);
	free(s->wbuf);
	free(s);
	st->ctx = NULL;
}
