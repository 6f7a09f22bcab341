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
/* The metadata file is text padded to this length, so that writing it at
 * commit fills space reserved at begin and needs none of its own. */
#define META_LEN 128

struct store_dir {
	char dir[PATH_MAX - 32];
	int part_fd;
	int meta_fd; /* TYPE.meta.part: the open download's metadata, its space taken */
	int part_type;
	int open; /* a download is under way: its files may exist */
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

/* The metadata of the file st describes, padded to META_LEN. The inode,
 * size and modification time let a reader tell it from that of another
 * file put in the same place. */
static void format_meta(char text[META_LEN], const struct stat *st, uint32_t crc)
{
	int n = snprintf(text, META_LEN, "size %llu\ncrc %08x\nino %llu\nmtime %lld.%09ld\n",
			 (unsigned long long)st->st_size, crc, (unsigned long long)st->st_ino,
			 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);

	if (n < 0 || n >= META_LEN)
		n = 0;
	memset(text + n, ' ', (size_t)(META_LEN - n));
	text[META_LEN - 1] = '\n';
}

/* Remember a CRC computed by info: best effort, through TYPE.meta.tmp (not
 * the reservation of an open download, which may be of this very slot). */
static int write_meta(const struct store_dir *s, int type, const struct stat *st, uint32_t crc)
{
	char path[PATH_MAX], tmp[PATH_MAX], text[META_LEN];
	int fd, r = 0;

	slot_path(s, type, "meta", path, sizeof(path));
	slot_path(s, type, "meta.tmp", tmp, sizeof(tmp));
	format_meta(text, st, crc);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fio_pwrite(fd, text, sizeof(text), 0) < 0 || fsync(fd) < 0)
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
	if (s->meta_fd >= 0)
		close(s->meta_fd);
	s->part_fd = -1;
	s->meta_fd = -1;
}

/* Forget the open download: its files go, and the space they took. */
static void discard_part(struct store_dir *s)
{
	char path[PATH_MAX];

	if (!s->open)
		return;
	s->open = 0;
	close_part(s);
	slot_path(s, s->part_type, "part", path, sizeof(path));
	unlink(path);
	slot_path(s, s->part_type, "meta.part", path, sizeof(path));
	unlink(path);
}

/* Take len bytes of space for fd now: 0 or an errno value. */
static int reserve(int fd, off_t len)
{
	int r = posix_fallocate(fd, 0, len);

	if (r == EOPNOTSUPP || r == EINVAL)
		r = ftruncate(fd, len) < 0 ? errno : 0;
	return r;
}

static int st_begin(void *ctx, int type, uint64_t size)
{
	struct store_dir *s = ctx;
	char path[PATH_MAX], text[META_LEN];
	int r;

	discard_part(s);
	s->part_type = type;
	s->open = 1;
	/* Everything commit will write is given its space now, so that a full
	 * disk is found before any data moves and never after the commit
	 * point: the file, and its metadata (written over the placeholder). */
	slot_path(s, type, "meta.part", path, sizeof(path));
	s->meta_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->meta_fd < 0) {
		r = errno;
		goto fail;
	}
	memset(text, ' ', sizeof(text));
	r = -fio_pwrite(s->meta_fd, text, sizeof(text), 0);
	if (!r)
		r = reserve(s->meta_fd, META_LEN);
	if (r)
		goto fail;
	slot_path(s, type, "part", path, sizeof(path));
	s->part_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->part_fd < 0) {
		r = errno;
		goto fail;
	}
	if (size) {
		r = reserve(s->part_fd, (off_t)size);
		if (r)
			goto fail;
	}
	return 0;
fail:
	discard_part(s);
	return -r;
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

/*
 * The commit point is the rename of TYPE.part onto TYPE.bin. Before it the
 * slot is untouched: the part and its metadata are written and synced, and
 * the file being replaced is given a second name, TYPE.prev.tmp. After it
 * the new metadata and TYPE.prev take their names, and nothing can fail the
 * commit any more. A crash in between leaves metadata that names another
 * inode (so it is not trusted) and a TYPE.prev.tmp that store_dir_open
 * settles by comparing it with TYPE.bin.
 */
static int st_commit(void *ctx, uint32_t crc)
{
	struct store_dir *s = ctx;
	char part[PATH_MAX], bin[PATH_MAX], prev[PATH_MAX], prev_tmp[PATH_MAX], meta[PATH_MAX],
		meta_part[PATH_MAX], text[META_LEN];
	struct stat st;
	int r, type = s->part_type, had_bin = 1;

	if (!s->open || s->part_fd < 0)
		return -EBADF;
	slot_path(s, type, "part", part, sizeof(part));
	slot_path(s, type, "bin", bin, sizeof(bin));
	slot_path(s, type, "prev", prev, sizeof(prev));
	slot_path(s, type, "prev.tmp", prev_tmp, sizeof(prev_tmp));
	slot_path(s, type, "meta", meta, sizeof(meta));
	slot_path(s, type, "meta.part", meta_part, sizeof(meta_part));
	r = flush_part(s);
	if (r < 0)
		goto fail;
	if (fsync(s->part_fd) < 0 || fstat(s->part_fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	format_meta(text, &st, crc);
	r = fio_pwrite(s->meta_fd, text, sizeof(text), 0);
	if (r < 0)
		goto fail;
	if (fsync(s->meta_fd) < 0) {
		r = -errno;
		goto fail;
	}
	unlink(prev_tmp);
	if (link(bin, prev_tmp) < 0) {
		if (errno != ENOENT) {
			r = -errno;
			goto fail;
		}
		had_bin = 0;
	}
	if (rename(part, bin) < 0) {
		r = -errno;
		goto fail;
	}
	/* Committed. */
	s->open = 0;
	close_part(s);
	if (s->read_fd[type] >= 0) {
		close(s->read_fd[type]);
		s->read_fd[type] = -1;
	}
	if (rename(meta_part, meta) < 0)
		unlink(meta_part);
	if (had_bin)
		rename(prev_tmp, prev);
	fsync_dir(s);
	return 0;
fail:
	discard_part(s);
	unlink(prev_tmp);
	return r;
}

static void st_abort(void *ctx)
{
	discard_part(ctx);
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

/* What a crash left of slot type: a download cut off never counts; a
 * TYPE.prev.tmp is the replaced file if the commit happened (it is no
 * longer TYPE.bin), else a second name of TYPE.bin to forget. */
static void recover(const struct store_dir *s, int type)
{
	static const char *const scratch[] = {"part", "meta.part", "meta.tmp"};
	char path[PATH_MAX], bin[PATH_MAX], prev[PATH_MAX];
	struct stat pt, bt;

	for (size_t i = 0; i < sizeof(scratch) / sizeof(scratch[0]); i++) {
		slot_path(s, type, scratch[i], path, sizeof(path));
		unlink(path);
	}
	slot_path(s, type, "prev.tmp", path, sizeof(path));
	if (lstat(path, &pt) < 0)
		return;
	slot_path(s, type, "bin", bin, sizeof(bin));
	slot_path(s, type, "prev", prev, sizeof(prev));
	if (stat(bin, &bt) == 0 && bt.st_ino == pt.st_ino && bt.st_dev == pt.st_dev)
		unlink(path);
	else if (rename(path, prev) < 0)
		unlink(path);
}

int store_dir_open(struct board_store *st, const char *dir)
{
	struct store_dir *s;
	struct stat sb;

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
	s->meta_fd = -1;
	for (int t = 0; t < FT_COUNT; t++) {
		s->read_fd[t] = -1;
		if (t)
			recover(s, t);
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
	discard_part(s);
	for (int t = 0; t < FT_COUNT; t++)
		if (s->read_fd[t] >= 0)
			close(s->read_fd[t]);
	free(s->wbuf);
	free(s);
	st->ctx = NULL;
}
