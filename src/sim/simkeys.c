/* simkeys: deterministic key sets; random-looking ones use bijective mixers so keys never repeat.
 */
#include "sim/simkeys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name, *go_type;
	uint32_t size;
	bool ptrs;
} kinds[SIMKEY_NKINDS] = {
	[SIMKEY_INT32] = {"int32", "int32", 4, false},
	[SIMKEY_INT32_RANDOM] = {"int32-random", "int32", 4, false},
	[SIMKEY_INT64] = {"int64", "int64", 8, false},
	[SIMKEY_INT64_RANDOM] = {"int64-random", "int64", 8, false},
	[SIMKEY_STRING] = {"string", "string", 16, true},
	[SIMKEY_STRING_PREFIX] = {"string-prefixed", "string", 16, true},
	[SIMKEY_STRUCT16] = {"struct16", "struct{a, b uint64}", 16, false},
};

const char *simkeys__name(enum simkey_kind k)
{
	return (unsigned)k < SIMKEY_NKINDS ? kinds[k].name : NULL;
}

int simkeys__parse(const char *name)
{
	for (int k = 0; k < SIMKEY_NKINDS; k++)
		if (!strcmp(name, kinds[k].name))
			return k;
	return -EINVAL;
}

const char *simkeys__go_type(enum simkey_kind k)
{
	return kinds[k].go_type;
}

uint32_t simkeys__size(enum simkey_kind k)
{
	return kinds[k].size;
}

bool simkeys__has_pointers(enum simkey_kind k)
{
	return kinds[k].ptrs;
}

/* Bijections of 64 and 32 bits (xor-shift and odd multiplies), keyed by the set's seed. */
static uint64_t perm64(uint64_t x, uint64_t key)
{
	x ^= key;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 31;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 29;
	return x ^ (key >> 7);
}

static uint32_t perm32(uint32_t x, uint64_t key)
{
	x ^= (uint32_t)key;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x ^ (uint32_t)(key >> 32);
}

static uint64_t mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

size_t simkeys__bytes(const struct simkeys *ks, uint64_t i, uint8_t *buf)
{
	uint64_t v[2], r;
	uint32_t v32;
	size_t n;

	switch (ks->kind) {
	case SIMKEY_INT32:
	case SIMKEY_INT32_RANDOM:
		v32 = ks->kind == SIMKEY_INT32 ? (uint32_t)i : perm32((uint32_t)i, ks->seed);
		memcpy(buf, &v32, 4);
		return 4;
	case SIMKEY_INT64:
	case SIMKEY_INT64_RANDOM:
		v[0] = ks->kind == SIMKEY_INT64 ? i : perm64(i, ks->seed);
		memcpy(buf, v, 8);
		return 8;
	case SIMKEY_STRING:
		/* The first 8 bytes are a bijection of i: distinct keys whatever the rest holds. */
		r = mix(ks->seed ^ mix(i));
		n = 8 + r % 25;
		v[0] = perm64(i, ks->seed);
		memcpy(buf, v, 8);
		for (size_t k = 8; k < n; k += 8) {
			r = mix(r);
			memcpy(buf + k, &r, n - k < 8 ? n - k : 8);
		}
		return n;
	case SIMKEY_STRING_PREFIX:
		return (size_t)snprintf((char *)buf, 40, "user:%llu", (unsigned long long)i);
	case SIMKEY_STRUCT16:
	default:
		v[0] = perm64(i, ks->seed);
		v[1] = mix(ks->seed + i);
		memcpy(buf, v, 16);
		return 16;
	}
}

uint64_t simkeys__hash(const struct simkeys *ks, const struct simhash *h, uint64_t i, uint64_t seed)
{
	uint8_t buf[40];
	size_t n;

	switch (ks->kind) {
	case SIMKEY_INT32:
		return simhash__mem32(h, (uint32_t)i, seed);
	case SIMKEY_INT64:
		return simhash__mem64(h, i, seed);
	case SIMKEY_INT32_RANDOM:
		return simhash__mem32(h, perm32((uint32_t)i, ks->seed), seed);
	case SIMKEY_INT64_RANDOM:
		return simhash__mem64(h, perm64(i, ks->seed), seed);
	default:
		n = simkeys__bytes(ks, i, buf);
		return simhash__mem(h, buf, n, seed);
	}
}

void simkeys__hash_many(const struct simkeys *ks, const struct simhash *h, uint64_t first, size_t n,
			uint64_t seed, uint64_t *out)
{
	uint64_t k64[SIMKEYS_BATCH];
	uint32_t k32[SIMKEYS_BATCH];

	switch (ks->kind) {
	case SIMKEY_INT64:
	case SIMKEY_INT64_RANDOM:
		for (size_t i = 0; i < n; i++)
			k64[i] = ks->kind == SIMKEY_INT64 ? first + i : perm64(first + i, ks->seed);
		simhash__mem64_many(h, k64, n, seed, out);
		return;
	case SIMKEY_INT32:
	case SIMKEY_INT32_RANDOM:
		for (size_t i = 0; i < n; i++)
			k32[i] = ks->kind == SIMKEY_INT32 ? (uint32_t)(first + i)
							  : perm32((uint32_t)(first + i), ks->seed);
		simhash__mem32_many(h, k32, n, seed, out);
		return;
	default:
		for (size_t i = 0; i < n; i++)
			out[i] = simkeys__hash(ks, h, first + i, seed);
	}
}
