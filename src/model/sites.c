#include "model/sites.h"

#include "core/addrmap.h"
#include "inspect/gobin.h"
#include "model/registry.h"
#include "model/symbolize.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double bucket_le[SITES_NBUCKETS] = { 1e-6, 1e-5, 1e-4, 5e-4, 1e-3, 5e-3,
						  1e-2, 5e-2, 0.1,  0.5,  1,    5 };

struct sites {
	const struct gobin *gb;
	struct sites__params p;
	struct site *v;
	size_t n, cap;
	struct site other;
	/* From (creation stack, type) to a site: symbolizing a stack costs microseconds, and every
	 * map is aggregated at every update. Keys are 64-bit hashes; values site index + 1. */
	struct addrmap cache;
};

double sites__bucket_le(unsigned i)
{
	return i < SITES_NBUCKETS ? bucket_le[i] : INFINITY;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t stack_key(const uint64_t *stack, uint32_t n, uint64_t type)
{
	uint64_t h = mix(0, type);

	for (uint32_t i = 0; i < n; i++)
		h = mix(h, stack[i]);
	return h | 1; /* 0 marks a free slot */
}

void sites__set_history(struct sites__params *p, double history_s)
{
	p->fc.min_history_s = history_s;
	p->fc.trend_tau_s = history_s;
	p->fc.level_tau_s = history_s / 10;
}

struct sites *sites__new(const struct gobin *gb, const struct sites__params *p)
{
	struct sites *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->gb = gb;
	s->p = *p;
	if (!s->p.max_exported)
		s->p.max_exported = 50;
	snprintf(s->other.func, sizeof(s->other.func), "other");
	snprintf(s->other.file, sizeof(s->other.file), "other");
	snprintf(s->other.type, sizeof(s->other.type), "other");
	return s;
}

void sites__free(struct sites *s)
{
	if (!s)
		return;
	free(s->v);
	addrmap__clear(&s->cache);
	free(s);
}

size_t sites__count(const struct sites *s)
{
	return s->n;
}

const struct site *sites__at(const struct sites *s, size_t i)
{
	return &s->v[i];
}

const struct site *sites__other(const struct sites *s)
{
	return &s->other;
}

/* The site with these labels, added if new; NULL when out of memory. */
static struct site *by_labels(struct sites *s, const char *func, const char *file,
			      const char *type, double now)
{
	struct site *t;

	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].func, func) && !strcmp(s->v[i].file, file) &&
		    !strcmp(s->v[i].type, type))
			return &s->v[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct site *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	t = &s->v[s->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->func, sizeof(t->func), "%s", func);
	snprintf(t->file, sizeof(t->file), "%s", file);
	snprintf(t->type, sizeof(t->type), "%s", type);
	forecast__init(&t->fc_entries, &s->p.fc);
	forecast__init(&t->fc_bytes, &s->p.fc);
	t->last_seen = now;
	return t;
}

/* The site of a map created at stack with type (name: NULL when unknown). */
static struct site *site_of(struct sites *s, uint64_t bias, const uint64_t *stack, uint32_t n,
			    uint64_t type, const char *name, double now)
{
	uint64_t key = stack_key(stack, n, name ? type : 0);
	struct frame f;
	char fl[160];
	struct site *t;
	void *at;

	if (addrmap__get(&s->cache, key, &at))
		return &s->v[(uintptr_t)at - 1];
	symbolize__site(s->gb, bias, stack, n, &f);
	t = by_labels(s, f.func ? f.func : "?", f.func ? symbolize__file_line(&f, fl, sizeof(fl)) : "?",
		      name ? name : "?", now);
	/* Out of memory for the entry: the site is symbolized again next time. */
	if (t)
		addrmap__put(&s->cache, key, (void *)(uintptr_t)(t - s->v + 1));
	return t;
}

static void add_growth(struct site *t, double secs)
{
	unsigned b = 0;

	t->growths++;
	if (secs < 0)
		return;
	while (b < SITES_NBUCKETS && secs > bucket_le[b])
		b++;
	t->hist[b]++;
	t->timed++;
	t->growth_seconds += secs;
}

static void count_growths(struct sites *s, struct registry *r, uint64_t bias, double now,
			  const struct reg_growth *g, size_t ng)
{
	for (size_t i = 0; i < ng; i++) {
		struct reg_map *m = registry__find(r, g[i].addr);
		const char *name = m && m->ti && m->type == g[i].type ? m->ti->name : NULL;
		struct site *t = site_of(s, bias, g[i].map_stack, g[i].map_nstack, g[i].type, name,
					 now);

		add_growth(t && t->exported ? t : &s->other, g[i].seconds);
	}
}

static void set_forecast(const struct sites *s, struct site *t, double now)
{
	/* Samples must move forward in time; a repeated time is simply not a new sample. */
	forecast__update(&t->fc_entries, now, (double)t->entries);
	forecast__update(&t->fc_bytes, now, (double)t->bytes);
	t->v_entries = s->p.limit_entries > 0
			       ? forecast__eta(&t->fc_entries, now, s->p.limit_entries, &t->eta_entries)
			       : FORECAST__NO_LIMIT;
	t->v_bytes = s->p.limit_bytes > 0
			     ? forecast__eta(&t->fc_bytes, now, s->p.limit_bytes, &t->eta_bytes)
			     : FORECAST__NO_LIMIT;
}

static void add_gauges(struct site *to, const struct site *t)
{
	to->maps += t->maps;
	to->entries += t->entries;
	to->capacity += t->capacity;
	to->bytes += t->bytes;
	to->overflow_buckets += t->overflow_buckets;
	to->tombstones += t->tombstones;
}

/* Forgets sites without a live map for SITES_LINGER_S; the cache then points nowhere valid. */
static void forget(struct sites *s, double now)
{
	size_t k = 0;

	/* s->v holds s->n sites (by_labels() grows both together); the analyzer loses that when
	 * it assumes a stale cache hit in site_of(). */
	for (size_t i = 0; i < s->n; i++)
		// NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
		if (s->v[i].maps || now - s->v[i].last_seen < SITES_LINGER_S)
			s->v[k++] = s->v[i];
	if (k == s->n)
		return;
	s->n = k;
	addrmap__clear(&s->cache);
}

/* Fills free places with the biggest sites outside the set, then lets an outside site take the
 * place of the smallest exported one while it holds more than twice its bytes. */
static void choose(struct sites *s)
{
	size_t nexp = 0;

	for (size_t i = 0; i < s->n; i++)
		nexp += s->v[i].exported;
	for (;;) {
		struct site *big = NULL, *small = NULL;

		for (size_t i = 0; i < s->n; i++) {
			struct site *t = &s->v[i];

			if (!t->exported && t->maps && (!big || t->bytes > big->bytes))
				big = t;
			if (t->exported && (!small || t->bytes < small->bytes))
				small = t;
		}
		if (!big)
			return;
		if (nexp < s->p.max_exported) {
			big->exported = true;
			nexp++;
		} else if (small && big->bytes > 2 * small->bytes) {
			small->exported = false;
			big->exported = true;
		} else {
			return;
		}
		/* Counters start at zero for a site joining the set (its past is in other's). */
		big->growths = big->timed = big->writes = 0;
		big->growth_seconds = 0;
		memset(big->hist, 0, sizeof(big->hist));
	}
}

void sites__count_writes(struct sites *s, struct registry *r, uint64_t bias, double now)
{
	for (size_t i = 0; i < registry__count(r); i++) {
		struct reg_map *m = registry__at(r, i);
		uint64_t w = m->calls.writes;
		struct site *t;

		/* Until its type is known the map's site is a provisional one: its writes wait in
		 * the kernel's cumulative count and go to the real site. */
		if (!m->st_ok || !m->ti)
			continue;
		if (w <= m->writes_seen)
			continue;
		t = site_of(s, bias, m->stack, m->nstack, m->type, m->ti ? m->ti->name : NULL,
			    now);
		(t && t->exported ? t : &s->other)->writes += w - m->writes_seen;
		m->writes_seen = w;
	}
}

int sites__update(struct sites *s, struct registry *r, uint64_t bias, double now,
		  const struct reg_growth *g, size_t ng)
{
	size_t nmaps = registry__count(r);
	int ret = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct site *t = &s->v[i];

		t->maps = t->entries = t->capacity = t->bytes = 0;
		t->overflow_buckets = t->tombstones = 0;
	}
	for (size_t i = 0; i < nmaps; i++) {
		struct reg_map *m = registry__at(r, i);
		struct site *t;

		if (!m->st_ok)
			continue;
		t = site_of(s, bias, m->stack, m->nstack, m->type, m->ti ? m->ti->name : NULL,
			    now);
		if (!t) {
			ret = -ENOMEM;
			continue;
		}
		t->maps++;
		t->entries += m->st.len;
		t->capacity += m->st.capacity;
		t->bytes += m->st.bytes;
		t->overflow_buckets += m->st.overflow_buckets;
		t->tombstones += m->st.tombstones;
		t->last_seen = now;
	}
	forget(s, now);
	choose(s);
	count_growths(s, r, bias, now, g, ng);
	s->other.maps = s->other.entries = s->other.capacity = s->other.bytes = 0;
	s->other.overflow_buckets = s->other.tombstones = 0;
	for (size_t i = 0; i < s->n; i++) {
		set_forecast(s, &s->v[i], now);
		if (!s->v[i].exported)
			add_gauges(&s->other, &s->v[i]);
	}
	return ret;
}
