/* SPDX-License-Identifier: MIT */
/*
 * hexkey — a key written as hex digits (a KEYFILE's text), shared by the
 * AES key of packages (32 digits) and the session key (64 digits).
 */
#ifndef ETHDL_HEXKEY_H
#define ETHDL_HEXKEY_H

#include <stddef.h>
#include <stdint.h>

enum hexkey_err {
	HEXKEY_OK = 0,
	HEXKEY_NOT_HEX = -1,  /* a character that is neither a hex digit nor whitespace */
	HEXKEY_TOO_MANY = -2, /* more than 2n digits */
	HEXKEY_EMPTY = -3,    /* no digit at all */
	HEXKEY_TOO_FEW = -4,  /* fewer than 2n digits */
};

/** Parse exactly 2n hex digits (either case) of text (len bytes, not
 *  NUL-terminated; whitespace anywhere ignored) into key[n]. 0, or an
 *  enum hexkey_err with key untouched. */
int hexkey_parse(const char *text, size_t len, uint8_t *key, size_t n);

#endif
