/* SPDX-License-Identifier: MIT */
/* What the package fuzz targets share: the check that aborts, and the keys
 * the committed seeds were made with. */
#ifndef ETHDL_FUZZ_PKG_KEYS_H
#define ETHDL_FUZZ_PKG_KEYS_H

#include <stdint.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

/* RFC 8032 §7.1, test 1: the trusted public key (the seeds signed_* are
 * signed with its private half). */
static const uint8_t trusted_pub[32] = {0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7,
					0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
					0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25,
					0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
/* The AES key the encrypted seeds were made with. */
static const uint8_t aes_key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

#endif
