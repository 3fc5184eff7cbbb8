#include "core/spacesave.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct spacesave {
	size_t cap, n, ksz;
	struct ss_counter *c;
};

int spacesave__new(size_t cap, size_t ksz, struct spacesave **out)
{
	struct spacesave *s;

	*out = NULL;
	if (!cap || !ksz || ksz > SS_KEY_MAX)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->c = calloc(cap, sizeof(*s->c));
	if (!s->c) {
		free(s);
		return -ENOMEM;
	}
	s->cap = cap;
	s->ksz = ksz;
	*out = s;
	return 0;
}

static uint64_t fingerprint(const unsigned char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 0x100000001b3ull;
	return h;
}

void spacesave__add(struct spacesave *s, const void *key, uint64_t w)
{
	uint64_t fp = fingerprint(key, s->ksz);
	struct ss_counter *min = NULL;

	/* A linear scan: the counters are a few times k, and the fingerprint settles almost every
	 * comparison without touching the key. */
	for (size_t i = 0; i < s->n; i++) {
		struct ss_counter *c = &s->c[i];

		if (c->fp == fp && !memcmp(c->key, key, s->ksz)) {
			c->count += w;
			return;
		}
		if (!min || c->count < min->count)
			min = c;
	}
	if (s->n < s->cap) {
		min = &s->c[s->n++];
		min->count = w;
		min->error = 0;
	} else if (!min) {
		return; /* a sketch of capacity 0 keeps nothing */
	} else {
		/* The newcomer may have had up to min->count before: that is its error. */
		min->error = min->count;
		min->count += w;
	}
	min->fp = fp;
	memcpy(min->key, key, s->ksz);
}

static int by_count_desc(const void *a, const void *b)
{
	const struct ss_counter *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->error < y->error ? -1 : x->error > y->error;
}

size_t spacesave__top(struct spacesave *s, const struct ss_counter **out)
{
	qsort(s->c, s->n, sizeof(*s->c), by_count_desc);
	*out = s->c;
	return s->n;
}

void spacesave__free(struct spacesave *s)
{
	if (!s)
		return;
	free(s->c);
	free(s);
}
