/* simhash: key material, dispatch, the wyhash-derived fallback and the weak hashes. */
#include "sim/simhash.h"

#include <errno.h>
#include <string.h>

static const char *const names[SIMHASH_NKINDS] = {
	[SIMHASH_AES] = "aes",		 [SIMHASH_FALLBACK_OLD] = "fallback-old",
	[SIMHASH_FALLBACK] = "fallback", [SIMHASH_FNV1A] = "fnv1a",
	[SIMHASH_IDENTITY] = "identity",
};

const char *simhash__name(enum simhash_kind kind)
{
	return (unsigned)kind < SIMHASH_NKINDS ? names[kind] : NULL;
}

int simhash__parse(const char *name)
{
	for (int k = 0; k < SIMHASH_NKINDS; k++)
		if (!strcmp(name, names[k]))
			return k;
	if (!strcmp(name, "fallback-1.19"))
		return SIMHASH_FALLBACK_OLD;
	if (!strcmp(name, "fallback-1.23"))
		return SIMHASH_FALLBACK;
	return -EINVAL;
}

enum simhash_kind simhash__fallback_for(int go_minor)
{
	return go_minor >= 23 ? SIMHASH_FALLBACK : SIMHASH_FALLBACK_OLD;
}

bool simhash__cpu_has_aes(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("aes") && __builtin_cpu_supports("ssse3") &&
	       __builtin_cpu_supports("sse4.1");
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void simhash__init(struct simhash *h, enum simhash_kind kind, uint64_t seed)
{
	uint64_t x = seed;

	h->kind = kind;
	for (int i = 0; i < 16; i++) {
		uint64_t r = splitmix64(&x);

		memcpy(h->aeskeysched + 8 * i, &r, 8);
	}
	for (int i = 0; i < 4; i++)
		h->hashkey[i] = splitmix64(&x);
}

#define M1 0xa0761d6478bd642full
#define M2 0xe7037ed1a0b428dbull
#define M3 0x8ebc6af09c88c6e3ull
#define M4 0x589965cc75374cc3ull
#define M5 0x1d8e4e27c47d124full

static uint64_t mix(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)(r >> 64) ^ (uint64_t)r;
}

static uint64_t r4(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t r8(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* The four words the fallback mixes in: Go 1.19-1.22 xor hashkey[0] into m1 and use the constants
 * m2..m4; Go 1.23+ use hashkey[0..3] directly. */
static void fallback_keys(const struct simhash *h, uint64_t k[4])
{
	if (h->kind == SIMHASH_FALLBACK_OLD) {
		k[0] = h->hashkey[0] ^ M1;
		k[1] = M2;
		k[2] = M3;
		k[3] = M4;
	} else {
		memcpy(k, h->hashkey, 4 * sizeof(k[0]));
	}
}

static uint64_t fallback_mem(const struct simhash *h, const uint8_t *p, size_t s, uint64_t seed)
{
	uint64_t k[4], a = 0, b = 0;

	fallback_keys(h, k);
	seed ^= k[0];
	if (s == 0) {
		return seed;
	} else if (s < 4) {
		a = p[0] | (uint64_t)p[s >> 1] << 8 | (uint64_t)p[s - 1] << 16;
	} else if (s == 4) {
		a = b = r4(p);
	} else if (s < 8) {
		a = r4(p);
		b = r4(p + s - 4);
	} else if (s == 8) {
		a = b = r8(p);
	} else if (s <= 16) {
		a = r8(p);
		b = r8(p + s - 8);
	} else {
		size_t l = s;

		if (l > 48) {
			uint64_t seed1 = seed, seed2 = seed;

			for (; l > 48; l -= 48, p += 48) {
				seed = mix(r8(p) ^ k[1], r8(p + 8) ^ seed);
				seed1 = mix(r8(p + 16) ^ k[2], r8(p + 24) ^ seed1);
				seed2 = mix(r8(p + 32) ^ k[3], r8(p + 40) ^ seed2);
			}
			seed ^= seed1 ^ seed2;
		}
		for (; l > 16; l -= 16, p += 16)
			seed = mix(r8(p) ^ k[1], r8(p + 8) ^ seed);
		a = r8(p + l - 16);
		b = r8(p + l - 8);
	}
	return mix(M5 ^ s, mix(a ^ k[1], b ^ seed));
}

static uint64_t fnv1a(const uint8_t *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t weak(const struct simhash *h, const void *p, size_t n, uint64_t seed)
{
	uint64_t v = 0;

	if (h->kind == SIMHASH_FNV1A)
		return fnv1a(p, n, fnv1a((const uint8_t *)&seed, 8, 0xcbf29ce484222325ull));
	memcpy(&v, p, n < 8 ? n : 8);
	return v;
}

uint64_t simhash__mem32(const struct simhash *h, uint32_t key, uint64_t seed)
{
	uint64_t k[4];

	switch (h->kind) {
	case SIMHASH_AES:
		return simhash__aes32(h->aeskeysched, key, seed);
	case SIMHASH_FALLBACK_OLD:
	case SIMHASH_FALLBACK:
		fallback_keys(h, k);
		return mix(M5 ^ 4, mix(key ^ k[1], key ^ seed ^ k[0]));
	default:
		return weak(h, &key, 4, seed);
	}
}

uint64_t simhash__mem64(const struct simhash *h, uint64_t key, uint64_t seed)
{
	uint64_t k[4];

	switch (h->kind) {
	case SIMHASH_AES:
		return simhash__aes64(h->aeskeysched, key, seed);
	case SIMHASH_FALLBACK_OLD:
	case SIMHASH_FALLBACK:
		fallback_keys(h, k);
		return mix(M5 ^ 8, mix(key ^ k[1], key ^ seed ^ k[0]));
	default:
		return weak(h, &key, 8, seed);
	}
}

uint64_t simhash__mem(const struct simhash *h, const void *p, size_t len, uint64_t seed)
{
	switch (h->kind) {
	case SIMHASH_AES:
		return simhash__aesmem(h->aeskeysched, p, len, seed);
	case SIMHASH_FALLBACK_OLD:
	case SIMHASH_FALLBACK:
		return fallback_mem(h, p, len, seed);
	default:
		return weak(h, p, len, seed);
	}
}

void simhash__mem64_many(const struct simhash *h, const uint64_t *keys, size_t n, uint64_t seed,
			 uint64_t *out)
{
	if (h->kind == SIMHASH_AES) {
		simhash__aes64_many(h->aeskeysched, keys, n, seed, out);
		return;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = simhash__mem64(h, keys[i], seed);
}

void simhash__mem32_many(const struct simhash *h, const uint32_t *keys, size_t n, uint64_t seed,
			 uint64_t *out)
{
	if (h->kind == SIMHASH_AES) {
		simhash__aes32_many(h->aeskeysched, keys, n, seed, out);
		return;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = simhash__mem32(h, keys[i], seed);
}
