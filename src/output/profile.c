#include "output/profile.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[PROF_NVALUES] = { "writes", "growths", "growth_bytes",
						 "growth_time" };
static const char *const units[PROF_NVALUES] = { "count", "count", "bytes", "nanoseconds" };

const char *profile__value_name(enum prof_value which)
{
	return which < PROF_NVALUES ? names[which] : "?";
}

const char *profile__value_unit(enum prof_value which)
{
	return which < PROF_NVALUES ? units[which] : "?";
}

int profile__value_parse(const char *name)
{
	for (int i = 0; i < PROF_NVALUES; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

const char *profile__frame_name(const struct prof_frame *f, char *buf, size_t n)
{
	if (f->func)
		return f->func;
	snprintf(buf, n, "0x%" PRIx64, f->addr);
	return buf;
}

static uint64_t stack_hash(const struct prof_frame *frames, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n;

	for (size_t i = 0; i < n; i++) {
		h ^= frames[i].addr;
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

static uint64_t key_hash(uint64_t h, const char *key)
{
	for (; key && *key; key++) {
		h ^= (unsigned char)*key;
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool same_stack(const struct prof_sample *s, const struct prof_frame *frames, size_t n,
		       const char *key)
{
	if (s->n != n || !s->key != !key || (key && strcmp(s->key, key)))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s->frames[i].addr != frames[i].addr)
			return false;
	return true;
}

/* Keeps the index at most half full. */
static int reindex(struct profile *p)
{
	size_t cap = p->index_cap ? p->index_cap * 2 : 256;
	size_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		size_t j = key_hash(stack_hash(p->samples[i].frames, p->samples[i].n),
				    p->samples[i].key) &
			   (cap - 1);

		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = i + 1;
	}
	free(p->index);
	p->index = idx;
	p->index_cap = cap;
	return 0;
}

int profile__add(struct profile *p, const struct prof_frame *frames, size_t n,
		 const int64_t v[PROF_NVALUES])
{
	return profile__add_keyed(p, frames, n, NULL, v);
}

int profile__add_keyed(struct profile *p, const struct prof_frame *frames, size_t n,
		       const char *key, const int64_t v[PROF_NVALUES])
{
	struct prof_sample *s;
	size_t j;

	if ((p->n + 1) * 2 > p->index_cap && reindex(p))
		return -ENOMEM;
	j = key_hash(stack_hash(frames, n), key) & (p->index_cap - 1);
	for (; p->index[j]; j = (j + 1) & (p->index_cap - 1)) {
		s = &p->samples[p->index[j] - 1];
		if (same_stack(s, frames, n, key)) {
			for (int k = 0; k < PROF_NVALUES; k++)
				s->v[k] += v[k];
			return 0;
		}
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct prof_sample *ss = realloc(p->samples, cap * sizeof(*ss));

		if (!ss)
			return -ENOMEM;
		p->samples = ss;
		p->cap = cap;
	}
	s = &p->samples[p->n];
	s->frames = malloc((n ? n : 1) * sizeof(*frames));
	s->key = key ? strdup(key) : NULL;
	if (!s->frames || (key && !s->key)) {
		free(s->frames);
		free(s->key);
		return -ENOMEM;
	}
	memcpy(s->frames, frames, n * sizeof(*frames));
	s->n = n;
	memcpy(s->v, v, sizeof(s->v));
	p->index[j] = ++p->n;
	return 0;
}

int64_t profile__total(const struct profile *p, enum prof_value which)
{
	int64_t t = 0;

	for (size_t i = 0; i < p->n; i++)
		t += p->samples[i].v[which];
	return t;
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->samples[i].frames);
		free(p->samples[i].key);
	}
	free(p->samples);
	free(p->index);
	p->samples = NULL;
	p->index = NULL;
	p->n = p->cap = p->index_cap = 0;
}
