/* simhash_aes: Go's amd64 AES hash (runtime·memhash32/64 and aeshashbody in asm_amd64.s; the same
 * algorithm moved to internal/runtime/maps/memhash_amd64.s in Go 1.27), written with AES-NI
 * intrinsics. Only the functions here are compiled for AES-NI; callers check the CPU first. */
#include "sim/simhash.h"

#include <immintrin.h>
#include <string.h>

#define AES_TARGET __attribute__((target("aes,sse4.1,ssse3")))

AES_TARGET static inline __m128i enc(__m128i state, __m128i key)
{
	return _mm_aesenc_si128(state, key);
}

AES_TARGET static inline __m128i self3(__m128i x)
{
	x = enc(x, x);
	x = enc(x, x);
	return enc(x, x);
}

AES_TARGET static inline __m128i ld(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

AES_TARGET static inline uint64_t lo64(__m128i x)
{
	return (uint64_t)_mm_cvtsi128_si64(x);
}

AES_TARGET uint64_t simhash__aes32(const uint8_t *ks, uint32_t key, uint64_t seed)
{
	__m128i x = _mm_set_epi32(0, (int)key, (int)(uint32_t)(seed >> 32), (int)(uint32_t)seed);

	x = enc(x, ld(ks));
	x = enc(x, ld(ks + 16));
	return lo64(enc(x, ld(ks + 32)));
}

AES_TARGET uint64_t simhash__aes64(const uint8_t *ks, uint64_t key, uint64_t seed)
{
	__m128i x = _mm_set_epi64x((long long)key, (long long)seed);

	x = enc(x, ld(ks));
	x = enc(x, ld(ks + 16));
	return lo64(enc(x, ld(ks + 32)));
}

AES_TARGET void simhash__aes64_many(const uint8_t *ks, const uint64_t *keys, size_t n,
				    uint64_t seed, uint64_t *out)
{
	__m128i k0 = ld(ks), k1 = ld(ks + 16), k2 = ld(ks + 32);

	for (size_t i = 0; i < n; i++) {
		__m128i x = _mm_set_epi64x((long long)keys[i], (long long)seed);

		out[i] = lo64(enc(enc(enc(x, k0), k1), k2));
	}
}

AES_TARGET void simhash__aes32_many(const uint8_t *ks, const uint32_t *keys, size_t n,
				    uint64_t seed, uint64_t *out)
{
	__m128i k0 = ld(ks), k1 = ld(ks + 16), k2 = ld(ks + 32);

	for (size_t i = 0; i < n; i++) {
		__m128i x = _mm_set_epi32(0, (int)keys[i], (int)(uint32_t)(seed >> 32),
					  (int)(uint32_t)seed);

		out[i] = lo64(enc(enc(enc(x, k0), k1), k2));
	}
}

/* Seeds 1..7 of the 33+ byte paths: the unscrambled seed xored with successive key schedule
 * blocks, each scrambled once. */
AES_TARGET static void more_seeds(const uint8_t *ks, __m128i unscrambled, __m128i *s, int n)
{
	for (int i = 1; i <= n; i++) {
		s[i] = _mm_xor_si128(unscrambled, ld(ks + 16 * i));
		s[i] = enc(s[i], s[i]);
	}
}

AES_TARGET static uint64_t fold8(__m128i *x)
{
	x[0] = _mm_xor_si128(x[0], x[4]);
	x[1] = _mm_xor_si128(x[1], x[5]);
	x[2] = _mm_xor_si128(x[2], x[6]);
	x[3] = _mm_xor_si128(x[3], x[7]);
	x[0] = _mm_xor_si128(x[0], x[2]);
	x[1] = _mm_xor_si128(x[1], x[3]);
	return lo64(_mm_xor_si128(x[0], x[1]));
}

AES_TARGET uint64_t simhash__aesmem(const uint8_t *ks, const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t len16 = (uint64_t)(len & 0xffff) * 0x0001000100010001ull;
	__m128i unscrambled = _mm_set_epi64x((long long)len16, (long long)seed);
	__m128i s[8], x[8];

	s[0] = _mm_xor_si128(unscrambled, ld(ks));
	s[0] = enc(s[0], s[0]);
	if (len == 0)
		return lo64(enc(s[0], s[0]));
	if (len <= 16) {
		uint8_t buf[16] = {0};

		/* The asm masks (or shuffles, near a page end) to the first len bytes. */
		memcpy(buf, p, len);
		return lo64(self3(_mm_xor_si128(ld(buf), s[0])));
	}
	if (len <= 32) {
		more_seeds(ks, unscrambled, s, 1);
		x[0] = self3(_mm_xor_si128(ld(p), s[0]));
		x[1] = self3(_mm_xor_si128(ld(p + len - 16), s[1]));
		return lo64(_mm_xor_si128(x[0], x[1]));
	}
	if (len <= 64) {
		more_seeds(ks, unscrambled, s, 3);
		x[0] = self3(_mm_xor_si128(ld(p), s[0]));
		x[1] = self3(_mm_xor_si128(ld(p + 16), s[1]));
		x[2] = self3(_mm_xor_si128(ld(p + len - 32), s[2]));
		x[3] = self3(_mm_xor_si128(ld(p + len - 16), s[3]));
		x[0] = _mm_xor_si128(x[0], x[2]);
		x[1] = _mm_xor_si128(x[1], x[3]);
		return lo64(_mm_xor_si128(x[0], x[1]));
	}
	more_seeds(ks, unscrambled, s, 7);
	if (len <= 128) {
		for (int i = 0; i < 4; i++) {
			x[i] = self3(_mm_xor_si128(ld(p + 16 * i), s[i]));
			x[i + 4] = self3(_mm_xor_si128(ld(p + len - 64 + 16 * i), s[i + 4]));
		}
		return fold8(x);
	}
	/* 129+: start from the last (possibly overlapping) 128 bytes, then fold in every full
	 * 128-byte block from the start, the block itself as the round key. */
	for (int i = 0; i < 8; i++)
		x[i] = _mm_xor_si128(ld(p + len - 128 + 16 * i), s[i]);
	for (size_t blocks = (len - 1) >> 7; blocks; blocks--, p += 128) {
		for (int i = 0; i < 8; i++) {
			x[i] = enc(x[i], x[i]);
			x[i] = enc(x[i], ld(p + 16 * i));
		}
	}
	for (int i = 0; i < 8; i++)
		x[i] = self3(x[i]);
	return fold8(x);
}
