/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "frame.h"

#define REC_MAGIC  0x45445652u /* "EDVR" */
#define REC_FORMAT 1u
#define IMG_WIRE   66u /* bytes of one image in the record */
#define SLOT_WIRE  (DEV_ROLES * IMG_WIRE + 1 + 8 + 6)
#define REC_LEN	   (4 + 2 + 2 + 8 + 4 + (FT_COUNT - 1) * SLOT_WIRE)
/* then, when a download is checkpointed: type u8, id u32, size u64, crc u32,
 * block u32, header length u16, header, bits u32, map */
#define CK_FIXED       27u
#define REC_MAX	       (REC_LEN + CK_FIXED + 1500 + DEV_CK_MAP_MAX)
#define CHECK_CHUNK    DEVSTORE_CHECK_PIECE
#define HEALTH_POLL_US 50000u

/* ---- the record, big endian ---- */

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	put_be64(p, v);
	return p + 8;
}

static uint8_t *put_version(uint8_t *p, const struct pkg_version *v)
{
	pkg_version_put(p, v);
	return p + PKG_VERSION_WIRE;
}

static size_t encode_record(const struct board_device *d, uint8_t *buf)
{
	uint8_t *p = buf;

	put_be32(p, REC_MAGIC);
	put_be16(p + 4, REC_FORMAT);
	put_be16(p + 6, 0);
	p = put64(p + 8, d->next_seq);
	put_be32(p, d->next_id);
	p += 4;
	for (int t = 1; t < FT_COUNT; t++) {
		const struct dev_slot *s = &d->slot[t];

		for (int r = 0; r < DEV_ROLES; r++) {
			const struct dev_image *im = &s->img[r];

			put_be32(p, im->id);
			p[4] = im->flags;
			p = put_version(p + 5, &im->version);
			p = put64(p, im->size);
			put_be32(p, im->crc);
			memcpy(p + 4, im->sha256, 32);
			p = put64(p + 36, im->image_off);
		}
		*p++ = s->testing;
		p = put64(p, s->activate_at);
		memcpy(p, s->sched_host, 6);
		p += 6;
	}
	if (d->ck && d->dl != DEV_DL_NONE) {
		*p++ = (uint8_t)d->dl_type;
		put_be32(p, d->dl_id);
		p = put64(p + 4, d->dl_size);
		put_be32(p, d->dl_crc);
		put_be32(p + 4, d->dl_block);
		put_be16(p + 8, (uint16_t)d->dl_hdr_len);
		memcpy(p + 10, d->dl_hdr_raw, d->dl_hdr_len);
		p += 10 + d->dl_hdr_len;
		put_be32(p, d->ck_bits);
		memcpy(p + 4, d->ck_map, (d->ck_bits + 7) / 8);
		p += 4 + (d->ck_bits + 7) / 8;
	}
	return (size_t)(p - buf);
}

static int decode_record(struct board_device *d, const uint8_t *buf, size_t len)
{
	const uint8_t *p = buf;

	if (len < REC_LEN || get_be32(p) != REC_MAGIC || get_be16(p + 4) != REC_FORMAT)
		return -EBADMSG;
	d->next_seq = get_be64(p + 8);
	d->next_id = get_be32(p + 16);
	p += 20;
	for (int t = 1; t < FT_COUNT; t++) {
		struct dev_slot *s = &d->slot[t];

		for (int r = 0; r < DEV_ROLES; r++) {
			struct dev_image *im = &s->img[r];

			im->id = get_be32(p);
			im->flags = p[4];
			pkg_version_get(p + 5, &im->version);
			im->size = get_be64(p + 14);
			im->crc = get_be32(p + 22);
			memcpy(im->sha256, p + 26, 32);
			im->image_off = get_be64(p + 58);
			p += IMG_WIRE;
		}
		s->testing = *p++;
		s->activate_at = get_be64(p);
		memcpy(s->sched_host, p + 8, 6);
		p += 14;
	}
	d->ck = 0;
	if (len > REC_LEN) {
		/* a checkpointed download */
		size_t hl, mb;

		if (len < REC_LEN + CK_FIXED)
			return -EBADMSG;
		d->dl_type = p[0];
		d->dl_id = get_be32(p + 1);
		d->dl_size = get_be64(p + 5);
		d->dl_crc = get_be32(p + 13);
		d->dl_block = get_be32(p + 17);
		hl = get_be16(p + 21);
		if (hl > sizeof(d->dl_hdr_raw) || len < REC_LEN + CK_FIXED + hl)
			return -EBADMSG;
		memcpy(d->dl_hdr_raw, p + 23, hl);
		d->dl_hdr_len = hl;
		p += 23 + hl;
		d->ck_bits = get_be32(p);
		mb = (d->ck_bits + 7) / 8;
		if (mb > sizeof(d->ck_map) || len != REC_LEN + CK_FIXED + hl + mb)
			return -EBADMSG;
		memcpy(d->ck_map, p + 4, mb);
		d->ck = 1;
	}
	return 0;
}

/* The commit point of every change. */
static int save(struct board_device *d)
{
	static uint8_t buf[REC_MAX]; /* one thread; too big for a small stack */
	size_t n = encode_record(d, buf);

	return d->st->rec_save(d->st->ctx, buf, n);
}

static void publish(struct board_device *d, int type)
{
	if (d->st->publish)
		d->st->publish(d->st->ctx, type, d->slot[type].img[DEV_ACTIVE].id,
			       d->slot[type].img[DEV_PREVIOUS].id);
}

static void forget(struct board_device *d, uint32_t id)
{
	if (id)
		d->st->img_remove(d->st->ctx, id);
}

static int referenced(const struct board_device *d, uint32_t id)
{
	if (d->dl != DEV_DL_NONE && d->dl_id == id)
		return 1;
	for (int t = 1; t < FT_COUNT; t++)
		for (int r = 0; r < DEV_ROLES; r++)
			if (d->slot[t].img[r].id == id)
				return 1;
	return 0;
}

static uint32_t new_id(struct board_device *d)
{
	if (!d->next_id)
		d->next_id = 1;
	while (referenced(d, d->next_id) || !d->next_id)
		d->next_id++;
	return d->next_id++;
}

static const struct pkg_version no_version;

static const struct pkg_version *version_of(const struct dev_image *im)
{
	return im->id && (im->flags & DEV_IMG_VERSION) ? &im->version : &no_version;
}

/* ---- the log ---- */

static void log_encode(const struct dev_log_entry *e, uint8_t out[DEVSTORE_EVENT_LEN])
{
	memset(out, 0, DEVSTORE_EVENT_LEN);
	dev_log_wire(e, out);
}

void dev_log_wire(const struct dev_log_entry *e, uint8_t out[DEV_EVENT_WIRE])
{
	uint8_t *p = put64(put64(out, e->seq), e->time);

	p[0] = e->event;
	p[1] = e->type;
	p[2] = e->notice;
	p[3] = 0;
	put_be16(p + 4, e->detail);
	memcpy(p + 6, e->host, 6);
	p = put_version(p + 12, &e->from);
	put_version(p, &e->to);
}

int dev_log(struct board_device *d, enum dev_event ev, int type, int notice, int detail,
	    const uint8_t host[6], const struct pkg_version *from, const struct pkg_version *to)
{
	struct dev_log_entry e = {
		.seq = d->next_seq++,
		.time = dev_wall_us(d),
		.event = (uint8_t)ev,
		.type = (uint8_t)type,
		.notice = (uint8_t)notice,
		.detail = (uint16_t)detail,
	};
	uint8_t buf[DEVSTORE_EVENT_LEN];

	if (host)
		memcpy(e.host, host, 6);
	if (from)
		e.from = *from;
	if (to)
		e.to = *to;
	log_encode(&e, buf);
	return d->st->log_append(d->st->ctx, e.seq, buf);
}

int dev_log_read(const struct board_device *d, uint64_t seq, struct dev_log_entry *e)
{
	uint8_t buf[DEVSTORE_EVENT_LEN];
	uint64_t got;
	const uint8_t *p;

	if (d->st->log_read(d->st->ctx, seq, &got, buf) != 1)
		return 0;
	p = buf;
	e->seq = get_be64(p);
	e->time = get_be64(p + 8);
	e->event = p[16];
	e->type = p[17];
	e->notice = p[18];
	e->detail = get_be16(p + 20);
	memcpy(e->host, p + 22, 6);
	pkg_version_get(p + 28, &e->from);
	pkg_version_get(p + 37, &e->to);
	e->seq = got;
	return 1;
}

/* ---- open ---- */

/* Put back the confirmed previous image of type: its image under test
 * never passed (a failed check, or a board that stopped during it). */
static int roll_back_test(struct board_device *d, int type, enum dev_event why)
{
	struct dev_slot *s = &d->slot[type];
	struct dev_image bad = s->img[DEV_ACTIVE];
	int r;

	s->img[DEV_ACTIVE] = s->img[DEV_PREVIOUS];
	memset(&s->img[DEV_PREVIOUS], 0, sizeof(s->img[DEV_PREVIOUS]));
	s->testing = 0;
	r = save(d);
	if (r < 0) {
		/* nothing changed on disk: still under test, tried again at open */
		s->img[DEV_PREVIOUS] = s->img[DEV_ACTIVE];
		s->img[DEV_ACTIVE] = bad;
		s->testing = 1;
		return r;
	}
	forget(d, bad.id);
	publish(d, type);
	s->outcome = DEV_ACT_ROLLED_BACK;
	s->outcome_from = *version_of(&bad);
	s->outcome_to = *version_of(&s->img[DEV_ACTIVE]);
	if (why)
		dev_log(d, why, type, 0, 0, NULL, version_of(&bad),
			version_of(&s->img[DEV_ACTIVE]));
	dev_log(d, EV_ROLLED_BACK, type, 0, 0, NULL, version_of(&bad),
		version_of(&s->img[DEV_ACTIVE]));
	return 0;
}

int dev_open(struct board_device *d, const struct devstore *st, const struct dev_identity *id)
{
	static uint8_t buf[REC_MAX + 1];
	uint32_t ids[256];
	size_t len = 0;
	int r, n;

	memset(d, 0, sizeof(*d));
	d->st = st;
	d->id = *id;
	r = st->rec_load(st->ctx, buf, sizeof(buf), &len);
	if (r == -ENOENT) {
		d->next_seq = 1;
		d->next_id = 1;
	} else if (r < 0) {
		return r;
	} else if ((r = decode_record(d, buf, len)) < 0) {
		return r;
	}
	if (!d->next_seq)
		d->next_seq = 1;
	/* events logged after the last save: their sequence numbers are taken */
	{
		uint8_t e[DEVSTORE_EVENT_LEN];
		uint64_t got;

		while (st->log_read(st->ctx, d->next_seq, &got, e) == 1 && got >= d->next_seq)
			d->next_seq = got + 1;
	}
	dev_log(d, EV_STARTED, 0, 0, 0, NULL, NULL, NULL);
	for (int t = 1; t < FT_COUNT; t++)
		if (d->slot[t].testing) {
			r = roll_back_test(d, t, EV_HEALTH_FAILED);
			if (r < 0)
				return r;
		}
	/* a download a restart cut off: resumed if the store still has it */
	if (d->ck) {
		struct pkg_header h;

		if (d->dl_type >= 1 && d->dl_type < FT_COUNT &&
		    (!d->dl_hdr_len || pkg_header_parse(d->dl_hdr_raw, d->dl_hdr_len, &h) == 0) &&
		    st->img_reopen(st->ctx, d->dl_id, d->dl_type, d->dl_size) == 0) {
			d->dl = DEV_DL_KEPT;
			d->dl_package = d->dl_hdr_len != 0;
			if (d->dl_package)
				d->dl_hdr = h;
			d->ck_restored = 1;
		} else {
			d->ck = 0;
		}
	}
	st->img_parts_drop(st->ctx, d->dl == DEV_DL_KEPT ? d->dl_id : 0);
	/* what no record names is left from a change that did not happen */
	n = st->img_list(st->ctx, ids, (int)(sizeof(ids) / sizeof(ids[0])));
	for (int i = 0; i < n && i < (int)(sizeof(ids) / sizeof(ids[0])); i++)
		if (!referenced(d, ids[i]))
			st->img_remove(st->ctx, ids[i]);
	for (int t = 1; t < FT_COUNT; t++)
		publish(d, t);
	return 0;
}

void dev_close(struct board_device *d)
{
	/* a checkpointed download stays with the store, to resume after the
	 * restart; anything else is dropped */
	if (!d->ck)
		dev_download_close(d, 0);
}

const struct dev_image *dev_image(const struct board_device *d, int type, enum dev_role role)
{
	if (type < 1 || type >= FT_COUNT || role < 0 || role >= DEV_ROLES ||
	    !d->slot[type].img[role].id)
		return NULL;
	return &d->slot[type].img[role];
}

int dev_read(const struct board_device *d, int type, enum dev_role role, uint64_t off, void *buf,
	     size_t len)
{
	const struct dev_image *im = dev_image(d, type, role);

	if (!im)
		return -ENOENT;
	if (off > im->size || len > im->size - off)
		return -EINVAL;
	return d->st->img_read(d->st->ctx, im->id, off, buf, len);
}

/* ---- packages ---- */

static uint32_t pack_version(const struct pkg_version *v)
{
	return (uint32_t)v->n[0] << 16 | v->n[1];
}

static void key_id_hex(const struct pkg_header *h, const uint8_t *hdr, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = 0;
	for (unsigned i = 0; i < h->key_id_len && n + 3 <= cap; i++, n += 2)
		snprintf(out + n, cap - n, "%02x", hdr[h->key_id_off + i]);
}

/* Who signed it, and can it be decrypted, before a byte of data is taken:
 * 0 or a refusal detail. */
static int check_authentic(const struct board_device *d, const struct pkg_header *h,
			   const uint8_t *hdr, char *why, size_t why_cap)
{
	const struct dev_crypto *c = d->id.crypto;
	char id[2 * 32 + 1];
	int r;

	if ((h->flags & PKG_F_ENCRYPTED) && !(c && c->decrypt_begin)) {
		/* its image is ciphertext: staging it would stage what this
		 * board cannot check, let alone run */
		snprintf(why, why_cap,
			 "package is encrypted and this board holds no key to decrypt it");
		return D_NO_KEY;
	}
	if (!c || !c->trusts_keys)
		return 0;
	if (!h->sig_off) {
		snprintf(why, why_cap,
			 "package is not signed; this board takes only signed packages");
		return D_UNSIGNED;
	}
	key_id_hex(h, hdr, id, sizeof(id));
	r = c->verify ? c->verify(c->ctx, h, hdr) : -1;
	if (r == 1) {
		snprintf(why, why_cap,
			 "package is signed by key %s, which this board does not trust", id);
		return D_UNTRUSTED;
	}
	if (r == -2) {
		snprintf(why, why_cap, "package signature or key id is not Ed25519's");
		return D_PKG;
	}
	if (r != 0) {
		snprintf(why, why_cap, "package signature by key %s does not check", id);
		return D_SIGNATURE;
	}
	return 0;
}

int dev_plain_check(const struct board_device *d, int type, char *why, size_t why_cap)
{
	const struct dev_crypto *c = d->id.crypto;

	if (c && type > 0 && type < FT_COUNT && (c->signed_only & 1u << type)) {
		snprintf(why, why_cap, "%s takes only signed packages, not a plain file",
			 proto_type_name(type));
		return D_UNSIGNED;
	}
	return 0;
}

int dev_package_check(const struct board_device *d, int type, const uint8_t *hdr, size_t hdr_len,
		      struct pkg_header *out, uint32_t *expected, uint32_t *got, char *why,
		      size_t why_cap)
{
	const struct dev_image *active = dev_image(d, type, DEV_ACTIVE);
	char a[PKG_VERSION_STRMAX], p[PKG_VERSION_STRMAX];
	int r = pkg_header_parse(hdr, hdr_len, out);

	*expected = *got = 0;
	if (r < 0) {
		snprintf(why, why_cap, "package header refused: %s", pkg_strerror(r));
		return D_PKG;
	}
	if (out->hdr_len != hdr_len) {
		snprintf(why, why_cap, "package header is %u bytes, FILE_INFO carried %zu",
			 out->hdr_len, hdr_len);
		return D_PKG;
	}
	r = check_authentic(d, out, hdr, why, why_cap);
	if (r)
		return r;
	if (out->type != type) {
		snprintf(why, why_cap, "package is for %s, not %s", proto_type_name(out->type),
			 proto_type_name(type));
		return D_POLICY;
	}
	if (strcmp(out->vendor, d->id.vendor) || strcmp(out->model, d->id.model)) {
		snprintf(why, why_cap, "package is for %s %s, this board is %s %s", out->vendor,
			 out->model, d->id.vendor, d->id.model);
		return D_POLICY;
	}
	if (!pkg_header_has_target(out, hdr, d->id.serial)) {
		snprintf(why, why_cap, "serial %s is not among the package's %u targets",
			 d->id.serial, out->target_count);
		return D_NOT_TARGET;
	}
	if (active && (active->flags & DEV_IMG_VERSION) && !d->id.allow_downgrade &&
	    pkg_version_cmp(&out->version, &active->version) <= 0) {
		pkg_version_format(&active->version, a, sizeof(a));
		pkg_version_format(&out->version, p, sizeof(p));
		*expected = pack_version(&active->version);
		*got = pack_version(&out->version);
		snprintf(why, why_cap, "version %s is not newer than the active %s", p, a);
		return D_NOT_NEWER;
	}
	return 0;
}

/* ---- download ---- */

static void drop_download(struct board_device *d)
{
	if (d->dl != DEV_DL_NONE)
		d->st->img_abort(d->st->ctx);
	d->dl = DEV_DL_NONE;
	d->ck = 0;
	d->ck_restored = 0;
	d->dl_hdr_len = 0;
}

int dev_download_begin(struct board_device *d, int type, uint64_t size, uint32_t crc,
		       unsigned block, const struct pkg_header *hdr, int resume)
{
	uint32_t id;
	int r;

	if (d->dl == DEV_DL_KEPT && resume && type == d->dl_type && size == d->dl_size &&
	    crc == d->dl_crc && block == d->dl_block && !!hdr == d->dl_package &&
	    (!hdr || !memcmp(hdr->sha256, d->dl_hdr.sha256, 32))) {
		d->dl = DEV_DL_OPEN;
		d->vr_off = 0; /* what was stored is checked again from the start */
		d->vr_crc = 0;
		return 1;
	}
	drop_download(d);
	id = new_id(d);
	r = d->st->img_begin(d->st->ctx, id, type, size);
	if (r < 0)
		return r;
	d->dl = DEV_DL_OPEN;
	d->vr_off = 0;
	d->vr_crc = 0;
	d->dl_type = type;
	d->dl_id = id;
	d->dl_size = size;
	d->dl_crc = crc;
	d->dl_block = block;
	d->dl_package = !!hdr;
	if (hdr)
		d->dl_hdr = *hdr;
	return 0;
}

void dev_download_header(struct board_device *d, const uint8_t *hdr, size_t len)
{
	if (len <= sizeof(d->dl_hdr_raw)) {
		memcpy(d->dl_hdr_raw, hdr, len);
		d->dl_hdr_len = len;
	}
}

int dev_download_checkpoint(struct board_device *d, const uint8_t *map, uint32_t nbits)
{
	size_t mb = (nbits + 7) / 8;
	int r;

	if (d->dl == DEV_DL_NONE)
		return -EINVAL;
	if (mb > sizeof(d->ck_map) || (d->dl_package && !d->dl_hdr_len))
		return -EFBIG;
	r = d->st->img_sync(d->st->ctx);
	if (r < 0)
		return r;
	memcpy(d->ck_map, map, mb);
	d->ck_bits = nbits;
	d->ck = 1;
	r = save(d);
	if (r < 0)
		d->ck = 0;
	return r;
}

const uint8_t *dev_download_restored(const struct board_device *d, uint32_t *nbits)
{
	if (!d->ck_restored || d->dl == DEV_DL_NONE)
		return NULL;
	*nbits = d->ck_bits;
	return d->ck_map;
}

int dev_download_write(void *dev, uint64_t off, const void *buf, size_t len)
{
	struct board_device *d = dev;

	if (d->dl != DEV_DL_OPEN || off > d->dl_size || len > d->dl_size - off)
		return -EINVAL;
	return d->st->img_write(d->st->ctx, off, buf, len);
}

int dev_download_rewrite(struct board_device *d, uint64_t off, const void *buf, size_t len)
{
	int r = dev_download_write(d, off, buf, len);

	if (r == 0 && off < d->vr_off) {
		d->vr_off = 0; /* the CRC checked so far no longer covers what is stored */
		d->vr_crc = 0;
	}
	return r;
}

int dev_download_read(const struct board_device *d, uint64_t off, void *buf, size_t len)
{
	if (d->dl != DEV_DL_OPEN || off > d->dl_size || len > d->dl_size - off)
		return -EINVAL;
	return d->st->img_read_open(d->st->ctx, off, buf, len);
}

int dev_file_sha256(const struct board_device *d, int type, enum dev_role role, uint8_t out[32])
{
	const struct dev_image *im = dev_image(d, type, role);

	if (!im)
		return -ENOENT;
	return d->st->img_sha256(d->st->ctx, im->id, 0, im->size, out);
}

int dev_download_verify(struct board_device *d, uint64_t upto, size_t budget)
{
	static uint8_t buf[CHECK_CHUNK];
	uint64_t end;

	if (d->dl != DEV_DL_OPEN)
		return -EINVAL;
	end = upto < d->dl_size ? upto : d->dl_size;
	if (budget && end > d->vr_off && end - d->vr_off > budget)
		end = d->vr_off + budget;
	/* in whole pieces until the end: the store sees every read of this
	 * pass as one piece at a multiple of CHECK_CHUNK, or the last one */
	if (end < d->dl_size && end > d->vr_off)
		end -= (end - d->vr_off) % CHECK_CHUNK;
	while (d->vr_off < end) {
		size_t n = end - d->vr_off < sizeof(buf) ? (size_t)(end - d->vr_off) : sizeof(buf);
		int r = d->st->img_read_open(d->st->ctx, d->vr_off, buf, n);

		if (r < 0)
			return r;
		d->vr_crc = frame_crc32(d->vr_crc, buf, n);
		d->vr_off += n;
	}
	return 0;
}

/* CRC of what the store holds of the open download: what was not checked
 * as it came is read now. */
static int stored_crc(struct board_device *d, uint32_t *crc)
{
	int r = dev_download_verify(d, d->dl_size, 0);

	*crc = d->vr_crc;
	return r;
}

int dev_image_digest(struct board_device *d, int type, enum dev_role role, uint8_t out[32])
{
	struct dev_image *im;
	int r;

	if (!dev_image(d, type, role))
		return -ENOENT;
	im = &d->slot[type].img[role];
	if (!(im->flags & DEV_IMG_SHA)) {
		r = d->st->img_sha256(d->st->ctx, im->id, 0, im->size, im->sha256);
		if (r < 0)
			return r;
		im->flags |= DEV_IMG_SHA; /* kept by the next save */
	}
	memcpy(out, im->sha256, 32);
	return 0;
}

/* An encrypted package's image, read back from the store, decrypted and
 * checked against its tag and plaintext digest: 0, -EACCES (it fails
 * either), -EPROTO (no header to check it with), or -errno. */
static int check_plaintext(struct board_device *d, uint32_t id)
{
	static uint8_t buf[CHECK_CHUNK];
	const struct dev_crypto *c = d->id.crypto;
	const struct pkg_header *h = &d->dl_hdr;
	const uint8_t *raw = d->dl_hdr_raw;
	uint64_t off = h->hdr_len, end = off + h->image_size;
	int r;

	if (!c || !c->decrypt_begin || d->dl_hdr_len != h->hdr_len)
		return -EPROTO;
	if (c->decrypt_begin(c->ctx, h, raw) < 0)
		return -EIO;
	for (r = 0; r == 0 && off < end; off += CHECK_CHUNK) {
		size_t n = end - off < CHECK_CHUNK ? (size_t)(end - off) : CHECK_CHUNK;

		r = d->st->img_read(d->st->ctx, id, off, buf, n);
		if (r == 0 && c->decrypt_update(c->ctx, buf, n) < 0)
			r = -EIO;
	}
	/* end is always called: it frees what begin took */
	switch (c->decrypt_end(c->ctx, h, raw)) {
	case 0: return r;
	case 1:
	case 2: return r ? r : -EACCES;
	default: return r ? r : -EIO;
	}
}

int dev_download_commit(struct board_device *d, const uint8_t host[6], uint32_t *got)
{
	struct dev_slot *s;
	struct dev_image im = {0}, old_prev, old_staged;
	enum dev_role role;
	int r, type = d->dl_type;

	if (d->dl != DEV_DL_OPEN)
		return -EINVAL;
	s = &d->slot[type];
	r = stored_crc(d, got);
	if (r == 0 && *got != d->dl_crc)
		r = -EBADMSG;
	if (r == 0)
		r = d->st->img_seal(d->st->ctx);
	if (r < 0) {
		drop_download(d);
		d->downloads_failed++;
		return r;
	}
	d->dl = DEV_DL_NONE; /* sealed: from here on it is an image to forget on failure */
	d->ck = 0;	     /* (and the next save drops the checkpoint) */
	d->ck_restored = 0;
	im.id = d->dl_id;
	im.size = d->dl_size;
	im.crc = *got;
	if (d->dl_package) {
		im.flags = DEV_IMG_PACKAGE | DEV_IMG_VERSION | DEV_IMG_SHA;
		im.version = d->dl_hdr.version;
		im.image_off = d->dl_hdr.hdr_len;
		r = d->dl_size == im.image_off + d->dl_hdr.image_size ? 0 : -EPROTO;
		if (r == 0)
			r = d->st->img_sha256(d->st->ctx, im.id, im.image_off, d->dl_hdr.image_size,
					      im.sha256);
		if (r == 0 && memcmp(im.sha256, d->dl_hdr.sha256, 32))
			r = -EPROTO;
		if (r == 0 && (d->dl_hdr.flags & PKG_F_ENCRYPTED))
			r = check_plaintext(d, im.id);
	}
	if (r < 0) {
		forget(d, im.id);
		d->downloads_failed++;
		return r;
	}
	dev_log(d, EV_VERIFIED, type, 0, 0, host, version_of(&s->img[DEV_ACTIVE]), version_of(&im));
	/* the change, in one save */
	old_prev = s->img[DEV_PREVIOUS];
	old_staged = s->img[DEV_STAGED];
	role = d->dl_package ? DEV_STAGED : DEV_ACTIVE;
	if (role == DEV_ACTIVE) {
		s->img[DEV_PREVIOUS] = s->img[DEV_ACTIVE];
		s->img[DEV_ACTIVE] = im;
	} else {
		s->img[DEV_STAGED] = im;
		s->activate_at = 0;
	}
	r = save(d);
	if (r < 0) {
		if (role == DEV_ACTIVE) {
			s->img[DEV_ACTIVE] = s->img[DEV_PREVIOUS];
			s->img[DEV_PREVIOUS] = old_prev;
		} else {
			s->img[DEV_STAGED] = old_staged;
		}
		forget(d, im.id);
		d->downloads_failed++;
		return r;
	}
	forget(d, role == DEV_ACTIVE ? old_prev.id : old_staged.id);
	publish(d, type);
	d->downloads_ok++;
	if (role == DEV_STAGED) {
		s->outcome = DEV_ACT_NONE;
		dev_log(d, EV_STAGED, type, 0, 0, host, version_of(&s->img[DEV_ACTIVE]),
			version_of(&im));
	}
	return 0;
}

void dev_download_close(struct board_device *d, int keep)
{
	if (d->dl == DEV_DL_NONE)
		return;
	if (keep) {
		d->dl = DEV_DL_KEPT;
		return;
	}
	if (d->dl == DEV_DL_OPEN)
		d->downloads_failed++;
	drop_download(d);
}

/* ---- activation ---- */

/* Staged → active, active → previous, under test: one save, then the check. */
static int switch_in(struct board_device *d, int type, const uint8_t host[6])
{
	struct dev_slot *s = &d->slot[type];
	struct dev_image old_prev = s->img[DEV_PREVIOUS], old_active = s->img[DEV_ACTIVE];
	struct dev_image staged = s->img[DEV_STAGED];
	uint64_t at = s->activate_at;
	int r;

	s->img[DEV_PREVIOUS] = old_active;
	s->img[DEV_ACTIVE] = staged;
	memset(&s->img[DEV_STAGED], 0, sizeof(s->img[DEV_STAGED]));
	s->activate_at = 0;
	s->testing = old_active.id != 0;
	r = save(d);
	if (r < 0) {
		s->img[DEV_PREVIOUS] = old_prev;
		s->img[DEV_ACTIVE] = old_active;
		s->img[DEV_STAGED] = staged;
		s->activate_at = at;
		s->testing = 0;
		return r;
	}
	forget(d, old_prev.id);
	publish(d, type);
	s->outcome_from = *version_of(&old_active);
	s->outcome_to = *version_of(&staged);
	dev_log(d, EV_ACTIVATED, type, 0, 0, host, &s->outcome_from, &s->outcome_to);
	if (!s->testing) {
		/* nothing to go back to: the first image is confirmed as it is */
		s->outcome = DEV_ACT_ACTIVATED;
		return DEV_ACT_ACTIVATED;
	}
	r = d->st->health_start(d->st->ctx, type, staged.id, staged.image_off);
	if (r == -ENOSYS) {
		s->testing = 0;
		if (save(d) < 0)
			s->testing = 1; /* tried again by dev_poll */
		else {
			s->outcome = DEV_ACT_ACTIVATED;
			return DEV_ACT_ACTIVATED;
		}
	} else if (r < 0) {
		roll_back_test(d, type, EV_HEALTH_FAILED);
		return DEV_ACT_ROLLED_BACK;
	}
	d->testing_type = type;
	s->outcome = DEV_ACT_TESTING;
	return DEV_ACT_TESTING;
}

/* The slot of type, if nothing is under test and it holds an image in
 * role; else NULL and *err. */
static struct dev_slot *free_slot(struct board_device *d, int type, enum dev_role role, int *err)
{
	struct dev_slot *s;

	*err = -EINVAL;
	if (type < 1 || type >= FT_COUNT)
		return NULL;
	s = &d->slot[type];
	*err = s->testing || d->testing_type ? -EBUSY : !s->img[role].id ? -ENOENT : 0;
	return *err ? NULL : s;
}

int dev_activate(struct board_device *d, int type, uint64_t at, const uint8_t host[6])
{
	int r;
	struct dev_slot *s = free_slot(d, type, DEV_STAGED, &r);
	uint64_t old;

	if (!s)
		return r;
	if (!at)
		return switch_in(d, type, host);
	old = s->activate_at;
	s->activate_at = at;
	if (host)
		memcpy(s->sched_host, host, 6);
	r = save(d);
	if (r < 0) {
		s->activate_at = old;
		return r;
	}
	s->outcome = DEV_ACT_SCHEDULED;
	s->outcome_from = *version_of(&s->img[DEV_ACTIVE]);
	s->outcome_to = *version_of(&s->img[DEV_STAGED]);
	dev_log(d, EV_SCHEDULED, type, 0, 0, host, &s->outcome_from, &s->outcome_to);
	return DEV_ACT_SCHEDULED;
}

uint64_t dev_wall_us(const struct board_device *d)
{
	return d->st->wall_us(d->st->ctx);
}

uint32_t dev_health_ms(const struct board_device *d)
{
	return d->st->health_ms ? d->st->health_ms(d->st->ctx) : 0;
}

uint64_t dev_board_time(const struct board_device *d, uint64_t host_now, uint64_t host_at)
{
	uint64_t wall = dev_wall_us(d);

	return host_at > host_now ? wall + (host_at - host_now) : wall;
}

int dev_rollback(struct board_device *d, int type, const uint8_t host[6])
{
	int r;
	struct dev_slot *s = free_slot(d, type, DEV_PREVIOUS, &r);
	struct dev_image a;

	if (!s)
		return r;
	a = s->img[DEV_ACTIVE];
	s->img[DEV_ACTIVE] = s->img[DEV_PREVIOUS];
	s->img[DEV_PREVIOUS] = a;
	r = save(d);
	if (r < 0) {
		s->img[DEV_PREVIOUS] = s->img[DEV_ACTIVE];
		s->img[DEV_ACTIVE] = a;
		return r;
	}
	publish(d, type);
	s->outcome = DEV_ACT_ROLLED_BACK;
	s->outcome_from = *version_of(&a);
	s->outcome_to = *version_of(&s->img[DEV_ACTIVE]);
	dev_log(d, EV_ROLLED_BACK, type, 0, 0, host, &s->outcome_from, &s->outcome_to);
	return DEV_ACT_ROLLED_BACK;
}

enum dev_act dev_act_state(const struct board_device *d, int type, struct pkg_version *from,
			   struct pkg_version *to, uint64_t *at)
{
	const struct dev_slot *s = &d->slot[type];

	*from = s->outcome_from;
	*to = s->outcome_to;
	*at = s->activate_at;
	if (s->activate_at && s->img[DEV_STAGED].id)
		return DEV_ACT_SCHEDULED;
	if (s->testing)
		return DEV_ACT_TESTING;
	return s->outcome;
}

uint64_t dev_poll(struct board_device *d)
{
	uint64_t now = dev_wall_us(d), next = UINT64_MAX;

	if (d->testing_type) {
		int t = d->testing_type, h = d->st->health_poll(d->st->ctx);
		struct dev_slot *s = &d->slot[t];

		if (h > 0) {
			s->testing = 0;
			if (save(d) < 0) {
				s->testing = 1; /* asked again at the next poll */
			} else {
				d->testing_type = 0;
				s->outcome = DEV_ACT_ACTIVATED;
				dev_log(d, EV_HEALTH_OK, t, 0, 0, NULL, &s->outcome_from,
					&s->outcome_to);
			}
		} else if (h < 0) {
			d->testing_type = 0;
			if (roll_back_test(d, t, EV_HEALTH_FAILED) < 0)
				d->testing_type = t;
		}
		if (d->testing_type)
			return now + HEALTH_POLL_US;
	}
	for (int t = 1; t < FT_COUNT; t++) {
		struct dev_slot *s = &d->slot[t];

		if (!s->activate_at || !s->img[DEV_STAGED].id)
			continue;
		if (s->activate_at <= now && !d->testing_type) {
			switch_in(d, t, s->sched_host);
			if (d->testing_type)
				return now + HEALTH_POLL_US;
		} else if (s->activate_at < next) {
			next = s->activate_at;
		}
	}
	return next;
}
