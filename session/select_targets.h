/* SPDX-License-Identifier: MIT */
/*
 * select_targets — which boards a group download updates (PROTOCOL.md §8):
 * the boards asked for (named, or all that answered) ∩ those that answer ∩
 * those the package is for (vendor, model, target serials) ∩ those whose
 * active image is older. Pure functions: no I/O, no allocation.
 */
#ifndef ETHDL_SELECT_TARGETS_H
#define ETHDL_SELECT_TARGETS_H

#include <stddef.h>
#include <stdint.h>

#include "discover.h"
#include "pkg.h"

/** What becomes of one board. */
enum sel_class {
	SEL_NONE = 0,
	SEL_GROUP = 1,	 /* a target of the group download */
	SEL_UNICAST = 2, /* a target, downloaded alone after the group (no CAP_GROUP) */
	SEL_SKIP = 3,	 /* not updated, for a reason; not a failure */
	SEL_FAIL = 4,	 /* named but not answering: CONNECT_FAILED */
};

enum sel_reason {
	SEL_R_NONE = 0,
	SEL_R_NOT_ANSWERING = 1, /* SEL_FAIL */
	SEL_R_OTHER_MODEL = 2,	 /* the package is for another vendor or model */
	SEL_R_NOT_TARGET = 3,	 /* its serial is not among the package's targets */
	SEL_R_UP_TO_DATE = 4,	 /* its active version is the package's or newer */
	SEL_R_NO_GROUP = 5,	 /* SEL_UNICAST: no group capability */
	SEL_R_UNICAST_ONLY = 6,	 /* SEL_UNICAST: answered CONNECT only, not discovery */
};

/** The file to download: a package (hdr parsed into h) or a plain file
 *  (h NULL: every board that answers is a target). */
struct sel_file {
	const struct pkg_header *h;
	const uint8_t *hdr; /* the header bytes h was parsed from */
	int type;	    /* enum proto_file_type (the package's, for a package) */
};

/** One board of the selection. */
struct sel_board {
	uint8_t mac[6];
	int named;		      /* named with -b or --from (else found with --all) */
	int answered;		      /* answered discovery or CONNECT */
	int by_connect;		      /* found only by a unicast CONNECT */
	const struct sess_info *info; /* what it said; NULL when it did not answer */
	int cls;		      /* enum sel_class, set by sel_classify */
	int reason;		      /* enum sel_reason */
};

/**
 * The boards to consider, into out (cap entries): with all, every board
 * found (in the order found); else every board of named[0..nnamed) once,
 * in the order named, matched to what found says of it (answered, info),
 * unmatched ones not answering. found[i].mac and .info are read. Returns
 * the number of entries (at most cap). Classification is left to
 * sel_classify (the caller may first fill in boards found by CONNECT).
 */
size_t sel_merge(const struct sess_disc_board *found, size_t nfound, const uint8_t (*named)[6],
		 size_t nnamed, int all, struct sel_board *out, size_t cap);

/** Classify b (cls, reason) for file f. */
void sel_classify(struct sel_board *b, const struct sel_file *f);

/** The active version of type in info, or NULL when none is listed or its
 *  version is unknown. */
const struct pkg_version *sel_active_version(const struct sess_info *info, int type);

/** "not answering", "other vendor/model", "not a target", "up to date",
 *  "no group capability", "answers CONNECT only", "" for none. */
const char *sel_reason_name(int reason);

#endif
