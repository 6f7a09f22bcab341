/* SPDX-License-Identifier: MIT */
/* mem_devstore: a devstore in memory that can fail and crash (see mem_devstore.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mem_devstore.h"

#define PUB_TYPES 16

struct mimg {
	uint32_t id;
	int type;
	uint64_t size;
	uint8_t *data;
};

struct mlog {
	uint64_t seq;
	uint8_t entry[DEVSTORE_EVENT_LEN];
	int ok;
};

struct mem {
	struct mimg *imgs; /* sealed */
	size_t nimg, capimg;
	struct mimg open; /* open.data != NULL: an image is open */
	struct mimg part; /* what img_sync made durable of an unsealed image */

	uint8_t rec[DEVSTORE_REC_MAX];
	size_t rec_len;
	int has_rec, rec_damaged;

	struct mlog log[DEVSTORE_LOG_KEEP];
	uint64_t log_last;
	int log_any;

	uint32_t pub[PUB_TYPES][2];

	uint64_t capacity;
	uint64_t wall;

	enum mem_health health;
	unsigned health_polls;
	uint32_t health_ms;
	int hrunning; /* 0 none, 1 running */
	unsigned hleft;
	int hlast_set, hlast_type;
	uint32_t hlast_id;
	uint64_t hlast_off;

	unsigned fail_step, crash_step; /* absolute step numbers, 0: none */
	int fail_err;
	int crashed;

	struct mem_devstore_calls calls;
};

/* Count one mutating call: 0 to go on, or what it must return. */
static int step(struct mem *m)
{
	unsigned n;

	if (m->crashed)
		return -EIO;
	n = ++m->calls.steps;
	if (m->crash_step && n >= m->crash_step) {
		m->crashed = 1;
		return -EIO;
	}
	if (m->fail_step == n) {
		m->fail_step = 0;
		return m->fail_err;
	}
	return 0;
}

static int find(const struct mem *m, uint32_t id)
{
	for (size_t i = 0; i < m->nimg; i++)
		if (m->imgs[i].id == id)
			return (int)i;
	return -1;
}

static uint64_t used(const struct mem *m)
{
	uint64_t u = m->open.data ? m->open.size : 0;

	for (size_t i = 0; i < m->nimg; i++)
		u += m->imgs[i].size;
	return u;
}

static void drop_open(struct mem *m)
{
	free(m->open.data);
	memset(&m->open, 0, sizeof(m->open));
}

static void drop_part(struct mem *m)
{
	free(m->part.data);
	memset(&m->part, 0, sizeof(m->part));
}

static int m_img_sync(void *ctx)
{
	struct mem *m = ctx;
	uint8_t *copy;
	int r = step(m);

	if (r < 0)
		return r;
	if (!m->open.data)
		return -EBADF;
	copy = malloc((size_t)m->open.size + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, m->open.data, (size_t)m->open.size);
	drop_part(m);
	m->part = m->open;
	m->part.data = copy;
	return 0;
}

static int m_img_reopen(void *ctx, uint32_t id, int type, uint64_t size)
{
	struct mem *m = ctx;

	if (m->crashed)
		return -EIO;
	drop_open(m);
	if (!m->part.data || m->part.id != id || m->part.type != type || m->part.size != size)
		return -ENOENT;
	m->open = m->part;
	m->open.data = malloc((size_t)size + 1);
	if (!m->open.data) {
		memset(&m->open, 0, sizeof(m->open));
		return -ENOMEM;
	}
	memcpy(m->open.data, m->part.data, (size_t)size);
	return 0;
}

static void m_img_parts_drop(void *ctx, uint32_t keep)
{
	struct mem *m = ctx;

	if (!m->crashed && m->part.data && m->part.id != keep && m->part.id != m->open.id)
		drop_part(m);
}

static int m_img_begin(void *ctx, uint32_t id, int type, uint64_t size)
{
	struct mem *m = ctx;
	int r;

	m->calls.img_begin++;
	r = step(m);
	if (r < 0)
		return r;
	drop_open(m);
	if (!id)
		return -EINVAL;
	if (find(m, id) >= 0)
		return -EEXIST;
	if (size > SIZE_MAX - 1 || (m->capacity && used(m) + size > m->capacity))
		return -ENOSPC;
	m->open.data = calloc(1, (size_t)size + 1);
	if (!m->open.data)
		return -ENOMEM;
	m->open.id = id;
	m->open.type = type;
	m->open.size = size;
	return 0;
}

static int m_img_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct mem *m = ctx;
	int r;

	m->calls.img_write++;
	r = step(m);
	if (r < 0)
		return r;
	if (!m->open.data)
		return -EBADF;
	if (off > m->open.size || len > m->open.size - off)
		return -EINVAL;
	memcpy(m->open.data + off, buf, len);
	return 0;
}

static int m_img_read_open(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct mem *m = ctx;

	m->calls.img_read_open++;
	if (m->crashed)
		return -EIO;
	if (!m->open.data)
		return -EBADF;
	if (off > m->open.size || len > m->open.size - off)
		return -EINVAL;
	memcpy(buf, m->open.data + off, len);
	return 0;
}

static int m_img_seal(void *ctx)
{
	struct mem *m = ctx;
	size_t i;
	int r;

	m->calls.img_seal++;
	r = step(m);
	if (r < 0)
		return r;
	if (!m->open.data)
		return -EBADF;
	if (m->nimg == m->capimg) {
		size_t cap = m->capimg ? 2 * m->capimg : 8;
		struct mimg *p = realloc(m->imgs, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->imgs = p;
		m->capimg = cap;
	}
	for (i = m->nimg; i > 0 && m->imgs[i - 1].id > m->open.id; i--)
		m->imgs[i] = m->imgs[i - 1];
	m->imgs[i] = m->open;
	m->nimg++;
	if (m->part.id == m->open.id)
		drop_part(m);
	memset(&m->open, 0, sizeof(m->open));
	return 0;
}

static void m_img_abort(void *ctx)
{
	struct mem *m = ctx;

	m->calls.img_abort++;
	if (!m->crashed) {
		if (m->part.id == m->open.id)
			drop_part(m);
		drop_open(m);
	}
}

static int m_img_read(void *ctx, uint32_t id, uint64_t off, void *buf, size_t len)
{
	struct mem *m = ctx;
	int i;

	m->calls.img_read++;
	if (m->crashed)
		return -EIO;
	i = find(m, id);
	if (i < 0)
		return -ENOENT;
	if (off > m->imgs[i].size || len > m->imgs[i].size - off)
		return -EIO;
	memcpy(buf, m->imgs[i].data + off, len);
	return 0;
}

static int m_img_remove(void *ctx, uint32_t id)
{
	struct mem *m = ctx;
	int i, r;

	m->calls.img_remove++;
	r = step(m);
	if (r < 0)
		return r;
	i = find(m, id);
	if (i < 0)
		return -ENOENT;
	free(m->imgs[i].data);
	memmove(m->imgs + i, m->imgs + i + 1, (m->nimg - (size_t)i - 1) * sizeof(*m->imgs));
	m->nimg--;
	return 0;
}

static int m_img_sha256(void *ctx, uint32_t id, uint64_t off, uint64_t len, uint8_t out[32])
{
	struct mem *m = ctx;
	unsigned int n = 0;
	int i;

	m->calls.img_sha256++;
	if (m->crashed)
		return -EIO;
	i = find(m, id);
	if (i < 0)
		return -ENOENT;
	if (off > m->imgs[i].size || len > m->imgs[i].size - off)
		return -EINVAL;
	if (!EVP_Digest(m->imgs[i].data + off, (size_t)len, out, &n, EVP_sha256(), NULL) || n != 32)
		return -EIO;
	return 0;
}

static int m_img_list(void *ctx, uint32_t *ids, int cap)
{
	struct mem *m = ctx;

	m->calls.img_list++;
	if (m->crashed)
		return -EIO;
	for (size_t i = 0; i < m->nimg && (int)i < cap; i++)
		ids[i] = m->imgs[i].id;
	return (int)m->nimg;
}

static int m_rec_load(void *ctx, void *buf, size_t cap, size_t *len)
{
	struct mem *m = ctx;

	m->calls.rec_load++;
	if (m->crashed)
		return -EIO;
	if (!m->has_rec)
		return -ENOENT;
	if (m->rec_damaged)
		return -EBADMSG;
	if (m->rec_len > cap)
		return -EMSGSIZE;
	memcpy(buf, m->rec, m->rec_len);
	*len = m->rec_len;
	return 0;
}

static int m_rec_save(void *ctx, const void *buf, size_t len)
{
	struct mem *m = ctx;
	int r;

	m->calls.rec_save++;
	r = step(m);
	if (r < 0)
		return r;
	if (len > DEVSTORE_REC_MAX)
		return -EMSGSIZE;
	memcpy(m->rec, buf, len);
	m->rec_len = len;
	m->has_rec = 1;
	m->rec_damaged = 0;
	return 0;
}

static void m_publish(void *ctx, int type, uint32_t active, uint32_t previous)
{
	struct mem *m = ctx;

	m->calls.publish++;
	if (m->crashed || type < 0 || type >= PUB_TYPES)
		return;
	m->pub[type][0] = active;
	m->pub[type][1] = previous;
}

static int m_log_append(void *ctx, uint64_t seq, const uint8_t entry[DEVSTORE_EVENT_LEN])
{
	struct mem *m = ctx;
	struct mlog *e = &m->log[seq % DEVSTORE_LOG_KEEP];
	int r;

	m->calls.log_append++;
	r = step(m);
	if (r < 0)
		return r;
	if (m->log_any && seq <= m->log_last)
		return -EINVAL;
	e->seq = seq;
	memcpy(e->entry, entry, DEVSTORE_EVENT_LEN);
	e->ok = 1;
	m->log_last = seq;
	m->log_any = 1;
	return 0;
}

static int m_log_read(void *ctx, uint64_t seq, uint64_t *got, uint8_t entry[DEVSTORE_EVENT_LEN])
{
	struct mem *m = ctx;
	const struct mlog *best = NULL;

	m->calls.log_read++;
	if (m->crashed)
		return -EIO;
	for (size_t k = 0; k < DEVSTORE_LOG_KEEP; k++)
		if (m->log[k].ok && m->log[k].seq >= seq && (!best || m->log[k].seq < best->seq))
			best = &m->log[k];
	if (!best)
		return 0;
	*got = best->seq;
	memcpy(entry, best->entry, DEVSTORE_EVENT_LEN);
	return 1;
}

static int m_health_start(void *ctx, int type, uint32_t id, uint64_t image_off)
{
	struct mem *m = ctx;

	m->calls.health_start++;
	if (m->crashed)
		return -EIO;
	m->hrunning = 0;
	if (m->health == MEM_HEALTH_NONE)
		return -ENOSYS;
	if (find(m, id) < 0)
		return -ENOENT;
	m->hrunning = 1;
	m->hleft = m->health_polls;
	m->hlast_set = 1;
	m->hlast_type = type;
	m->hlast_id = id;
	m->hlast_off = image_off;
	return 0;
}

static int m_health_poll(void *ctx)
{
	struct mem *m = ctx;

	m->calls.health_poll++;
	if (m->crashed || !m->hrunning)
		return -1;
	if (m->hleft) {
		m->hleft--;
		return 0;
	}
	return m->health == MEM_HEALTH_PASS ? 1 : -1;
}

static uint32_t m_health_ms(void *ctx)
{
	struct mem *m = ctx;

	m->calls.health_ms++;
	return m->health_ms;
}

static uint64_t m_wall_us(void *ctx)
{
	struct mem *m = ctx;

	m->calls.wall_us++;
	return m->wall;
}

int mem_devstore_open(struct devstore *st)
{
	struct mem *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->wall = 1700000000000000ull;
	m->health_ms = 10000;
	memset(st, 0, sizeof(*st));
	st->img_begin = m_img_begin;
	st->img_write = m_img_write;
	st->img_read_open = m_img_read_open;
	st->img_sync = m_img_sync;
	st->img_reopen = m_img_reopen;
	st->img_parts_drop = m_img_parts_drop;
	st->img_seal = m_img_seal;
	st->img_abort = m_img_abort;
	st->img_read = m_img_read;
	st->img_remove = m_img_remove;
	st->img_sha256 = m_img_sha256;
	st->img_list = m_img_list;
	st->rec_load = m_rec_load;
	st->rec_save = m_rec_save;
	st->publish = m_publish;
	st->log_append = m_log_append;
	st->log_read = m_log_read;
	st->health_start = m_health_start;
	st->health_poll = m_health_poll;
	st->health_ms = m_health_ms;
	st->wall_us = m_wall_us;
	st->ctx = m;
	return 0;
}

static struct mem *mem_of(const struct devstore *st)
{
	return st && st->img_begin == m_img_begin ? st->ctx : NULL;
}

void mem_devstore_close(struct devstore *st)
{
	struct mem *m = mem_of(st);

	if (!m)
		return;
	drop_open(m);
	drop_part(m);
	for (size_t i = 0; i < m->nimg; i++)
		free(m->imgs[i].data);
	free(m->imgs);
	free(m);
	st->ctx = NULL;
	st->img_begin = NULL;
}

void mem_devstore_fail_at(struct devstore *st, unsigned step_no, int err)
{
	struct mem *m = mem_of(st);

	if (!m)
		return;
	m->fail_step = step_no ? m->calls.steps + step_no : 0;
	m->fail_err = err;
}

void mem_devstore_crash_at(struct devstore *st, unsigned step_no)
{
	struct mem *m = mem_of(st);

	if (m)
		m->crash_step = step_no ? m->calls.steps + step_no : 0;
}

int mem_devstore_crashed(const struct devstore *st)
{
	struct mem *m = mem_of(st);

	return m ? m->crashed : 0;
}

void mem_devstore_reboot(struct devstore *st)
{
	struct mem *m = mem_of(st);

	if (!m)
		return;
	drop_open(m);
	m->crashed = 0;
	m->crash_step = 0;
	m->fail_step = 0;
	m->hrunning = 0;
}

void mem_devstore_set_capacity(struct devstore *st, uint64_t bytes)
{
	struct mem *m = mem_of(st);

	if (m)
		m->capacity = bytes;
}

void mem_devstore_damage_record(struct devstore *st)
{
	struct mem *m = mem_of(st);

	if (m)
		m->rec_damaged = 1;
}

void mem_devstore_set_wall(struct devstore *st, uint64_t us)
{
	struct mem *m = mem_of(st);

	if (m)
		m->wall = us;
}

void mem_devstore_advance_wall(struct devstore *st, uint64_t us)
{
	struct mem *m = mem_of(st);

	if (m)
		m->wall += us;
}

void mem_devstore_set_health(struct devstore *st, enum mem_health h, unsigned polls, uint32_t ms)
{
	struct mem *m = mem_of(st);

	if (!m)
		return;
	m->health = h;
	m->health_polls = polls;
	m->health_ms = ms;
}

int mem_devstore_last_health(const struct devstore *st, int *type, uint32_t *id,
			     uint64_t *image_off)
{
	struct mem *m = mem_of(st);

	if (!m || !m->hlast_set)
		return 0;
	*type = m->hlast_type;
	*id = m->hlast_id;
	*image_off = m->hlast_off;
	return 1;
}

const struct mem_devstore_calls *mem_devstore_calls(const struct devstore *st)
{
	struct mem *m = mem_of(st);

	return m ? &m->calls : NULL;
}

void mem_devstore_published(const struct devstore *st, int type, uint32_t *active,
			    uint32_t *previous)
{
	struct mem *m = mem_of(st);

	*active = *previous = 0;
	if (!m || type < 0 || type >= PUB_TYPES)
		return;
	*active = m->pub[type][0];
	*previous = m->pub[type][1];
}

const uint8_t *mem_devstore_image(const struct devstore *st, uint32_t id, uint64_t *size, int *type)
{
	struct mem *m = mem_of(st);
	int i = m ? find(m, id) : -1;

	if (i < 0)
		return NULL;
	if (size)
		*size = m->imgs[i].size;
	if (type)
		*type = m->imgs[i].type;
	return m->imgs[i].data;
}
