/* SPDX-License-Identifier: MIT */
/* The OpenSSL implementation of the authentication ops (auth.h): HMAC-SHA256
 * through EVP_MAC, RAND_bytes, CRYPTO_memcmp. Host side and tests; a board
 * port binds its own. */
#ifndef ETHDL_AUTH_OSSL_H
#define ETHDL_AUTH_OSSL_H

#include "auth.h"

extern const struct sess_auth_ops sess_auth_ossl_ops;

#endif
