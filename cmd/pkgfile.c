/* SPDX-License-Identifier: MIT */
#include "pkgfile.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg_digest.h"

void pkg_hex(const uint8_t *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Read up to want bytes; how many came back, -1 on a read error. */
static long read_upto(FILE *f, uint8_t *buf, size_t want)
{
	size_t got = fread(buf, 1, want, f);

	return ferror(f) ? -1 : (long)got;
}

int pkgfile_check(FILE *f, struct pkgfile *p)
{
	struct stat st;
	size_t hdr_len = 0;
	long got;
	int r;

	memset(p, 0, sizeof(*p));
	p->header_rc = p->image_rc = p->sig_rc = p->tag_rc = 1;
	if (fstat(fileno(f), &st) == 0)
		p->file_size = (uint64_t)st.st_size;
	got = read_upto(f, p->hdr, PKG_FIXED_LEN);
	if (got < 0)
		return -PKG_E_IO;
	r = pkg_header_need(p->hdr, (size_t)got, &hdr_len);
	if (r == 0) {
		long more = read_upto(f, p->hdr + got, hdr_len - (size_t)got);

		if (more < 0)
			return -PKG_E_IO;
		r = pkg_header_parse(p->hdr, (size_t)got + (size_t)more, &p->h);
	}
	p->header_rc = r;
	if (r)
		return r;
	r = pkg_check_image(&p->h, f, p->sha256);
	if (r == -PKG_E_IO || r == -PKG_E_CRYPTO) {
		if (r == -PKG_E_IO && !errno)
			errno = EIO;
		return r;
	}
	p->image_rc = r;
	return r;
}
