/* SPDX-License-Identifier: MIT */
/* compare: two frames field by field, and one frame in one line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "replay.h"

static const char *const tlv_names[] = {
	[T_CAPS] = "caps",
	[T_WINDOW] = "window",
	[T_BLOCK] = "block",
	[T_VENDOR] = "vendor",
	[T_MODEL] = "model",
	[T_SERIAL] = "serial",
	[T_SLOT] = "slot",
	[T_TYPE] = "type",
	[T_SIZE] = "size",
	[T_FRAMES] = "frames",
	[T_CRC] = "crc",
	[T_NAME] = "name",
	[T_NOTICE] = "notice",
	[T_DETAIL] = "detail",
	[T_EXPECTED] = "expected",
	[T_GOT] = "got",
	[T_TEXT] = "text",
	[T_CUM] = "cum",
	[T_HIGH] = "high",
	[T_BASE] = "base",
	[T_BITMAP] = "bitmap",
	[T_HAVE] = "have",
	[T_RESUME] = "resume",
	[T_OFFSET] = "offset",
	[T_PKG_HDR] = "pkg_hdr",
	[T_IMAGE] = "image",
	[T_BOARD_TIME] = "board_time",
	[T_HOST_TIME] = "host_time",
	[T_ACT_MODE] = "act_mode",
	[T_ACT_AT] = "act_at",
	[T_ACT_STATE] = "act_state",
	[T_VERSION_FROM] = "version_from",
	[T_VERSION_TO] = "version_to",
	[T_HEALTH_MS] = "health_ms",
	[T_SINCE] = "since",
	[T_MAX] = "max",
	[T_EVENT] = "event",
	[T_NEXT] = "next",
	[T_ROLE] = "role",
	[T_GROUP_MAC] = "group_mac",
	[T_GEN] = "gen",
	[T_DELAY_MS] = "delay_ms",
	[T_HEARD] = "heard",
	[T_NEEDS] = "needs",
	[T_SHA256] = "sha256",
	[T_IDLE_MS] = "idle_ms",
	[T_FIRST] = "first",
	[T_WANT] = "want",
	[T_GEN_NEXT] = "gen_next",
	[T_NONCE] = "nonce",
	[T_HOST_NONCE] = "host_nonce",
	[T_AUTH] = "auth",
	[T_CTR] = "ctr",
	[T_FMAC] = "fmac",
	[T_PASSES] = "passes",
	[T_OVL_WANT] = "ovl_want",
	[T_REGIONS] = "regions",
	[T_OVERRUN] = "overrun",
};

const char *rp_tlv_name(int type, char *tmp, size_t cap)
{
	if (type >= 0 && (size_t)type < sizeof(tlv_names) / sizeof(tlv_names[0]) && tlv_names[type])
		return tlv_names[type];
	snprintf(tmp, cap, "t%d", type);
	return tmp;
}

int rp_tlv_skipped(int type)
{
	switch (type) {
	case T_VENDOR: /* identity: another board of the same kind */
	case T_MODEL:
	case T_SERIAL:
	case T_SLOT: /* what the board already holds */
	case T_IMAGE:
	case T_BOARD_TIME: /* its clock */
	case T_TEXT:	   /* human words, free to change */
	case T_NONCE:	   /* fresh each session, and all that derives from them */
	case T_HOST_NONCE:
	case T_AUTH:
	case T_FMAC: return 1;
	}
	return 0;
}

static int is_data(int code)
{
	return code == FC_FILE_DATA || code == FC_READBACK_DATA || code == FC_GROUP_DATA ||
	       code == FC_GROUP_PARITY || code == FC_OVL_DATA;
}

/* Walk a well-formed TLV list: the i-th entry from *pos. */
static int tlv_next(const uint8_t *d, size_t n, size_t *pos, int *type, const uint8_t **v,
		    size_t *l)
{
	if (*pos + 2 > n || *pos + 2 + d[*pos + 1] > n)
		return 0;
	*type = d[*pos];
	*l = d[*pos + 1];
	*v = d + *pos + 2;
	*pos += 2 + *l;
	return 1;
}

/* The n-th (from 0) TLV of type in d, as tlv_find. */
static const uint8_t *nth(const uint8_t *d, size_t n, int type, unsigned k, size_t *l)
{
	return tlv_find(d, n, (uint8_t)type, k, l);
}

static unsigned count_before(const uint8_t *d, size_t end, int type)
{
	size_t pos = 0, l;
	const uint8_t *v;
	int t;
	unsigned k = 0;

	while (pos < end && tlv_next(d, end, &pos, &t, &v, &l))
		k += t == type;
	return k;
}

static uint64_t be_uint(const uint8_t *v, size_t l)
{
	uint64_t x = 0;

	for (size_t i = 0; i < l && i < 8; i++)
		x = x << 8 | v[i];
	return x;
}

static int field(struct rp_diff *d, const char *fmt, const char *what)
{
	snprintf(d->field, sizeof(d->field), fmt, what);
	return 1;
}

static int compare_tlvs(const struct frame *w, const struct frame *g, uint32_t caps_mask,
			struct rp_diff *d)
{
	char tmp[8];
	size_t pos = 0, l, gl;
	const uint8_t *v, *gv;
	int t;

	while (tlv_next(w->data, w->len, &pos, &t, &v, &l)) {
		unsigned k = count_before(w->data, pos - 2 - l, t);
		const char *name = rp_tlv_name(t, tmp, sizeof(tmp));

		if (rp_tlv_skipped(t)) {
			if (t < 64)
				d->skipped |= 1ull << t;
			continue;
		}
		gv = nth(g->data, g->len, t, k, &gl);
		if (!gv)
			return field(d, "tlv %s missing", name);
		if (t == T_CAPS && l == 4 && gl == 4) {
			if ((be_uint(v, 4) ^ be_uint(gv, 4)) & caps_mask)
				return field(d, "tlv %s", name);
			continue;
		}
		if (l != gl || memcmp(v, gv, l))
			return field(d, "tlv %s", name);
	}
	pos = 0;
	while (tlv_next(g->data, g->len, &pos, &t, &v, &l)) {
		unsigned k = count_before(g->data, pos - 2 - l, t);

		if (rp_tlv_skipped(t)) {
			if (t < 64)
				d->skipped |= 1ull << t;
			continue;
		}
		if (!nth(w->data, w->len, t, k, &gl))
			return field(d, "tlv %s not recorded", rp_tlv_name(t, tmp, sizeof(tmp)));
	}
	return 0;
}

int rp_compare(const uint8_t *want, size_t wlen, const uint8_t *got, size_t glen,
	       uint16_t ethertype, uint32_t session, uint32_t caps_mask, struct rp_diff *d)
{
	struct frame w, g;
	int ew = frame_decode(&w, want, wlen, ethertype);
	int eg = frame_decode(&g, got, glen, ethertype);

	d->field[0] = '\0';
	/* Undecodable beyond a bad CRC or code: nothing to compare field by field. */
	if ((ew && ew != -FRAME_E_CRC && ew != -FRAME_E_CODE) ||
	    (eg && eg != -FRAME_E_CRC && eg != -FRAME_E_CODE))
		return ew != eg ? field(d, "%s", "frame (undecodable)") : 0;
	if (ew != eg)
		return field(d, "%s",
			     eg == -FRAME_E_CRC || ew == -FRAME_E_CRC ? "frame CRC" : "code");
	if (w.code != g.code)
		return field(d, "%s", "code");
	if (w.seq != g.seq)
		return field(d, "%s", "sequence");
	if ((w.flags ^ g.flags) & (uint8_t)~FRAME_FLAG_RETX)
		return field(d, "%s", "flags");
	if (!ew && g.session != session)
		return field(d, "%s", "session");
	if (ew)
		return 0; /* damaged alike: the fields above agree, the rest is noise */
	if (is_data(w.code) || !tlv_valid(w.data, w.len) || !tlv_valid(g.data, g.len)) {
		if (w.len != g.len)
			return field(d, "%s", "data length");
		for (size_t i = 0; i < w.len; i++) {
			if (w.data[i] != g.data[i]) {
				snprintf(d->field, sizeof(d->field), "data byte %zu", i);
				return 1;
			}
		}
		return 0;
	}
	return compare_tlvs(&w, &g, caps_mask, d);
}

static size_t put(char *out, size_t cap, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t put(char *out, size_t cap, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (at >= cap)
		return at;
	va_start(ap, fmt);
	n = vsnprintf(out + at, cap - at, fmt, ap);
	va_end(ap);
	return n < 0 ? at : at + (size_t)n;
}

static size_t put_value(char *out, size_t cap, size_t at, int t, const uint8_t *v, size_t l)
{
	int text = t == T_VENDOR || t == T_MODEL || t == T_SERIAL || t == T_NAME || t == T_TEXT;

	if (t == T_NOTICE && l == 1)
		return put(out, cap, at, "%s", frame_notice_name(v[0]));
	if (t == T_DETAIL && l == 2)
		return put(out, cap, at, "%s", proto_detail_name(get_be16(v)));
	if (t == T_CAPS && l == 4)
		return put(out, cap, at, "0x%x", (unsigned)be_uint(v, 4));
	if (text) {
		at = put(out, cap, at, "\"");
		for (size_t i = 0; i < l; i++)
			at = put(out, cap, at,
				 v[i] >= 0x20 && v[i] < 0x7f && v[i] != '"' ? "%c" : "\\x%02x",
				 v[i]);
		return put(out, cap, at, "\"");
	}
	if (l == 1 || l == 2 || l == 4 || l == 8)
		return put(out, cap, at, "%llu", (unsigned long long)be_uint(v, l));
	at = put(out, cap, at, "%zu bytes ", l);
	for (size_t i = 0; i < l && i < 16; i++)
		at = put(out, cap, at, "%02x", v[i]);
	return l > 16 ? put(out, cap, at, "...") : at;
}

const char *rp_describe(const uint8_t *buf, size_t len, uint16_t ethertype, char *out, size_t cap)
{
	struct frame f;
	int e = frame_decode(&f, buf, len, ethertype);
	size_t at = 0, pos = 0, l;
	const uint8_t *v;
	char tmp[8];
	int t;

	if (!cap)
		return out;
	out[0] = '\0';
	if (e && e != -FRAME_E_CRC && e != -FRAME_E_CODE) {
		snprintf(out, cap, "undecodable frame (%s), %zu bytes", frame_strerror(e), len);
		return out;
	}
	at = put(out, cap, at, "%s seq %u", frame_code_name(f.code), f.seq);
	if (e)
		at = put(out, cap, at, " (%s)", frame_strerror(e));
	if (f.flags)
		at = put(out, cap, at, " flags 0x%x", f.flags);
	if (is_data(f.code) || !tlv_valid(f.data, f.len)) {
		if (f.len)
			put(out, cap, at, ", %u bytes, crc32 %08x", f.len,
			    frame_crc32(0, f.data, f.len));
		return out;
	}
	while (tlv_next(f.data, f.len, &pos, &t, &v, &l)) {
		at = put(out, cap, at, " %s=", rp_tlv_name(t, tmp, sizeof(tmp)));
		at = put_value(out, cap, at, t, v, l);
	}
	if (at >= cap && cap > 4)
		memcpy(out + cap - 4, "...", 4);
	return out;
}
