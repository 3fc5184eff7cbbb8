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

/* The site of a stack, symbolized once per report: the registry interns stacks, so the maps of
 * a site share one pointer (symbolizing every map was a tenth of a report at 50,000 maps). */
struct site_cache {
	struct addrmap at; /* stack -> index + 1 in f */
	struct frame *f;
	size_t n, cap;
};

static void site_of(struct site_cache *c, const struct gobin *gb, uint64_t bias,
		    const struct reg_map *m, struct frame *out)
{
	void *v;

	if (m->stack && addrmap__get(&c->at, (uintptr_t)m->stack, &v)) {
		*out = c->f[(uintptr_t)v - 1];
		return;
	}
	symbolize__site(gb, bias, m->stack, m->nstack, out);
	if (!m->stack)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct frame *f = realloc(c->f, cap * sizeof(*f));

		if (!f)
			return;
		c->f = f;
		c->cap = cap;
	}
	if (addrmap__put(&c->at, (uintptr_t)m->stack, (void *)(uintptr_t)(c->n + 1)) == 0)
		c->f[c->n++] = *out;
}

int bysite__build(const struct gobin *gb, uint64_t bias, struct registry *r,
		  bysite_counts_fn counts, void *ctx, struct bysite_row **out, size_t *n,
		  size_t *row_of)
{
	size_t nm = registry__count(r), k = 0;
	struct bysite_row *v = calloc(nm ? nm : 1, sizeof(*v));
	struct site_cache sc = { 0 };

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < nm; i++) {
		const struct reg_map *m = registry__at(r, i);
		struct bysite_row *w = &v[i];
		struct frame f;
		uint64_t deletes;

		site_of(&sc, gb, bias, m, &f);
		w->func = f.func;
		w->file = f.func ? f.file : NULL;
		w->line = f.func ? f.line : 0;
		w->held = f.func ? NULL : top__no_site(m);
		w->type = m->ti ? m->ti->name : "?";
		w->key_kind = m->ti ? gotype__kind_name(m->ti->key_kind) : NULL;
		w->at = i;
		w->maps = 1;
		w->entries = m->st.len;
		w->capacity = m->st.capacity;
		w->bytes = m->st.bytes;
		w->growths = m->growths;
		if (counts)
			counts(ctx, m->addr, &w->writes, &w->reads, &deletes);
	}
	addrmap__clear(&sc.at);
	free(sc.f);
	qsort(v, nm, sizeof(*v), by_key);
	for (size_t i = 0; i < nm; i++) {
		size_t at = v[i].at;

		if (k && by_key(&v[k - 1], &v[i]) == 0)
			merge(&v[k - 1], &v[i]);
		else
			v[k++] = v[i];
		if (row_of)
			row_of[at] = k - 1;
	}
	for (size_t g = 0; g < k; g++)
		v[g].at = g;
	qsort(v, k, sizeof(*v), by_bytes);
	if (row_of && renumber(v, k, row_of, nm)) {
		free(v);
		return -ENOMEM;
	}
	*out = v;
	*n = k;
	return 0;
}
