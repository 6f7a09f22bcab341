/* SPDX-License-Identifier: MIT */
/* A package file on the host: read its header and check its image, as
 * `ethdl inspect` does and as `ethdl pack` does to what it wrote. */
#ifndef ETHDL_CMD_PKGFILE_H
#define ETHDL_CMD_PKGFILE_H

#include <stdint.h>
#include <stdio.h>

#include "frame.h"
#include "pkg.h"

/* The exit code of a package whose header or image is refused: the file
 * CRC notice's (DESIGN §4). */
#define EXIT_PKG_REFUSED (10 + NOTICE_FILE_CRC)

/* Longest header that fits one FILE_INFO at MTU 1500 (PROTOCOL.md §7). */
#define PKG_HDR_WIRE_MAX 1400u

struct pkgfile {
	uint8_t hdr[PKG_HDR_MAX]; /* the header as read */
	struct pkg_header h;	  /* valid when header_rc is 0 */
	int header_rc;		  /* 0, or -PKG_E_* why the header is refused */
	int image_rc;		  /* 0, -PKG_E_* why the image is refused, or 1: not checked */
	int sig_rc;		  /* pkgfile_trust: 0 valid and trusted, -PKG_E_*, 1: not checked */
	int tag_rc;		  /* pkgfile_decrypt: 0 tag and plain digest ok, -PKG_E_*, 1: not */
	size_t trusted_by;	  /* with sig_rc 0: which trusted key */
	uint8_t plain_sha256[PKG_SHA256_LEN]; /* of the decrypted image, when decrypted */
	uint64_t file_size;		      /* the whole file */
	uint8_t sha256[PKG_SHA256_LEN];	      /* of the image bytes, when checked */
};

/**
 * Read and check the package f (from its start): the header, then the image
 * bytes against the header's size and digest (of the ciphertext when the
 * image is encrypted: docs/PACKAGE.md §5). Returns 0 when both pass, -PKG_E_* when either is
 * refused (header_rc, image_rc say which), -PKG_E_IO or -PKG_E_CRYPTO when the check could not be
 * made (errno holds the I/O error).
 */
int pkgfile_check(FILE *f, struct pkgfile *p);

/** The SHA-256 as 64 lowercase hex digits and a NUL. */
void pkg_hex(const uint8_t *d, size_t n, char *out);

#endif
