/* SPDX-License-Identifier: MIT */
#include "hexkey.h"

#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hexkey_parse(const char *text, size_t len, uint8_t *key, size_t n)
{
	uint8_t k[64];
	size_t digits = 0;

	if (n > sizeof(k))
		return HEXKEY_TOO_MANY;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
			continue;
		if ((v = hexval(c)) < 0)
			return HEXKEY_NOT_HEX;
		if (digits == 2 * n)
			return HEXKEY_TOO_MANY;
		if (digits % 2 == 0)
			k[digits / 2] = (uint8_t)(v << 4);
		else
			k[digits / 2] |= (uint8_t)v;
		digits++;
	}
	if (digits == 0)
		return HEXKEY_EMPTY;
	if (digits < 2 * n)
		return HEXKEY_TOO_FEW;
	memcpy(key, k, n);
	memset(k, 0, sizeof(k));
	return HEXKEY_OK;
}
