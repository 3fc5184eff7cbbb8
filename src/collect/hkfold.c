#include "collect/hkfold.h"

#include "collect/hotkeys.h"
#include "core/spacesave.h"
#include "shared/hotkeys.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The kernel's counts are cumulative: the last value read per key turns them into deltas. Two
 * tables, the previous read's and this one's, so keys the kernel evicted drop out. */
struct last_ent {
	struct hk_key key;
	uint64_t count;
	bool used;
};

struct hkfold_tab {
	struct last_ent *e;
	size_t cap, n;
};

struct pend {
	struct hk_key key;
	uint64_t delta;
};

struct hkfold {
	unsigned k;
	struct hkfold_tab prev, cur;
	struct pend *pend;
	size_t npend, cappend;
	/* Keys unchanged since the last read, dropped from the kernel's full tables. */
	struct hk_key *forget;
	size_t nforget, capforget;
	bool prune; /* the last read found the tables over half full */
	struct hkfold_map *maps;
	size_t nmaps, capmaps;
	int err;
};

static uint64_t key_hash(const struct hk_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static struct last_ent *tab_slot(struct hkfold_tab *t, const struct hk_key *k)
{
	size_t i = key_hash(k) & (t->cap - 1);

	while (t->e[i].used && memcmp(&t->e[i].key, k, sizeof(*k)))
		i = (i + 1) & (t->cap - 1);
	return &t->e[i];
}

static int tab_grow(struct hkfold_tab *t, size_t first)
{
	struct hkfold_tab n = { .cap = t->cap ? t->cap * 2 : first };

	n.e = calloc(n.cap, sizeof(*n.e));
	if (!n.e)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].used) {
			*tab_slot(&n, &t->e[i].key) = t->e[i];
			n.n++;
		}
	free(t->e);
	*t = n;
	return 0;
}

static struct hkfold_map *map_rec(struct hkfold *s, uint64_t addr)
{
	struct hkfold_map *m;

	for (size_t i = 0; i < s->nmaps; i++)
		if (s->maps[i].addr == addr)
			return &s->maps[i];
	if (s->nmaps == s->capmaps) {
		size_t cap = s->capmaps ? s->capmaps * 2 : 16;
		struct hkfold_map *n = realloc(s->maps, cap * sizeof(*n));

		if (!n)
			return NULL;
		s->maps = n;
		s->capmaps = cap;
	}
	m = &s->maps[s->nmaps];
	memset(m, 0, sizeof(*m));
	m->addr = addr;
	m->exact = calloc(1, sizeof(*m->exact));
	if (!m->exact || tab_grow(m->exact, 64)) {
		free(m->exact);
		return NULL;
	}
	s->nmaps++;
	return m;
}

static int by_count(const void *a, const void *b)
{
	const struct last_ent *x = *(const struct last_ent *const *)a;
	const struct last_ent *y = *(const struct last_ent *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

/* The exact table's entries, heaviest first; NULL with *n 0 when empty or out of memory. */
static const struct last_ent **exact_sorted(const struct hkfold_tab *t, size_t *n)
{
	const struct last_ent **v = malloc((t->n ? t->n : 1) * sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].used)
			v[(*n)++] = &t->e[i];
	qsort(v, *n, sizeof(*v), by_count);
	return v;
}

static void tab_free(struct hkfold_tab *t)
{
	if (t)
		free(t->e);
	free(t);
}

/* A map with more keys than the exact table holds goes to a sketch, heaviest first, so that
 * the heavy keys take counters before the light ones raise the minimum. More counters than
 * reported keys: the k-th key's error bound shrinks as they grow. */
static int spill(struct hkfold *s, struct hkfold_map *m)
{
	const struct last_ent **v;
	size_t n;

	if (spacesave__new((size_t)s->k * 4, HKFOLD_KEY_BYTES, &m->ss))
		return -ENOMEM;
	v = exact_sorted(m->exact, &n);
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		spacesave__add(m->ss, (const char *)&v[i]->key + 8, v[i]->count);
	free(v);
	tab_free(m->exact);
	m->exact = NULL;
	return 0;
}

static int map_add(struct hkfold *s, struct hkfold_map *m, const struct hk_key *k, uint64_t w)
{
	struct last_ent *e;
	int ret;

	if (!m->ss && (m->exact->n + 1) * 2 > m->exact->cap && m->exact->n < HKFOLD_EXACT_MAX &&
	    (ret = tab_grow(m->exact, 64)))
		return ret;
	e = m->ss ? NULL : tab_slot(m->exact, k);
	if (e && !e->used && m->exact->n >= HKFOLD_EXACT_MAX) {
		ret = spill(s, m);
		if (ret)
			return ret;
		e = NULL;
	}
	if (!e) {
		spacesave__add(m->ss, (const char *)k + 8, w);
		return 0;
	}
	if (!e->used) {
		e->used = true;
		e->key = *k;
		e->count = 0;
		m->exact->n++;
	}
	e->count += w;
	return 0;
}

int hkfold__top(const struct hkfold_map *m, struct ss_counter *out, size_t max)
{
	const struct ss_counter *c;
	const struct last_ent **v;
	size_t n;

	if (m->ss) {
		n = spacesave__top(m->ss, &c);
		n = n < max ? n : max;
		memcpy(out, c, n * sizeof(*out));
		return (int)n;
	}
	v = exact_sorted(m->exact, &n);
	if (!v)
		return -ENOMEM;
	n = n < max ? n : max;
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].count = v[i]->count;
		memcpy(out[i].key, (const char *)&v[i]->key + 8, HKFOLD_KEY_BYTES);
	}
	free(v);
	return (int)n;
}

static void on_key(const struct hk_key *k, uint64_t count, void *ctx)
{
	struct hkfold *s = ctx;
	struct last_ent *prev, *cur;
	uint64_t delta = count;

	if (s->err)
		return;
	if ((s->cur.n + 1) * 2 > s->cur.cap && (s->err = tab_grow(&s->cur, 4096)))
		return;
	if (s->prev.cap) {
		prev = tab_slot(&s->prev, k);
		/* Fewer than last time: evicted by the kernel's LRU and counted again from 0. */
		if (prev->used && prev->count <= count)
			delta = count - prev->count;
	}
	cur = tab_slot(&s->cur, k);
	if (!cur->used)
		s->cur.n++;
	cur->used = true;
	cur->key = *k;
	cur->count = count;
	if (!delta) {
		if (s->prune && s->nforget < s->capforget)
			s->forget[s->nforget++] = *k;
		return;
	}
	if (s->npend == s->cappend) {
		size_t cap = s->cappend ? s->cappend * 2 : 1024;
		struct pend *n = realloc(s->pend, cap * sizeof(*n));

		if (!n) {
			s->err = -ENOMEM;
			return;
		}
		s->pend = n;
		s->cappend = cap;
	}
	s->pend[s->npend].key = *k;
	s->pend[s->npend++].delta = delta;
}

static int by_map_heaviest(const void *a, const void *b)
{
	const struct pend *x = a, *y = b;

	if (x->key.map != y->key.map)
		return x->key.map < y->key.map ? -1 : 1;
	return x->delta < y->delta ? 1 : x->delta > y->delta ? -1 : 0;
}

static void on_map(uint64_t addr, const struct hk_mapstat *st, void *ctx)
{
	struct hkfold *s = ctx;
	struct hkfold_map *m = map_rec(s, addr);

	if (!m) {
		s->err = -ENOMEM;
		return;
	}
	if (st->type) {
		m->type = st->type;
		m->ret_pc = st->ret_pc;
	}
	m->writes += st->writes >= m->writes_last ? st->writes - m->writes_last : st->writes;
	m->writes_last = st->writes;
	m->deletes += st->deletes >= m->deletes_last ? st->deletes - m->deletes_last : st->deletes;
	m->deletes_last = st->deletes;
}

/* Folds what the kernel counted since the last read into the per-map sketches. Each map's new
 * weight goes in heaviest first, so hot keys take counters before cold ones can inflate the
 * minimum: a hot key present from its first read carries no error. */
int hkfold__collect(struct hkfold *s, struct hotkeys *hk)
{
	struct hkfold_tab t;
	int ret;

	s->npend = s->nforget = 0;
	s->err = 0;
	if (s->prune && !s->forget) {
		/* A quarter of the tables per read at most: the rest go at the next. */
		s->forget = malloc(HK_KEYS_MAX / 4 * sizeof(*s->forget));
		s->capforget = s->forget ? HK_KEYS_MAX / 4 : 0;
	}
	memset(s->cur.e, 0, s->cur.cap * sizeof(*s->cur.e));
	s->cur.n = 0;
	ret = hotkeys__keys(hk, on_key, s);
	if (ret || s->err)
		return ret ? ret : s->err;
	/* Counted from 0 again: the next read's delta is its whole count. */
	for (size_t i = 0; i < s->nforget; i++) {
		hotkeys__forget(hk, &s->forget[i]);
		tab_slot(&s->cur, &s->forget[i])->count = 0;
	}
	s->prune = s->cur.n > HK_KEYS_MAX / 2;
	t = s->prev;
	s->prev = s->cur;
	s->cur = t;
	if (s->cur.cap < s->prev.cap) {
		free(s->cur.e);
		s->cur.e = calloc(s->prev.cap, sizeof(*s->cur.e));
		s->cur.cap = s->cur.e ? s->prev.cap : 0;
		if (!s->cur.e)
			return -ENOMEM;
	}
	qsort(s->pend, s->npend, sizeof(*s->pend), by_map_heaviest);
	for (size_t i = 0; i < s->npend; i++) {
		struct hkfold_map *m = map_rec(s, s->pend[i].key.map);

		if (!m)
			return -ENOMEM;
		ret = map_add(s, m, &s->pend[i].key, s->pend[i].delta);
		if (ret)
			return ret;
	}
	ret = hotkeys__maps(hk, on_map, s);
	return ret ? ret : s->err;
}

int hkfold__new(unsigned k, struct hkfold **out)
{
	struct hkfold *f = calloc(1, sizeof(*f));
	int ret;

	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->k = k;
	ret = tab_grow(&f->cur, 4096);
	if (ret) {
		free(f);
		return ret;
	}
	*out = f;
	return 0;
}

size_t hkfold__count(const struct hkfold *f)
{
	return f->nmaps;
}

const struct hkfold_map *hkfold__at(const struct hkfold *f, size_t i)
{
	return &f->maps[i];
}

const struct hkfold_map *hkfold__find(const struct hkfold *f, uint64_t addr)
{
	for (size_t i = 0; i < f->nmaps; i++)
		if (f->maps[i].addr == addr)
			return &f->maps[i];
	return NULL;
}

void hkfold__free(struct hkfold *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nmaps; i++) {
		spacesave__free(f->maps[i].ss);
		tab_free(f->maps[i].exact);
	}
	free(f->maps);
	free(f->pend);
	free(f->forget);
	free(f->prev.e);
	free(f->cur.e);
	free(f);
}
