#include "model/cwlog.h"

#include "core/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cwrite_log {
	struct cwrite *ev;
	size_t n, cap;
	size_t open; /* index of a fatal event still taking its threads (SIZE_MAX: none) */
};

int cwlog__new(struct cwrite_log **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->open = SIZE_MAX;
	return 0;
}

struct cwrite *cwlog__append(struct cwrite_log *l, size_t *idx)
{
	struct cwrite *c;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct cwrite *n = realloc(l->ev, cap * sizeof(*n));

		if (!n)
			return NULL;
		l->ev = n;
		l->cap = cap;
	}
	c = &l->ev[l->n];
	memset(c, 0, sizeof(*c));
	c->writer = -1;
	*idx = l->n++;
	return c;
}

void cwlog__hold(struct cwrite_log *l, size_t idx)
{
	l->open = idx;
}

struct cwrite *cwlog__held(struct cwrite_log *l, size_t *idx)
{
	if (l->open == SIZE_MAX)
		return NULL;
	*idx = l->open;
	return &l->ev[l->open];
}

struct cwrite_side *cwlog__thread(struct cwrite *c)
{
	struct cwrite_side *th = realloc(c->th, (c->nth + 1) * sizeof(*th));

	if (!th)
		return NULL;
	c->th = th;
	memset(&th[c->nth], 0, sizeof(th[c->nth]));
	return &th[c->nth];
}

void cwlog__seal(struct cwrite_log *l)
{
	if (!l || l->open == SIZE_MAX)
		return;
	l->ev[l->open].sealed_ns = clock__ns(CLOCK_MONOTONIC);
	l->open = SIZE_MAX;
}

size_t cwlog__count(const struct cwrite_log *l)
{
	return !l ? 0 : l->open == SIZE_MAX ? l->n : l->open;
}

const struct cwrite *cwlog__at(const struct cwrite_log *l, size_t i)
{
	return &l->ev[i];
}

void cwlog__free(struct cwrite_log *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->ev[i].th);
	free(l->ev);
	free(l);
}
