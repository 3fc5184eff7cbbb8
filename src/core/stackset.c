#include "core/stackset.h"

#include <stdlib.h>
#include <string.h>

/* Stacks live in chunks that never move, so an interned pointer stays valid as the set grows. */
#define CHUNK_PCS 8192

struct chunk {
	struct chunk *next;
	size_t used;
	uint64_t pcs[CHUNK_PCS];
};

struct entry {
	const uint64_t *pcs; /* NULL: empty slot */
	uint32_t n;
	uint32_t hash;
};

struct stackset {
	struct chunk *chunks;
	struct entry *slot; /* open addressing, at most half full */
	size_t nslot, n;
};

static uint32_t hash_of(const uint64_t *pcs, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ pcs[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

struct stackset *stackset__new(void)
{
	return calloc(1, sizeof(struct stackset));
}

void stackset__free(struct stackset *s)
{
	if (!s)
		return;
	while (s->chunks) {
		struct chunk *c = s->chunks;

		s->chunks = c->next;
		free(c);
	}
	free(s->slot);
	free(s);
}

size_t stackset__count(const struct stackset *s)
{
	return s->n;
}

static int grow(struct stackset *s)
{
	size_t nslot = s->nslot ? s->nslot * 2 : 256;
	struct entry *slot = calloc(nslot, sizeof(*slot));

	if (!slot)
		return -1;
	for (size_t i = 0; i < s->nslot; i++) {
		size_t k = s->slot[i].hash & (nslot - 1);

		if (!s->slot[i].pcs)
			continue;
		while (slot[k].pcs)
			k = (k + 1) & (nslot - 1);
		slot[k] = s->slot[i];
	}
	free(s->slot);
	s->slot = slot;
	s->nslot = nslot;
	return 0;
}

static uint64_t *store(struct stackset *s, const uint64_t *pcs, uint32_t n)
{
	struct chunk *c = s->chunks;
	uint64_t *p;

	if (n > CHUNK_PCS)
		return NULL;
	if (!c || c->used + n > CHUNK_PCS) {
		c = malloc(sizeof(*c));
		if (!c)
			return NULL;
		c->next = s->chunks;
		c->used = 0;
		s->chunks = c;
	}
	p = c->pcs + c->used;
	c->used += n;
	memcpy(p, pcs, n * sizeof(*p));
	return p;
}

const uint64_t *stackset__intern(struct stackset *s, const uint64_t *pcs, uint32_t n)
{
	uint32_t h = hash_of(pcs, n);
	size_t k;

	if (!n)
		return NULL;
	if ((s->n + 1) * 2 > s->nslot && grow(s))
		return NULL;
	for (k = h & (s->nslot - 1); s->slot[k].pcs; k = (k + 1) & (s->nslot - 1))
		if (s->slot[k].hash == h && s->slot[k].n == n &&
		    !memcmp(s->slot[k].pcs, pcs, n * sizeof(*pcs)))
			return s->slot[k].pcs;
	s->slot[k].pcs = store(s, pcs, n);
	if (!s->slot[k].pcs)
		return NULL;
	s->slot[k].n = n;
	s->slot[k].hash = h;
	s->n++;
	return s->slot[k].pcs;
}
