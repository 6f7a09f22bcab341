/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "frame.h"
#include "crc32_table.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(ETHDL_NO_CLMUL)
#include <immintrin.h>
#define HAVE_CLMUL 1

/*
 * Carry-less multiplication folding (Gopal et al., "Fast CRC Computation for
 * Generic Polynomials Using PCLMULQDQ", Intel 2009), bit-reflected domain.
 * The constants are x^(k) mod P(x) for the fold distances 512+64, 512,
 * 128+64, 128 and 64 bits, then P(x) and its Barrett quotient mu.
 * Takes and returns the inverted running state; len >= 64 and a multiple of 16.
 */
__attribute__((target("pclmul,sse4.1"))) static uint32_t crc32_clmul(uint32_t state,
								     const uint8_t *p, size_t len)
{
	const __m128i k512 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
	const __m128i k128 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
	const __m128i k64 = _mm_set_epi64x(0, 0x0163cd6124);
	const __m128i pmu = _mm_set_epi64x(0x01f7011641, 0x01db710641);
	const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);
	__m128i a, b, c, d, t;

	a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)state));
	b = _mm_loadu_si128((const __m128i *)(p + 16));
	c = _mm_loadu_si128((const __m128i *)(p + 32));
	d = _mm_loadu_si128((const __m128i *)(p + 48));
	p += 64;
	len -= 64;
	/* Four lanes, each folded 512 bits forward onto the next block. */
#define FOLD(x, k, next)                                                                           \
	do {                                                                                       \
		__m128i lo_ = _mm_clmulepi64_si128((x), (k), 0x00);                                \
		(x) = _mm_clmulepi64_si128((x), (k), 0x11);                                        \
		(x) = _mm_xor_si128(_mm_xor_si128((x), lo_), (next));                              \
	} while (0)
	while (len >= 64) {
		FOLD(a, k512, _mm_loadu_si128((const __m128i *)p));
		FOLD(b, k512, _mm_loadu_si128((const __m128i *)(p + 16)));
		FOLD(c, k512, _mm_loadu_si128((const __m128i *)(p + 32)));
		FOLD(d, k512, _mm_loadu_si128((const __m128i *)(p + 48)));
		p += 64;
		len -= 64;
	}
	/* Lanes into one, then the remaining 16-byte blocks. */
	FOLD(a, k128, b);
	FOLD(a, k128, c);
	FOLD(a, k128, d);
	while (len >= 16) {
		FOLD(a, k128, _mm_loadu_si128((const __m128i *)p));
		p += 16;
		len -= 16;
	}
#undef FOLD
	/* 128 bits to 64, appending 32 zero bits. */
	t = _mm_clmulepi64_si128(a, k128, 0x10);
	a = _mm_xor_si128(_mm_srli_si128(a, 8), t);
	t = _mm_srli_si128(a, 4);
	a = _mm_clmulepi64_si128(_mm_and_si128(a, low32), k64, 0x00);
	a = _mm_xor_si128(a, t);
	/* Barrett reduction to 32 bits. */
	t = _mm_clmulepi64_si128(_mm_and_si128(a, low32), pmu, 0x10);
	t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), pmu, 0x00);
	a = _mm_xor_si128(a, t);
	return (uint32_t)_mm_extract_epi32(a, 1);
}
#endif

uint32_t frame_crc32_bytewise(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--)
		crc = crc32_tab[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

/* Slice-by-8: eight table lookups per 8 bytes instead of one per byte, with
 * 32-bit words assembled from bytes, so it is endian-neutral. */
uint32_t frame_crc32_sliced(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len && ((uintptr_t)p & 7)) {
		crc = crc32_tab[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
		len--;
	}
	while (len >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			      (uint32_t)p[7] << 24;
		crc = crc32_tab[7][lo & 0xFF] ^ crc32_tab[6][(lo >> 8) & 0xFF] ^
		      crc32_tab[5][(lo >> 16) & 0xFF] ^ crc32_tab[4][lo >> 24] ^
		      crc32_tab[3][hi & 0xFF] ^ crc32_tab[2][(hi >> 8) & 0xFF] ^
		      crc32_tab[1][(hi >> 16) & 0xFF] ^ crc32_tab[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = crc32_tab[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

/* Carry-less multiplication where the CPU has it, for whole 16-byte blocks;
 * slice-by-8 for the rest and on other CPUs. */
uint32_t frame_crc32(uint32_t crc, const void *buf, size_t len)
{
#ifdef HAVE_CLMUL
	const uint8_t *p = buf;

	if (len >= 64 && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
		size_t n = len & ~(size_t)15;

		crc = ~crc32_clmul(~crc, p, n);
		return frame_crc32_sliced(crc, p + n, len - n);
	}
#endif
	return frame_crc32_sliced(crc, buf, len);
}
