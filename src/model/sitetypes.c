#include "model/sitetypes.h"

#include <errno.h>
#include <stdlib.h>

#define MIXED UINT64_MAX

struct site {
	uint64_t key;  /* 0: empty slot */
	uint64_t type; /* MIXED: the site made maps of two types */
};

struct sitetypes {
	struct site *slots;
	size_t cap, n; /* cap a power of two, at most half full */
};

struct sitetypes *sitetypes__new(void)
{
	return calloc(1, sizeof(struct sitetypes));
}

void sitetypes__free(struct sitetypes *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

uint64_t sitetypes__key(const uint64_t *stack, uint32_t nstack)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t i = 0; i < nstack && i < SITETYPES_FRAMES; i++) {
		h ^= stack[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h ? h : 1;
}

static struct site *slot(const struct sitetypes *t, uint64_t key)
{
	size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull) & (t->cap - 1);

	while (t->slots[i].key && t->slots[i].key != key)
		i = (i + 1) & (t->cap - 1);
	return &t->slots[i];
}

static int grow(struct sitetypes *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256;
	struct sitetypes bigger = {calloc(cap, sizeof(struct site)), cap, t->n};

	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].key)
			*slot(&bigger, t->slots[i].key) = t->slots[i];
	free(t->slots);
	*t = bigger;
	return 0;
}

int sitetypes__learn(struct sitetypes *t, uint64_t key, uint64_t type)
{
	struct site *s;

	if (!type || !key)
		return 0;
	if ((t->n + 1) * 2 > t->cap && grow(t))
		return -ENOMEM;
	s = slot(t, key);
	if (!s->key) {
		s->key = key;
		s->type = type;
		t->n++;
		return 1;
	}
	if (s->type != type)
		s->type = MIXED;
	return 0;
}

uint64_t sitetypes__type(const struct sitetypes *t, uint64_t key)
{
	const struct site *s;

	if (!t->cap || !key)
		return 0;
	s = slot(t, key);
	return s->key && s->type != MIXED ? s->type : 0;
}
