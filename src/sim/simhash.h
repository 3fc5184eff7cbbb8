/* simhash: the hash functions Go's maps use on amd64, and weak ones for contrast.
 *
 * A simhash holds one process's key material, as Go's runtime.alginit draws it at start-up: the
 * 128-byte aeskeysched (AES path) or the four hashkey words (wyhash-derived fallback). Given the
 * same key material, key bytes and per-map seed, every hash here equals the runtime's bit for bit.
 * Which fallback variant applies depends on the Go version: up to 1.22 it mixes hashkey[0] with the
 * constants m1..m4; from 1.23 it uses hashkey[0..3] in their place. */
#ifndef MAPSCOPE_SIM_SIMHASH_H
#define MAPSCOPE_SIM_SIMHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum simhash_kind {
	SIMHASH_AES,	      /* runtime aeshash (AES-NI) */
	SIMHASH_FALLBACK_OLD, /* memhashFallback, Go 1.19-1.22 (hashkey[0]^m1, m2..m4) */
	SIMHASH_FALLBACK,     /* memhashFallback, Go 1.23+ (hashkey[0..3]) */
	SIMHASH_FNV1A,	      /* FNV-1a 64 over seed and key bytes: weak, for contrast */
	SIMHASH_IDENTITY,     /* the key's first 8 bytes (little-endian) xor seed: worst case */
	SIMHASH_NKINDS,
};

struct simhash {
	enum simhash_kind kind;
	uint8_t aeskeysched[128];
	uint64_t hashkey[4];
};

/* "aes", "fallback-old", "fallback", "fnv1a", "identity"; NULL if out of range. */
const char *simhash__name(enum simhash_kind kind);
/* Returns the kind for a name, or -EINVAL. "fallback-1.19"/"fallback-1.23" are accepted too. */
int simhash__parse(const char *name);
/* The fallback variant a Go minor version (19, 21, 23, 26...) uses. */
enum simhash_kind simhash__fallback_for(int go_minor);

/* True when this CPU can run the AES path (AES-NI, SSSE3, SSE4.1), as Go's alginit checks. */
bool simhash__cpu_has_aes(void);

/* Fills the key material from a 64-bit seed, deterministically (a simulated process start-up). */
void simhash__init(struct simhash *h, enum simhash_kind kind, uint64_t seed);

/* The runtime's memhash32, memhash64 and memhash(p, seed, len) (strhash and memhash128 are
 * memhash over the string bytes and the 16 key bytes). Callers check simhash__cpu_has_aes()
 * before using SIMHASH_AES. */
uint64_t simhash__mem32(const struct simhash *h, uint32_t key, uint64_t seed);
uint64_t simhash__mem64(const struct simhash *h, uint64_t key, uint64_t seed);
uint64_t simhash__mem(const struct simhash *h, const void *p, size_t len, uint64_t seed);

/* Hashes n 64-bit (or 32-bit) keys at once: the same results as the single-key calls, with the
 * AES round keys kept in registers across keys. */
void simhash__mem64_many(const struct simhash *h, const uint64_t *keys, size_t n, uint64_t seed,
			 uint64_t *out);
void simhash__mem32_many(const struct simhash *h, const uint32_t *keys, size_t n, uint64_t seed,
			 uint64_t *out);

/* The AES path itself (simhash_aes.c, compiled with AES-NI enabled per function). */
uint64_t simhash__aes32(const uint8_t *ks, uint32_t key, uint64_t seed);
uint64_t simhash__aes64(const uint8_t *ks, uint64_t key, uint64_t seed);
void simhash__aes64_many(const uint8_t *ks, const uint64_t *keys, size_t n, uint64_t seed,
			 uint64_t *out);
void simhash__aes32_many(const uint8_t *ks, const uint32_t *keys, size_t n, uint64_t seed,
			 uint64_t *out);
uint64_t simhash__aesmem(const uint8_t *ks, const void *p, size_t len, uint64_t seed);

#endif
