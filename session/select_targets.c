/* SPDX-License-Identifier: MIT */
/* Which boards a group download updates. */
#include <string.h>

#include "discover.h"
#include "select_targets.h"

size_t sel_merge(const struct sess_disc_board *found, size_t nfound, const uint8_t (*named)[6],
		 size_t nnamed, int all, struct sel_board *out, size_t cap)
{
	size_t n = 0;

	if (all) {
		for (size_t i = 0; i < nfound && n < cap; i++, n++) {
			memset(&out[n], 0, sizeof(out[n]));
			memcpy(out[n].mac, found[i].mac, 6);
			out[n].answered = 1;
			out[n].info = &found[i].info;
		}
		return n;
	}
	for (size_t i = 0; i < nnamed && n < cap; i++) {
		size_t k;

		for (k = 0; k < n; k++)
			if (!memcmp(out[k].mac, named[i], 6))
				break;
		if (k < n)
			continue; /* named twice */
		memset(&out[n], 0, sizeof(out[n]));
		memcpy(out[n].mac, named[i], 6);
		out[n].named = 1;
		for (k = 0; k < nfound; k++)
			if (!memcmp(found[k].mac, named[i], 6)) {
				out[n].answered = 1;
				out[n].info = &found[k].info;
				break;
			}
		n++;
	}
	return n;
}

const struct pkg_version *sel_active_version(const struct sess_info *info, int type)
{
	for (unsigned i = 0; i < info->nimages; i++) {
		const struct sess_image *im = &info->images[i];

		if (im->type == type && im->role == ROLE_ACTIVE)
			return im->version.count ? &im->version : NULL;
	}
	return NULL;
}

void sel_classify(struct sel_board *b, const struct sel_file *f)
{
	const struct sess_info *in = b->info;

	b->cls = SEL_SKIP;
	b->reason = SEL_R_NONE;
	if (!b->answered || !in) {
		b->cls = SEL_FAIL;
		b->reason = SEL_R_NOT_ANSWERING;
		return;
	}
	if (f->h) {
		const struct pkg_version *v;

		if (strcmp(in->vendor, f->h->vendor) || strcmp(in->model, f->h->model)) {
			b->reason = SEL_R_OTHER_MODEL;
			return;
		}
		if (!pkg_header_has_target(f->h, f->hdr, in->serial)) {
			b->reason = SEL_R_NOT_TARGET;
			return;
		}
		v = sel_active_version(in, f->type);
		if (v && pkg_version_cmp(v, &f->h->version) >= 0) {
			b->reason = SEL_R_UP_TO_DATE;
			return;
		}
	}
	if (b->by_connect) {
		b->cls = SEL_UNICAST;
		b->reason = SEL_R_UNICAST_ONLY;
	} else if (!(in->caps & CAP_GROUP)) {
		b->cls = SEL_UNICAST;
		b->reason = SEL_R_NO_GROUP;
	} else {
		b->cls = SEL_GROUP;
	}
}

const char *sel_reason_name(int reason)
{
	switch (reason) {
	case SEL_R_NOT_ANSWERING: return "not answering";
	case SEL_R_OTHER_MODEL: return "other vendor/model";
	case SEL_R_NOT_TARGET: return "not a target";
	case SEL_R_UP_TO_DATE: return "up to date";
	case SEL_R_NO_GROUP: return "no group capability";
	case SEL_R_UNICAST_ONLY: return "answers CONNECT only";
	default: return "";
	}
}
