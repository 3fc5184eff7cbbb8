#include "output/bysite.h"

#include "core/addrmap.h"
#include "inspect/gobin.h"
#include "model/registry.h"
#include "model/symbolize.h"
#include "output/top.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int str_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* The site's identity: function, file and line (pointers into the pclntab: one function has one
 * name pointer), the holder when there is no stack, and the type's name. */
static int by_key(const void *pa, const void *pb)
{
	const struct bysite_row *a = pa, *b = pb;
	int c;

	if (a->func != b->func)
		return a->func < b->func ? -1 : 1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	c = str_cmp(a->held, b->held);
	return c ? c : strcmp(a->type, b->type);
}

static int by_bytes(const void *pa, const void *pb)
{
	const struct bysite_row *a = pa, *b = pb;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return a->maps < b->maps ? 1 : a->maps > b->maps ? -1 : 0;
}

static void merge(struct bysite_row *to, const struct bysite_row *m)
{
	to->maps += m->maps;
	to->entries += m->entries;
	to->capacity += m->capacity;
	to->bytes += m->bytes;
	to->growths += m->growths;
	to->writes += m->writes;
	to->reads += m->reads;
}

/* row_of[i] from the group index to the row's place once the rows are sorted (v[g].at = g
 * before the sort). */
static int renumber(struct bysite_row *v, size_t k, size_t *row_of, size_t nm)
{
	size_t *place = malloc((k ? k : 1) * sizeof(*place));

	if (!place)
		return -ENOMEM;
	for (size_t g = 0; g < k; g++)
		place[v[g].at] = g;
	for (size_t i = 0; i < nm; i++)
		row_of[i] = place[row_of[i]];
	free(place);
	return 0;
}

/* The maps' groups before their sites are named: maps with one stack (interned by the registry),
 * one type and one holder have one site, so a site is named and compared once per group, not
 * once per map (symbolizing and sorting every map were a sixth of a report at 100,000 maps).
 * Groups that name the same site merge after. */
struct groups {
	struct bysite_row *v;
	const struct reg_map **first; /* the first map of each group */
	size_t n, cap;
	size_t *slot; /* open addressing over nslot (a power of two): group + 1, 0 when free */
	size_t nslot;
};

static bool same_group(const struct reg_map *a, const struct reg_map *b)
{
	return a->stack == b->stack && a->ti == b->ti && (a->stack || a->held_by == b->held_by);
}

static size_t group_hash(const struct reg_map *m, size_t nslot)
{
	return addrmap__slot((uintptr_t)m->stack ^ (uintptr_t)m->ti * 31 ^
				     (m->stack ? 0 : (uintptr_t)m->held_by * 17),
			     nslot);
}

static int groups_grow(struct groups *g)
{
	size_t nslot = g->nslot ? g->nslot * 2 : 1024, *slot = calloc(nslot, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < g->n; i++) {
		size_t k = group_hash(g->first[i], nslot);

		while (slot[k])
			k = (k + 1) & (nslot - 1);
		slot[k] = i + 1;
	}
	free(g->slot);
	g->slot = slot;
	g->nslot = nslot;
	return 0;
}

/* m's group's row (`at` its index), made empty when new; NULL when out of memory. */
static struct bysite_row *group_of(struct groups *g, const struct reg_map *m)
{
	size_t k;

	if ((g->n + 1) * 2 > g->nslot && groups_grow(g))
		return NULL;
	for (k = group_hash(m, g->nslot); g->slot[k]; k = (k + 1) & (g->nslot - 1))
		if (same_group(g->first[g->slot[k] - 1], m))
			return &g->v[g->slot[k] - 1];
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		struct bysite_row *v = realloc(g->v, cap * sizeof(*v));
		const struct reg_map **f;

		if (!v)
			return NULL;
		g->v = v;
		f = realloc(g->first, cap * sizeof(*f));
		if (!f)
			return NULL;
		g->first = f;
		g->cap = cap;
	}
	g->first[g->n] = m;
	g->v[g->n] = (struct bysite_row){ .at = g->n };
	g->slot[k] = ++g->n;
	return &g->v[g->n - 1];
}

static void name_group(struct bysite_row *w, const struct gobin *gb, uint64_t bias,
		       const struct reg_map *m)
{
	struct frame f;

	symbolize__site(gb, bias, m->stack, m->nstack, &f);
	w->func = f.func;
	w->file = f.func ? f.file : NULL;
	w->line = f.func ? f.line : 0;
	w->held = f.func ? NULL : top__no_site(m);
	w->type = m->ti ? m->ti->name : "?";
	w->key_kind = m->ti ? gotype__kind_name(m->ti->key_kind) : NULL;
}

int bysite__build(const struct gobin *gb, uint64_t bias, struct registry *r,
		  bool counted, struct bysite_row **out, size_t *n, size_t *row_of)
{
	size_t nm = registry__count(r), k = 0, *gi = malloc((nm ? nm : 1) * sizeof(*gi)), *fin;
	struct groups g = { 0 };
	int ret = -ENOMEM;

	if (!gi)
		goto cleanup;
	for (size_t i = 0; i < nm; i++) {
		const struct reg_map *m = registry__at(r, i);
		struct bysite_row one = { .maps = 1 };
		struct bysite_row *w = group_of(&g, m);

		if (!w)
			goto cleanup;
		gi[i] = w->at;
		one.entries = m->st.len;
		one.capacity = m->st.capacity;
		one.bytes = m->st.bytes;
		one.growths = m->growths;
		if (counted) {
			one.writes = m->calls.writes;
			one.reads = m->calls.reads;
		}
		merge(w, &one);
	}
	for (size_t i = 0; i < g.n; i++)
		name_group(&g.v[i], gb, bias, g.first[i]);
	/* Groups naming one site become one row: fin[group] is its row. */
	fin = malloc((g.n ? g.n : 1) * sizeof(*fin));
	if (!fin)
		goto cleanup;
	if (g.n)
		qsort(g.v, g.n, sizeof(*g.v), by_key);
	for (size_t i = 0; i < g.n; i++) {
		size_t at = g.v[i].at;

		if (k && by_key(&g.v[k - 1], &g.v[i]) == 0)
			merge(&g.v[k - 1], &g.v[i]);
		else
			g.v[k++] = g.v[i];
		fin[at] = k - 1;
	}
	for (size_t i = 0; row_of && i < nm; i++)
		row_of[i] = fin[gi[i]];
	free(fin);
	for (size_t i = 0; i < k; i++)
		g.v[i].at = i;
	if (k)
		qsort(g.v, k, sizeof(*g.v), by_bytes);
	if (row_of && renumber(g.v, k, row_of, nm))
		goto cleanup;
	/* No maps: an empty list, not NULL. */
	*out = g.v ? g.v : calloc(1, sizeof(*g.v));
	if (!*out)
		goto cleanup;
	*n = k;
	g.v = NULL;
	ret = 0;
cleanup:
	free(g.v);
	free(g.first);
	free(g.slot);
	free(gi);
	return ret;
}
