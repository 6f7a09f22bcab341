/* SPDX-License-Identifier: MIT */
/* devstore_dir: the updatable board's storage as files (see devstore_dir.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "devstore_dir.h"
#include "fileio.h"
#include "frame.h"
#include "proto.h"

#define WBUF_SIZE    (1u << 20)
#define HASH_BUF     (1u << 18)
#define REC_HDR	     16u
#define REC_FILE_LEN (REC_HDR + DEVSTORE_REC_MAX)
#define LOG_SLOT     (8u + DEVSTORE_EVENT_LEN + 4u)
#define LOG_FILE_LEN ((uint64_t)LOG_SLOT * DEVSTORE_LOG_KEEP)
#define NAME_MAX_LEN 64

static const char REC_NAME[] = "device.rec";
static const char SPARE_NAME[] = "device.rec.spare";
static const char SPARE_TMP[] = "device.rec.spare.tmp";
static const char LOG_NAME[] = "device.log";
static const char REC_MAGIC[8] = {'E', 'T', 'H', 'D', 'L', 'R', 'E', 'C'};

struct img {
	uint32_t id;
	int type;
};

struct logslot {
	uint64_t seq;
	uint8_t entry[DEVSTORE_EVENT_LEN];
	int ok;
};

enum health_state { H_NONE, H_RUNNING, H_DONE };

struct dstore {
	int dfd; /* the state directory */
	char *dir;
	struct img *imgs; /* sealed images, sorted by id */
	size_t nimg, capimg;

	/* The open image; in-order writes gathered 1 MiB at a time. */
	int open;
	uint32_t oid;
	int otype;
	uint64_t osize;
	int ofd;
	uint8_t *wbuf;
	uint64_t wbuf_off;
	size_t wbuf_len;

	/* One sealed image kept open for reading. */
	int rfd;
	uint32_t rid;

	int lfd; /* device.log */
	struct logslot *log;
	uint64_t log_last;
	int log_any;

	char *health_cmd;
	uint32_t health_ms;
	int fail_health;
	enum health_state hstate;
	pid_t hpid;
	uint64_t hdeadline_ms;
	int hresult;

	uint64_t (*wall)(void *arg);
	void *wall_arg;
};

/* ---- little helpers ---- */

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void type_name(int type, char *out, size_t cap)
{
	if (type >= 1 && type < FT_COUNT)
		snprintf(out, cap, "%s", proto_type_name(type));
	else
		snprintf(out, cap, "type%d", type);
}

static void img_name(int type, uint32_t id, const char *suffix, char *out, size_t cap)
{
	char t[24];

	type_name(type, t, sizeof(t));
	snprintf(out, cap, "%s.%lu.img%s", t, (unsigned long)id, suffix);
}

static void role_name(int type, const char *role, char *out, size_t cap)
{
	char t[24];

	type_name(type, t, sizeof(t));
	snprintf(out, cap, "%s.%s", t, role);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

/* "TYPE.ID.img" → id, type; 0 if name is not a sealed image's. */
static int parse_img_loose(const char *name, uint32_t *id, int *type)
{
	char stem[NAME_MAX_LEN], *dot, *end;
	size_t n = strlen(name);
	unsigned long v;
	long t;

	if (n <= 4 || n - 4 >= sizeof(stem) || !ends_with(name, ".img"))
		return 0;
	memcpy(stem, name, n - 4);
	stem[n - 4] = '\0';
	dot = strrchr(stem, '.');
	if (!dot || dot == stem || dot[1] < '0' || dot[1] > '9')
		return 0;
	errno = 0;
	v = strtoul(dot + 1, &end, 10);
	if (*end || errno || v == 0 || v > UINT32_MAX)
		return 0;
	*dot = '\0';
	for (int i = 1; i < FT_COUNT; i++)
		if (strcmp(stem, proto_type_name(i)) == 0) {
			*id = (uint32_t)v;
			*type = i;
			return 1;
		}
	if (strncmp(stem, "type", 4) != 0)
		return 0;
	errno = 0;
	t = strtol(stem + 4, &end, 10);
	if (*end || errno || end == stem + 4 || t < INT_MIN || t > INT_MAX)
		return 0;
	*id = (uint32_t)v;
	*type = (int)t;
	return 1;
}

/* Only the name img_name would give (no "config.05.img", "type+9.1.img"). */
static int parse_img(const char *name, uint32_t *id, int *type)
{
	char again[NAME_MAX_LEN];

	if (!parse_img_loose(name, id, type))
		return 0;
	img_name(*type, *id, "", again, sizeof(again));
	return strcmp(again, name) == 0;
}

static int fsync_dir(const struct dstore *s)
{
	return fsync(s->dfd) < 0 ? -errno : 0;
}

/* Take len bytes of space for fd now: 0 or an errno value. */
static int reserve(int fd, uint64_t len)
{
	int r;

	if (!len)
		return 0;
	r = posix_fallocate(fd, 0, (off_t)len);
	if (r == EOPNOTSUPP || r == EINVAL)
		r = ftruncate(fd, (off_t)len) < 0 ? errno : 0;
	return r;
}

/* ---- the image table ---- */

static int find_img(const struct dstore *s, uint32_t id)
{
	for (size_t i = 0; i < s->nimg; i++)
		if (s->imgs[i].id == id)
			return (int)i;
	return -1;
}

static int add_img(struct dstore *s, uint32_t id, int type)
{
	size_t i;

	if (s->nimg == s->capimg) {
		size_t cap = s->capimg ? 2 * s->capimg : 16;
		struct img *p = realloc(s->imgs, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->imgs = p;
		s->capimg = cap;
	}
	for (i = s->nimg; i > 0 && s->imgs[i - 1].id > id; i--)
		s->imgs[i] = s->imgs[i - 1];
	s->imgs[i].id = id;
	s->imgs[i].type = type;
	s->nimg++;
	return 0;
}

static void del_img(struct dstore *s, int i)
{
	memmove(s->imgs + i, s->imgs + i + 1, (s->nimg - (size_t)i - 1) * sizeof(*s->imgs));
	s->nimg--;
}

static void close_reader(struct dstore *s)
{
	if (s->rfd >= 0)
		close(s->rfd);
	s->rfd = -1;
	s->rid = 0;
}

/* An fd on sealed image id, kept for the next read. */
static int reader(struct dstore *s, uint32_t id)
{
	char name[NAME_MAX_LEN];
	int i = find_img(s, id);

	if (i < 0)
		return -ENOENT;
	if (s->rfd >= 0 && s->rid == id)
		return s->rfd;
	close_reader(s);
	img_name(s->imgs[i].type, id, "", name, sizeof(name));
	s->rfd = openat(s->dfd, name, O_RDONLY | O_CLOEXEC);
	if (s->rfd < 0)
		return -errno;
	s->rid = id;
	return s->rfd;
}

/* ---- the spare record ---- */

/* Make sure device.rec.spare holds the space of the largest record. */
static int ensure_spare(struct dstore *s)
{
	struct stat sb;
	int fd, r;

	if (fstatat(s->dfd, SPARE_NAME, &sb, 0) == 0 && sb.st_size == (off_t)REC_FILE_LEN &&
	    (uint64_t)sb.st_blocks * 512u >= REC_FILE_LEN)
		return 0;
	fd = openat(s->dfd, SPARE_TMP, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = reserve(fd, REC_FILE_LEN);
	if (!r && ftruncate(fd, (off_t)REC_FILE_LEN) < 0)
		r = errno;
	close(fd);
	if (!r && renameat(s->dfd, SPARE_TMP, s->dfd, SPARE_NAME) < 0)
		r = errno;
	if (r)
		unlinkat(s->dfd, SPARE_TMP, 0);
	return -r;
}

/* ---- images ---- */

static int flush_open(struct dstore *s)
{
	int r = 0;

	if (s->wbuf_len)
		r = fio_pwrite(s->ofd, s->wbuf, s->wbuf_len, s->wbuf_off);
	s->wbuf_len = 0;
	return r;
}

/* Forget the open image: its file goes, and the space it took. */
static void discard_open(struct dstore *s)
{
	char name[NAME_MAX_LEN];

	if (!s->open)
		return;
	s->open = 0;
	s->wbuf_len = 0;
	if (s->ofd >= 0)
		close(s->ofd);
	s->ofd = -1;
	img_name(s->otype, s->oid, ".part", name, sizeof(name));
	unlinkat(s->dfd, name, 0);
}

/* Is there room for size bytes and one block more, for the directory to
 * grow at seal (the image's final name) and publish (its links)? */
static int room_for(const struct dstore *s, uint64_t size)
{
	struct statvfs sv;
	uint64_t unit;

	if (fstatvfs(s->dfd, &sv) < 0)
		return -errno;
	unit = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
	if (!sv.f_blocks || !unit)
		return 0; /* a file system that does not say */
	return (uint64_t)sv.f_bavail < (size + unit - 1) / unit + 1 ? -ENOSPC : 0;
}

static int ds_img_begin(void *ctx, uint32_t id, int type, uint64_t size)
{
	struct dstore *s = ctx;
	char name[NAME_MAX_LEN];
	int r;

	discard_open(s);
	if (!id)
		return -EINVAL;
	if (size > (uint64_t)INT64_MAX)
		return -EFBIG;
	if (find_img(s, id) >= 0)
		return -EEXIST;
	/* The next record save first, so a failure here leaves no image. */
	r = ensure_spare(s);
	if (r < 0)
		return r;
	r = room_for(s, size);
	if (r < 0)
		return r;
	img_name(type, id, ".part", name, sizeof(name));
	s->ofd = openat(s->dfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->ofd < 0)
		return -errno;
	s->open = 1;
	s->oid = id;
	s->otype = type;
	s->osize = size;
	s->wbuf_len = 0;
	r = reserve(s->ofd, size);
	if (r) {
		discard_open(s);
		return -r;
	}
	return 0;
}

static int ds_img_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct dstore *s = ctx;
	int r;

	if (!s->open)
		return -EBADF;
	if (off > s->osize || len > s->osize - off)
		return -EINVAL;
	if (s->wbuf_len && (off != s->wbuf_off + s->wbuf_len || s->wbuf_len + len > WBUF_SIZE)) {
		r = flush_open(s);
		if (r < 0)
			return r;
	}
	if (len > WBUF_SIZE)
		return fio_pwrite(s->ofd, buf, len, off);
	if (!s->wbuf_len)
		s->wbuf_off = off;
	memcpy(s->wbuf + s->wbuf_len, buf, len);
	s->wbuf_len += len;
	return 0;
}

static int ds_img_read_open(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct dstore *s = ctx;
	int r;

	if (!s->open)
		return -EBADF;
	if (off > s->osize || len > s->osize - off)
		return -EINVAL;
	/* (what is still in the write buffer goes to the file first) */
	r = s->wbuf_len && off < s->wbuf_off + s->wbuf_len && off + len > s->wbuf_off
		    ? flush_open(s)
		    : 0;
	return r < 0 ? r : fio_pread_exact(s->ofd, buf, len, off);
}

static int ds_img_sync(void *ctx)
{
	struct dstore *s = ctx;
	int r;

	if (!s->open)
		return -EBADF;
	r = flush_open(s);
	if (r == 0 && fdatasync(s->ofd) < 0)
		r = -errno;
	return r;
}

static int ds_img_reopen(void *ctx, uint32_t id, int type, uint64_t size)
{
	struct dstore *s = ctx;
	char name[NAME_MAX_LEN];
	struct stat st;

	discard_open(s);
	img_name(type, id, ".part", name, sizeof(name));
	s->ofd = openat(s->dfd, name, O_RDWR | O_CLOEXEC);
	if (s->ofd < 0)
		return -errno;
	if (fstat(s->ofd, &st) < 0 || (uint64_t)st.st_size != size) {
		close(s->ofd);
		s->ofd = -1;
		return -ENOENT;
	}
	s->open = 1;
	s->oid = id;
	s->otype = type;
	s->osize = size;
	s->wbuf_len = 0;
	return 0;
}

static void ds_img_parts_drop(void *ctx, uint32_t keep)
{
	struct dstore *s = ctx;
	struct dirent *e;
	char name[NAME_MAX_LEN];
	DIR *d;
	int fd = fcntl(s->dfd, F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	rewinddir(d); /* (the descriptor's offset is shared with the one scan read) */
	while ((e = readdir(d))) {
		char sealed[NAME_MAX_LEN];
		size_t n = strlen(e->d_name);
		int type;
		uint32_t id;

		if (!ends_with(e->d_name, ".img.part") || n - 5 >= sizeof(sealed))
			continue;
		memcpy(sealed, e->d_name, n - 5);
		sealed[n - 5] = '\0';
		if (keep && parse_img(sealed, &id, &type) && id == keep)
			continue;
		if (s->open) {
			img_name(s->otype, s->oid, ".part", name, sizeof(name));
			if (!strcmp(name, e->d_name))
				continue;
		}
		unlinkat(s->dfd, e->d_name, 0);
	}
	closedir(d);
}

/* The image is durable once its file and its name are: sync the data,
 * rename the part to its final name, sync the directory. */
static int ds_img_seal(void *ctx)
{
	struct dstore *s = ctx;
	char part[NAME_MAX_LEN], name[NAME_MAX_LEN];
	int r;

	if (!s->open)
		return -EBADF;
	img_name(s->otype, s->oid, ".part", part, sizeof(part));
	img_name(s->otype, s->oid, "", name, sizeof(name));
	r = flush_open(s);
	if (r < 0)
		goto fail;
	if (fsync(s->ofd) < 0) {
		r = -errno;
		goto fail;
	}
	r = add_img(s, s->oid, s->otype);
	if (r < 0)
		goto fail;
	if (renameat(s->dfd, part, s->dfd, name) < 0) {
		r = -errno;
		del_img(s, find_img(s, s->oid));
		goto fail;
	}
	r = fsync_dir(s);
	if (r < 0) {
		unlinkat(s->dfd, name, 0);
		del_img(s, find_img(s, s->oid));
		goto fail;
	}
	close(s->ofd);
	s->ofd = -1;
	s->open = 0;
	return 0;
fail:
	discard_open(s);
	return r;
}

static void ds_img_abort(void *ctx)
{
	discard_open(ctx);
}

static int ds_img_read(void *ctx, uint32_t id, uint64_t off, void *buf, size_t len)
{
	struct dstore *s = ctx;
	int fd = reader(s, id);

	return fd < 0 ? fd : fio_pread_exact(fd, buf, len, off);
}

static int same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int ds_img_remove(void *ctx, uint32_t id)
{
	static const char *const roles[] = {"bin", "prev"};
	struct dstore *s = ctx;
	char name[NAME_MAX_LEN], role[NAME_MAX_LEN];
	struct stat ib, rb;
	int i = find_img(s, id);

	if (i < 0)
		return -ENOENT;
	if (s->rid == id)
		close_reader(s);
	img_name(s->imgs[i].type, id, "", name, sizeof(name));
	/* The names publish gave it go first, or its space would stay taken. */
	if (fstatat(s->dfd, name, &ib, 0) == 0)
		for (size_t k = 0; k < sizeof(roles) / sizeof(roles[0]); k++) {
			role_name(s->imgs[i].type, roles[k], role, sizeof(role));
			if (fstatat(s->dfd, role, &rb, AT_SYMLINK_NOFOLLOW) == 0 &&
			    same_inode(&ib, &rb))
				unlinkat(s->dfd, role, 0);
		}
	if (unlinkat(s->dfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	del_img(s, i);
	return 0;
}

static int ds_img_sha256(void *ctx, uint32_t id, uint64_t off, uint64_t len, uint8_t out[32])
{
	struct dstore *s = ctx;
	EVP_MD_CTX *md = NULL;
	uint8_t *buf = NULL;
	unsigned int mdlen = 0;
	struct stat sb;
	int fd = reader(s, id), r = -EIO;

	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0)
		return -errno;
	if (off > (uint64_t)sb.st_size || len > (uint64_t)sb.st_size - off)
		return -EINVAL;
	buf = malloc(HASH_BUF);
	md = EVP_MD_CTX_new();
	if (!buf || !md) {
		r = -ENOMEM;
		goto out;
	}
	if (!EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		goto out;
	while (len) {
		size_t n = len < HASH_BUF ? (size_t)len : HASH_BUF;

		r = fio_pread_exact(fd, buf, n, off);
		if (r < 0)
			goto out;
		r = -EIO;
		if (!EVP_DigestUpdate(md, buf, n))
			goto out;
		off += n;
		len -= n;
	}
	if (EVP_DigestFinal_ex(md, out, &mdlen) && mdlen == 32)
		r = 0;
out:
	EVP_MD_CTX_free(md);
	free(buf);
	return r;
}

static int ds_img_list(void *ctx, uint32_t *ids, int cap)
{
	struct dstore *s = ctx;

	for (size_t i = 0; i < s->nimg && (int)i < cap; i++)
		ids[i] = s->imgs[i].id;
	return (int)s->nimg;
}

/* ---- the record ---- */

static int ds_rec_load(void *ctx, void *buf, size_t cap, size_t *len)
{
	struct dstore *s = ctx;
	uint8_t hdr[REC_HDR];
	uint32_t n;
	size_t got;
	int fd, r;

	fd = openat(s->dfd, REC_NAME, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fio_pread(fd, hdr, sizeof(hdr), 0, &got);
	if (r < 0)
		goto out;
	r = -EBADMSG;
	if (got != sizeof(hdr) || memcmp(hdr, REC_MAGIC, sizeof(REC_MAGIC)) != 0)
		goto out;
	n = get_le32(hdr + 8);
	if (n > DEVSTORE_REC_MAX)
		goto out;
	if (n > cap) {
		r = -EMSGSIZE;
		goto out;
	}
	r = fio_pread(fd, buf, n, REC_HDR, &got);
	if (r < 0)
		goto out;
	r = -EBADMSG;
	if (got != n || frame_crc32(0, buf, n) != get_le32(hdr + 12))
		goto out;
	*len = n;
	r = 0;
out:
	close(fd);
	return r;
}

/*
 * The spare is written and synced, then swapped with device.rec in one
 * rename: the commit point. The old record becomes the next spare, so a
 * save needs no space. Where the file system cannot exchange two names (or
 * there is no record yet) the spare is renamed over device.rec and a new
 * spare made; if that fails the save has still happened, and the next
 * img_begin finds the disk full.
 */
static int ds_rec_save(void *ctx, const void *buf, size_t len)
{
	struct dstore *s = ctx;
	uint8_t hdr[REC_HDR];
	int fd, r;

	if (len > DEVSTORE_REC_MAX)
		return -EMSGSIZE;
	r = ensure_spare(s);
	if (r < 0)
		return r;
	memcpy(hdr, REC_MAGIC, sizeof(REC_MAGIC));
	put_le32(hdr + 8, (uint32_t)len);
	put_le32(hdr + 12, frame_crc32(0, buf, len));
	fd = openat(s->dfd, SPARE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fio_pwrite(fd, hdr, sizeof(hdr), 0);
	if (!r)
		r = fio_pwrite(fd, buf, len, REC_HDR);
	if (!r && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return r;
	if (renameat2(s->dfd, SPARE_NAME, s->dfd, REC_NAME, RENAME_EXCHANGE) == 0) {
		fsync_dir(s);
		return 0;
	}
	if (errno != ENOENT && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -errno;
	if (renameat(s->dfd, SPARE_NAME, s->dfd, REC_NAME) < 0)
		return -errno;
	fsync_dir(s);
	ensure_spare(s);
	return 0;
}

/* Set a name that is not one of our images aside as NAME.orig, so that
 * publish never destroys a file it did not make (a board that ran an
 * older store has its files there). 0 if name is free to take. */
static int set_aside(struct dstore *s, const char *name)
{
	char orig[NAME_MAX_LEN + 8], img[NAME_MAX_LEN];
	struct stat nb, ib;

	if (fstatat(s->dfd, name, &nb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	for (size_t i = 0; i < s->nimg; i++) {
		img_name(s->imgs[i].type, s->imgs[i].id, "", img, sizeof(img));
		if (fstatat(s->dfd, img, &ib, 0) == 0 && same_inode(&nb, &ib))
			return 0;
	}
	snprintf(orig, sizeof(orig), "%s.orig", name);
	if (faccessat(s->dfd, orig, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	return renameat(s->dfd, name, s->dfd, orig) < 0 ? -errno : 0;
}

/* Give one role name to image id (0: take it away), atomically. */
static void publish_one(struct dstore *s, int type, const char *role, uint32_t id)
{
	char name[NAME_MAX_LEN], tmp[NAME_MAX_LEN + 8], img[NAME_MAX_LEN];
	int i = id ? find_img(s, id) : -1;

	role_name(type, role, name, sizeof(name));
	if (set_aside(s, name) < 0)
		return;
	if (i < 0) {
		unlinkat(s->dfd, name, 0);
		return;
	}
	img_name(s->imgs[i].type, id, "", img, sizeof(img));
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	unlinkat(s->dfd, tmp, 0);
	if (linkat(s->dfd, img, s->dfd, tmp, 0) < 0)
		return;
	/* A rename between two names of one file does nothing: tmp stays. */
	renameat(s->dfd, tmp, s->dfd, name);
	unlinkat(s->dfd, tmp, 0);
}

static void ds_publish(void *ctx, int type, uint32_t active, uint32_t previous)
{
	struct dstore *s = ctx;

	publish_one(s, type, "bin", active);
	publish_one(s, type, "prev", previous);
	fsync_dir(s);
}

/* ---- the log ---- */

static void log_encode(uint8_t out[LOG_SLOT], uint64_t seq, const uint8_t *entry)
{
	put_le64(out, seq);
	memcpy(out + 8, entry, DEVSTORE_EVENT_LEN);
	put_le32(out + 8 + DEVSTORE_EVENT_LEN, frame_crc32(0, out, 8 + DEVSTORE_EVENT_LEN));
}

static int ds_log_append(void *ctx, uint64_t seq, const uint8_t entry[DEVSTORE_EVENT_LEN])
{
	struct dstore *s = ctx;
	uint8_t slot[LOG_SLOT];
	uint64_t k = seq % DEVSTORE_LOG_KEEP;
	struct logslot *c = &s->log[k];
	int r;

	if (s->lfd < 0)
		return -EBADF;
	if (s->log_any && seq <= s->log_last)
		return -EINVAL;
	log_encode(slot, seq, entry);
	/* Whatever happens now, the old entry of this slot is gone. */
	c->ok = 0;
	r = fio_pwrite(s->lfd, slot, sizeof(slot), k * LOG_SLOT);
	if (!r && fdatasync(s->lfd) < 0)
		r = -errno;
	if (r < 0)
		return r;
	c->seq = seq;
	memcpy(c->entry, entry, DEVSTORE_EVENT_LEN);
	c->ok = 1;
	s->log_last = seq;
	s->log_any = 1;
	return 0;
}

static int ds_log_read(void *ctx, uint64_t seq, uint64_t *got, uint8_t entry[DEVSTORE_EVENT_LEN])
{
	struct dstore *s = ctx;
	const struct logslot *best = NULL;

	for (uint32_t k = 0; k < DEVSTORE_LOG_KEEP; k++) {
		const struct logslot *c = &s->log[k];

		if (c->ok && c->seq >= seq && (!best || c->seq < best->seq))
			best = c;
	}
	if (!best)
		return 0;
	*got = best->seq;
	memcpy(entry, best->entry, DEVSTORE_EVENT_LEN);
	return 1;
}

/* Open device.log (made and given its space if new: best effort) and read
 * every entry whose CRC holds and that sits in its own slot. */
static int log_open(struct dstore *s)
{
	uint8_t *buf;
	size_t got;
	int r, fresh = 0;

	s->lfd = openat(s->dfd, LOG_NAME, O_RDWR | O_CLOEXEC);
	if (s->lfd < 0 && errno == ENOENT) {
		s->lfd = openat(s->dfd, LOG_NAME, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		fresh = 1;
	}
	if (s->lfd < 0)
		return -errno;
	reserve(s->lfd, LOG_FILE_LEN);
	if (fresh) {
		fsync(s->lfd);
		fsync_dir(s);
	}
	buf = malloc(LOG_FILE_LEN);
	if (!buf)
		return -ENOMEM;
	r = fio_pread(s->lfd, buf, LOG_FILE_LEN, 0, &got);
	for (uint32_t k = 0; r == 0 && k < DEVSTORE_LOG_KEEP && (k + 1) * LOG_SLOT <= got; k++) {
		const uint8_t *p = buf + (size_t)k * LOG_SLOT;
		uint64_t seq = get_le64(p);

		if (frame_crc32(0, p, 8 + DEVSTORE_EVENT_LEN) !=
			    get_le32(p + 8 + DEVSTORE_EVENT_LEN) ||
		    seq % DEVSTORE_LOG_KEEP != k)
			continue;
		s->log[k].seq = seq;
		memcpy(s->log[k].entry, p + 8, DEVSTORE_EVENT_LEN);
		s->log[k].ok = 1;
		if (!s->log_any || seq > s->log_last)
			s->log_last = seq;
		s->log_any = 1;
	}
	free(buf);
	return r;
}

/* ---- the health check ---- */

static void health_stop(struct dstore *s)
{
	if (s->hstate == H_RUNNING) {
		kill(-s->hpid, SIGKILL);
		kill(s->hpid, SIGKILL);
		while (waitpid(s->hpid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	s->hstate = H_NONE;
}

/* In the child: a clean process in its own group, then the command. */
static void health_exec(const struct dstore *s, const char *path, const char *envs[][2])
{
	static const int sigs[] = {SIGPIPE, SIGINT,  SIGTERM, SIGHUP, SIGQUIT,
				   SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM};
	sigset_t none;
	int fd;

	setpgid(0, 0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDONLY);
	if (fd > 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (close_range(3, ~0u, 0) < 0)
		for (long i = 3, max = sysconf(_SC_OPEN_MAX); i < (max > 0 ? max : 1024); i++)
			close((int)i);
	for (int i = 0; envs[i][0]; i++)
		setenv(envs[i][0], envs[i][1], 1);
	execl("/bin/sh", "sh", "-c", s->health_cmd, "ethdl-health", path, (char *)NULL);
	_exit(127);
}

static int ds_health_start(void *ctx, int type, uint32_t id, uint64_t image_off)
{
	struct dstore *s = ctx;
	char path[PATH_MAX], name[NAME_MAX_LEN], off[24], sid[16], tname[24];
	const char *envs[][2] = {{"ETHDL_IMAGE", path},
				 {"ETHDL_IMAGE_OFFSET", off},
				 {"ETHDL_IMAGE_ID", sid},
				 {"ETHDL_TYPE", tname},
				 {NULL, NULL}};
	int i;
	pid_t pid;

	health_stop(s);
	if (!s->health_cmd && !s->fail_health)
		return -ENOSYS;
	i = find_img(s, id);
	if (i < 0)
		return -ENOENT;
	if (s->fail_health) {
		s->hstate = H_DONE;
		s->hresult = -1;
		return 0;
	}
	img_name(s->imgs[i].type, id, "", name, sizeof(name));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", s->dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	snprintf(off, sizeof(off), "%llu", (unsigned long long)image_off);
	snprintf(sid, sizeof(sid), "%lu", (unsigned long)id);
	type_name(type, tname, sizeof(tname));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		health_exec(s, path, envs);
	setpgid(pid, pid);
	s->hpid = pid;
	s->hdeadline_ms = mono_ms() + s->health_ms;
	s->hstate = H_RUNNING;
	return 0;
}

static int ds_health_poll(void *ctx)
{
	struct dstore *s = ctx;
	siginfo_t si;
	int r;

	if (s->hstate == H_DONE)
		return s->hresult;
	if (s->hstate == H_NONE)
		return -1;
	memset(&si, 0, sizeof(si));
	do
		r = waitid(P_PID, (id_t)s->hpid, &si, WEXITED | WNOHANG | WNOWAIT);
	while (r < 0 && errno == EINTR);
	if (r == 0 && si.si_pid == 0) {
		if (mono_ms() < s->hdeadline_ms)
			return 0;
		health_stop(s); /* too long: killed, unhealthy */
		s->hresult = -1;
	} else if (r == 0) {
		/* Ended. Until it is reaped its group id cannot be reused, so
		 * whatever it left running is killed first. */
		kill(-s->hpid, SIGKILL);
		while (waitpid(s->hpid, NULL, 0) < 0 && errno == EINTR)
			;
		s->hresult = si.si_code == CLD_EXITED && si.si_status == 0 ? 1 : -1;
	} else {
		s->hresult = -1; /* lost (a board that ignores SIGCHLD) */
	}
	s->hstate = H_DONE;
	return s->hresult;
}

static uint32_t ds_health_ms(void *ctx)
{
	return ((struct dstore *)ctx)->health_ms;
}

static uint64_t ds_wall_us(void *ctx)
{
	struct dstore *s = ctx;
	struct timespec ts;

	if (s->wall)
		return s->wall(s->wall_arg);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- open, close ---- */

static int is_leftover(const char *name)
{
	/* (an unsealed image may be a download to resume: the device says,
	 * with img_parts_drop) */
	return strcmp(name, SPARE_TMP) == 0 || ends_with(name, ".bin.tmp") ||
	       ends_with(name, ".prev.tmp");
}

/* Settle what a crash left and list the sealed images. */
static int scan(struct dstore *s)
{
	struct dirent *e;
	uint32_t id;
	int fd, type, r = 0;
	DIR *d;

	fd = fcntl(s->dfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (r == 0 && (e = readdir(d))) {
		if (is_leftover(e->d_name))
			unlinkat(s->dfd, e->d_name, 0);
		else if (parse_img(e->d_name, &id, &type) && find_img(s, id) < 0)
			r = add_img(s, id, type);
	}
	closedir(d);
	return r;
}

static void dstore_free(struct dstore *s)
{
	if (!s)
		return;
	/* An open image stays as it is (what img_sync made durable of it):
	 * the device decides at the next open whether it resumes it. */
	if (s->open) {
		flush_open(s);
		close(s->ofd);
		s->ofd = -1;
		s->open = 0;
	}
	health_stop(s);
	close_reader(s);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->dfd >= 0)
		close(s->dfd);
	free(s->log);
	free(s->imgs);
	free(s->wbuf);
	free(s->health_cmd);
	free(s->dir);
	free(s);
}

int devstore_dir_open(struct devstore *st, const char *dir, const struct devstore_dir_opts *o)
{
	struct dstore *s;
	struct stat sb;
	int r = -ENOMEM;

	if (stat(dir, &sb) < 0)
		return -errno;
	if (!S_ISDIR(sb.st_mode))
		return -ENOTDIR;
	if (access(dir, W_OK) < 0)
		return -errno;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dfd = s->lfd = s->ofd = s->rfd = -1;
	s->dir = strdup(dir);
	s->wbuf = malloc(WBUF_SIZE);
	s->log = calloc(DEVSTORE_LOG_KEEP, sizeof(*s->log));
	if (!s->dir || !s->wbuf || !s->log)
		goto fail;
	if (o && o->health_cmd && !(s->health_cmd = strdup(o->health_cmd)))
		goto fail;
	s->health_ms = o && o->health_ms ? o->health_ms : DEVSTORE_DIR_HEALTH_MS;
	s->fail_health = o ? o->fail_health : 0;
	s->wall = o ? o->wall_us : NULL;
	s->wall_arg = o ? o->wall_arg : NULL;
	s->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dfd < 0) {
		r = -errno;
		goto fail;
	}
	r = scan(s);
	if (r < 0)
		goto fail;
	r = log_open(s);
	if (r < 0)
		goto fail;
	ensure_spare(s); /* best effort: img_begin insists */

	memset(st, 0, sizeof(*st));
	st->img_begin = ds_img_begin;
	st->img_write = ds_img_write;
	st->img_read_open = ds_img_read_open;
	st->img_sync = ds_img_sync;
	st->img_reopen = ds_img_reopen;
	st->img_parts_drop = ds_img_parts_drop;
	st->img_seal = ds_img_seal;
	st->img_abort = ds_img_abort;
	st->img_read = ds_img_read;
	st->img_remove = ds_img_remove;
	st->img_sha256 = ds_img_sha256;
	st->img_list = ds_img_list;
	st->rec_load = ds_rec_load;
	st->rec_save = ds_rec_save;
	st->publish = ds_publish;
	st->log_append = ds_log_append;
	st->log_read = ds_log_read;
	st->health_start = ds_health_start;
	st->health_poll = ds_health_poll;
	st->health_ms = ds_health_ms;
	st->wall_us = ds_wall_us;
	st->ctx = s;
	return 0;
fail:
	dstore_free(s);
	return r;
}

void devstore_dir_close(struct devstore *st)
{
	if (!st || st->img_begin != ds_img_begin)
		return;
	dstore_free(st->ctx);
	st->ctx = NULL;
	st->img_begin = NULL;
}
