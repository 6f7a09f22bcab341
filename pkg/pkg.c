/* SPDX-License-Identifier: MIT */
#include "pkg.h"

#include <string.h>

#include "frame.h"
#include "proto.h"

/* ---- versions ---- */

int pkg_version_parse(const char *s, struct pkg_version *v)
{
	struct pkg_version r;
	const char *p = s;

	if (!s || !v)
		return -PKG_E_VERSION;
	memset(&r, 0, sizeof(r));
	for (;;) {
		uint32_t n = 0;
		int digits = 0;

		if (r.count == 4)
			return -PKG_E_VERSION;
		if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
			return -PKG_E_VERSION; /* leading zero */
		while (*p >= '0' && *p <= '9') {
			n = n * 10u + (uint32_t)(*p - '0');
			if (n > 65535u)
				return -PKG_E_VERSION;
			p++;
			digits++;
		}
		if (digits == 0)
			return -PKG_E_VERSION;
		r.n[r.count++] = (uint16_t)n;
		if (*p == '\0')
			break;
		if (*p != '.')
			return -PKG_E_VERSION;
		p++;
	}
	*v = r;
	return 0;
}

int pkg_version_cmp(const struct pkg_version *a, const struct pkg_version *b)
{
	for (int i = 0; i < 4; i++) {
		unsigned x = i < a->count ? a->n[i] : 0u;
		unsigned y = i < b->count ? b->n[i] : 0u;

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

int pkg_version_format(const struct pkg_version *v, char *out, size_t cap)
{
	char tmp[PKG_VERSION_STRMAX];
	size_t len = 0;

	if (v->count < 1 || v->count > 4)
		return -PKG_E_VERSION;
	for (int i = 0; i < v->count; i++) {
		char digits[5];
		int nd = 0;
		unsigned n = v->n[i];

		if (i)
			tmp[len++] = '.';
		do {
			digits[nd++] = (char)('0' + n % 10u);
			n /= 10u;
		} while (n);
		while (nd)
			tmp[len++] = digits[--nd];
	}
	if (!out || cap < len + 1)
		return -PKG_E_NOSPACE;
	memcpy(out, tmp, len);
	out[len] = '\0';
	return (int)len;
}

void pkg_version_put(uint8_t out[PKG_VERSION_WIRE], const struct pkg_version *v)
{
	out[0] = v->count;
	for (int i = 0; i < 4; i++)
		put_be16(out + 1 + 2 * i, v->n[i]);
}

int pkg_version_get(const uint8_t in[PKG_VERSION_WIRE], struct pkg_version *v)
{
	memset(v, 0, sizeof(*v));
	if (in[0] > 4)
		return -PKG_E_VERSION;
	v->count = in[0];
	for (int i = 0; i < 4; i++)
		v->n[i] = get_be16(in + 1 + 2 * i);
	return 0;
}

/* ---- strings ---- */

static int valid_bytes(const uint8_t *s, size_t len, uint8_t lowest)
{
	if (len < 1 || len > PKG_STR_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < lowest || s[i] > 0x7E)
			return 0;
	return 1;
}

/* strlen that stops looking past max (strnlen is not C99). */
static size_t len_upto(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int pkg_valid_name(const char *s)
{
	return s && valid_bytes((const uint8_t *)s, len_upto(s, PKG_STR_MAX + 1), 0x20);
}

int pkg_valid_serial(const char *s)
{
	return s && valid_bytes((const uint8_t *)s, len_upto(s, PKG_STR_MAX + 1), 0x21);
}

/* ---- header ---- */

int pkg_header_need(const uint8_t *buf, size_t len, size_t *hdr_len)
{
	uint16_t n;

	if (!buf || len < PKG_FIXED_LEN)
		return -PKG_E_TRUNCATED;
	if (memcmp(buf, PKG_MAGIC, PKG_MAGIC_LEN) != 0)
		return -PKG_E_MAGIC;
	if (get_be16(buf + 8) != PKG_FORMAT)
		return -PKG_E_FORMAT;
	n = get_be16(buf + 10);
	if (n < PKG_HDR_MIN || n > PKG_HDR_MAX)
		return -PKG_E_HDR_LEN;
	if (hdr_len)
		*hdr_len = n;
	return 0;
}

/* Which TLVs may appear once; bit (type) set when seen. */
static int seen_once(uint32_t *seen, uint8_t type)
{
	uint32_t bit = 1u << (type & 31u);

	if (*seen & bit)
		return -PKG_E_DUPLICATE;
	*seen |= bit;
	return 0;
}

#define BIT(t) (1u << ((t)&31u))
#define REQUIRED                                                                                   \
	(BIT(PKG_T_VENDOR) | BIT(PKG_T_MODEL) | BIT(PKG_T_VERSION) | BIT(PKG_T_TYPE) |             \
	 BIT(PKG_T_BUILD_TIME) | BIT(PKG_T_IMAGE_SIZE) | BIT(PKG_T_SHA256))

static int read_version(const uint8_t *v, size_t len, struct pkg_version *out)
{
	if (len < 2 || len > 8 || len % 2)
		return -PKG_E_VERSION;
	memset(out, 0, sizeof(*out));
	out->count = (uint8_t)(len / 2);
	for (unsigned i = 0; i < out->count; i++)
		out->n[i] = get_be16(v + 2 * i);
	return 0;
}

static int read_tlv(struct pkg_header *h, uint32_t *seen, uint8_t type, const uint8_t *v,
		    size_t len, size_t off)
{
	int rc;

	switch (type) {
	case PKG_T_VENDOR:
	case PKG_T_MODEL:
		if ((rc = seen_once(seen, type)) != 0)
			return rc;
		if (!valid_bytes(v, len, 0x20))
			return -PKG_E_FIELD;
		memcpy(type == PKG_T_VENDOR ? h->vendor : h->model, v, len);
		(type == PKG_T_VENDOR ? h->vendor : h->model)[len] = '\0';
		return 0;
	case PKG_T_VERSION:
		if ((rc = seen_once(seen, type)) != 0)
			return rc;
		return read_version(v, len, &h->version);
	case PKG_T_TYPE:
		if ((rc = seen_once(seen, type)) != 0)
			return rc;
		if (len != 1 || v[0] < FT_CONFIG || v[0] > FT_REDUNDANCY)
			return -PKG_E_FIELD;
		h->type = v[0];
		return 0;
	case PKG_T_BUILD_TIME:
	case PKG_T_IMAGE_SIZE:
		if ((rc = seen_once(seen, type)) != 0)
			return rc;
		if (len != 8)
			return -PKG_E_FIELD;
		if (type == PKG_T_BUILD_TIME) {
			h->build_time = get_be64(v);
		} else {
			h->image_size = get_be64(v);
			if (h->image_size > PKG_IMAGE_MAX)
				return -PKG_E_TOO_BIG;
		}
		return 0;
	case PKG_T_SHA256:
		if ((rc = seen_once(seen, type)) != 0)
			return rc;
		if (len != PKG_SHA256_LEN)
			return -PKG_E_FIELD;
		memcpy(h->sha256, v, PKG_SHA256_LEN);
		return 0;
	case PKG_T_TARGET:
		if (h->target_count >= PKG_MAX_TARGETS)
			return -PKG_E_TARGETS;
		if (!valid_bytes(v, len, 0x21))
			return -PKG_E_FIELD;
		h->target_count++;
		return 0;
	case PKG_T_KEY_ID:
		if ((rc = seen_once(seen, type)) != 0)
			return rc;
		if (len < 1 || len > 32)
			return -PKG_E_FIELD;
		h->key_id_off = (uint16_t)off;
		h->key_id_len = (uint16_t)len;
		return 0;
	case PKG_T_SIGNATURE:
		if ((rc = seen_once(seen, type)) != 0)
			return rc;
		if (len < 1 || len > 512)
			return -PKG_E_FIELD;
		h->sig_off = (uint16_t)off;
		h->sig_len = (uint16_t)len;
		h->signed_len = (uint16_t)(off - PKG_TLV_HDR_LEN);
		return 0;
	case PKG_T_GCM_NONCE:
	case PKG_T_GCM_TAG:
		if ((rc = seen_once(seen, type)) != 0)
			return rc;
		if (len != (type == PKG_T_GCM_NONCE ? 12u : 16u))
			return -PKG_E_FIELD;
		*(type == PKG_T_GCM_NONCE ? &h->nonce_off : &h->tag_off) = (uint16_t)off;
		return 0;
	case PKG_T_PLAIN_SHA256:
		if ((rc = seen_once(seen, type)) != 0)
			return rc;
		if (len != PKG_SHA256_LEN)
			return -PKG_E_FIELD;
		h->plain_off = (uint16_t)off;
		return 0;
	case PKG_T_HDR_CRC:
		/* Only the last TLV may be the CRC; the caller stops before it. */
		return -PKG_E_TLV;
	default: return 0; /* unknown: skipped */
	}
}

int pkg_header_parse(const uint8_t *buf, size_t len, struct pkg_header *h)
{
	size_t hdr_len, off, crc_at, sig_end = 0;
	uint32_t seen = 0;
	int rc;

	if ((rc = pkg_header_need(buf, len, &hdr_len)) != 0)
		return rc;
	if (len < hdr_len)
		return -PKG_E_TRUNCATED;
	memset(h, 0, sizeof(*h));
	h->format = PKG_FORMAT;
	h->hdr_len = (uint16_t)hdr_len;
	h->flags = get_be16(buf + 12);

	/* The CRC first: a damaged header is told apart from a badly made one. */
	crc_at = hdr_len - PKG_CRC_TLV_LEN;
	if (buf[crc_at] != PKG_T_HDR_CRC || get_be16(buf + crc_at + 1) != 4u)
		return -PKG_E_CRC;
	h->crc = get_be32(buf + crc_at + 3);
	if (frame_crc32(0, buf, hdr_len - 4) != h->crc)
		return -PKG_E_CRC;
	if (h->flags & ~PKG_F_KNOWN)
		return -PKG_E_FLAGS;

	for (off = PKG_FIXED_LEN; off < crc_at;) {
		uint8_t type;
		size_t l;

		if (crc_at - off < PKG_TLV_HDR_LEN)
			return -PKG_E_TLV;
		type = buf[off];
		l = get_be16(buf + off + 1);
		off += PKG_TLV_HDR_LEN;
		if (l > crc_at - off)
			return -PKG_E_TLV;
		if ((rc = read_tlv(h, &seen, type, buf + off, l, off)) != 0)
			return rc;
		off += l;
		if (type == PKG_T_SIGNATURE)
			sig_end = off;
	}
	if (off != crc_at)
		return -PKG_E_TLV;
	if (h->sig_off && sig_end != crc_at)
		return -PKG_E_TLV; /* the signature must be second to last */

	if ((seen & REQUIRED) != REQUIRED)
		return -PKG_E_MISSING;
	if (!h->key_id_off != !h->sig_off)
		return -PKG_E_MISSING;
	if (h->flags & PKG_F_ENCRYPTED) {
		if (!h->nonce_off || !h->tag_off)
			return -PKG_E_MISSING;
	} else if (h->nonce_off || h->tag_off || h->plain_off) {
		return -PKG_E_FIELD;
	}
	return 0;
}

/* ---- write ---- */

struct wr {
	uint8_t *buf;
	size_t cap, len;
	int overflow;
};

static void put_tlv(struct wr *w, uint8_t type, const void *v, size_t len)
{
	if (w->overflow || len > 0xFFFFu || w->cap - w->len < PKG_TLV_HDR_LEN + len) {
		w->overflow = 1;
		return;
	}
	w->buf[w->len] = type;
	put_be16(w->buf + w->len + 1, (uint16_t)len);
	if (len)
		memcpy(w->buf + w->len + PKG_TLV_HDR_LEN, v, len);
	w->len += PKG_TLV_HDR_LEN + len;
}

int pkg_header_write(const struct pkg_header *h, const char *const *targets, size_t ntargets,
		     uint8_t *buf, size_t cap)
{
	if (h->flags != 0)
		return -PKG_E_FLAGS;
	return pkg_header_write_ext(h, targets, ntargets, NULL, buf, cap);
}

int pkg_gcm_aad(const struct pkg_header *h, const uint8_t *hdr, uint8_t *aad, size_t cap)
{
	size_t a;

	if (!(h->flags & PKG_F_ENCRYPTED) || !h->tag_off)
		return -PKG_E_FIELD;
	a = h->sig_off ? h->signed_len : (size_t)h->hdr_len - PKG_CRC_TLV_LEN;
	if (cap < a)
		return -PKG_E_NOSPACE;
	memcpy(aad, hdr, a);
	memset(aad + h->tag_off, 0, 16); /* the GCM tag */
	return (int)a;
}

int pkg_header_reseal(uint8_t *buf, size_t hdr_len)
{
	if (!buf || hdr_len < PKG_HDR_MIN || hdr_len > PKG_HDR_MAX)
		return -PKG_E_HDR_LEN;
	put_be32(buf + hdr_len - 4, frame_crc32(0, buf, hdr_len - 4));
	return 0;
}

int pkg_header_write_ext(const struct pkg_header *h, const char *const *targets, size_t ntargets,
			 const struct pkg_extra *x, uint8_t *buf, size_t cap)
{
	struct wr w;
	uint8_t tmp[8], ver[8];
	uint32_t crc;

	if (!pkg_valid_name(h->vendor) || !pkg_valid_name(h->model))
		return -PKG_E_FIELD;
	if (h->type < FT_CONFIG || h->type > FT_REDUNDANCY)
		return -PKG_E_FIELD;
	int enc = x && x->plain_sha256, sig = x && x->key_id;

	if (x && (!x->plain_sha256 != !x->nonce || !x->nonce != !x->tag))
		return -PKG_E_FIELD;
	if (x && (!x->key_id != !x->sig))
		return -PKG_E_FIELD;
	if (sig && (x->key_id_len < 1 || x->key_id_len > 32 || x->sig_len < 1 || x->sig_len > 512))
		return -PKG_E_FIELD;
	if (h->version.count < 1 || h->version.count > 4)
		return -PKG_E_VERSION;
	if (h->image_size > PKG_IMAGE_MAX)
		return -PKG_E_TOO_BIG;
	if (ntargets > PKG_MAX_TARGETS)
		return -PKG_E_TARGETS;
	for (size_t i = 0; i < ntargets; i++)
		if (!pkg_valid_serial(targets[i]))
			return -PKG_E_FIELD;
	if (!buf)
		return -PKG_E_NOSPACE;

	w.buf = buf;
	w.cap = cap < PKG_HDR_MAX ? cap : PKG_HDR_MAX;
	w.len = PKG_FIXED_LEN;
	w.overflow = w.cap < PKG_FIXED_LEN;
	if (w.overflow)
		return -PKG_E_NOSPACE;

	put_tlv(&w, PKG_T_VENDOR, h->vendor, strlen(h->vendor));
	put_tlv(&w, PKG_T_MODEL, h->model, strlen(h->model));
	for (unsigned i = 0; i < h->version.count; i++)
		put_be16(ver + 2 * i, h->version.n[i]);
	put_tlv(&w, PKG_T_VERSION, ver, 2u * h->version.count);
	put_tlv(&w, PKG_T_TYPE, &h->type, 1);
	put_be64(tmp, h->build_time);
	put_tlv(&w, PKG_T_BUILD_TIME, tmp, 8);
	for (size_t i = 0; i < ntargets; i++)
		put_tlv(&w, PKG_T_TARGET, targets[i], strlen(targets[i]));
	put_be64(tmp, h->image_size);
	put_tlv(&w, PKG_T_IMAGE_SIZE, tmp, 8);
	put_tlv(&w, PKG_T_SHA256, h->sha256, PKG_SHA256_LEN);
	if (enc) {
		put_tlv(&w, PKG_T_PLAIN_SHA256, x->plain_sha256, PKG_SHA256_LEN);
		put_tlv(&w, PKG_T_GCM_NONCE, x->nonce, 12);
		put_tlv(&w, PKG_T_GCM_TAG, x->tag, 16);
	}
	if (sig) {
		put_tlv(&w, PKG_T_KEY_ID, x->key_id, x->key_id_len);
		put_tlv(&w, PKG_T_SIGNATURE, x->sig, x->sig_len);
	}
	put_tlv(&w, PKG_T_HDR_CRC, "\0\0\0\0", 4);
	if (w.overflow)
		return -PKG_E_NOSPACE;

	memcpy(buf, PKG_MAGIC, PKG_MAGIC_LEN);
	put_be16(buf + 8, PKG_FORMAT);
	put_be16(buf + 10, (uint16_t)w.len);
	put_be16(buf + 12, enc ? PKG_F_ENCRYPTED : 0);
	crc = frame_crc32(0, buf, w.len - 4);
	put_be32(buf + w.len - 4, crc);
	return (int)w.len;
}

/* ---- targets ---- */

const uint8_t *pkg_header_target(const struct pkg_header *h, const uint8_t *hdr, unsigned i,
				 size_t *len)
{
	size_t off = PKG_FIXED_LEN, end;

	if (!h || !hdr || i >= h->target_count || h->hdr_len < PKG_HDR_MIN)
		return NULL;
	end = (size_t)h->hdr_len - PKG_CRC_TLV_LEN;
	while (end - off >= PKG_TLV_HDR_LEN) {
		size_t l = get_be16(hdr + off + 1);

		if (l > end - off - PKG_TLV_HDR_LEN)
			return NULL;
		if (hdr[off] == PKG_T_TARGET && i-- == 0) {
			if (len)
				*len = l;
			return hdr + off + PKG_TLV_HDR_LEN;
		}
		off += PKG_TLV_HDR_LEN + l;
	}
	return NULL;
}

int pkg_header_has_target(const struct pkg_header *h, const uint8_t *hdr, const char *serial)
{
	size_t n, off = PKG_FIXED_LEN, end;

	if (!h || !serial)
		return 0;
	if (h->target_count == 0)
		return 1;
	if (!hdr || h->hdr_len < PKG_HDR_MIN)
		return 0;
	n = len_upto(serial, PKG_STR_MAX + 1);
	end = (size_t)h->hdr_len - PKG_CRC_TLV_LEN;
	while (end - off >= PKG_TLV_HDR_LEN) {
		size_t l = get_be16(hdr + off + 1);

		if (l > end - off - PKG_TLV_HDR_LEN)
			return 0;
		if (hdr[off] == PKG_T_TARGET && l == n &&
		    memcmp(hdr + off + PKG_TLV_HDR_LEN, serial, n) == 0)
			return 1;
		off += PKG_TLV_HDR_LEN + l;
	}
	return 0;
}

const char *pkg_strerror(int err)
{
	static const char *const msg[PKG_ERR_COUNT] = {
		"ok",
		"package is shorter than its header",
		"not a package (bad magic)",
		"package format version not supported",
		"header length out of bounds",
		"unknown header flag",
		"header CRC mismatch (header damaged)",
		"malformed TLV in header",
		"required header field missing",
		"header field repeated",
		"header field value invalid",
		"invalid image version",
		"image size too big",
		"too many target serials",
		"buffer too small for the header",
		"image length differs from the header",
		"image SHA-256 mismatch",
		"I/O error reading the image",
		"crypto library error",
		"signature invalid",
		"signed by an untrusted key",
		"package is not signed",
		"AES-GCM tag mismatch (wrong key, or the package was altered)",
		"decrypted image SHA-256 mismatch",
	};

	if (err < 0 && err > -PKG_ERR_COUNT)
		err = -err;
	return err >= 0 && err < PKG_ERR_COUNT ? msg[err] : "?";
}
