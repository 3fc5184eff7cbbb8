#include "output/bysite.h"

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

int bysite__build(const struct gobin *gb, uint64_t bias, struct registry *r,
		  bysite_counts_fn counts, void *ctx, struct bysite_row **out, size_t *n)
{
	size_t nm = registry__count(r), k = 0;
	struct bysite_row *v = calloc(nm ? nm : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < nm; i++) {
		const struct reg_map *m = registry__at(r, i);
		struct bysite_row *w = &v[i];
		struct frame f;
		uint64_t deletes;

		symbolize__site(gb, bias, m->stack, m->nstack, &f);
		w->func = f.func;
		w->file = f.func ? f.file : NULL;
		w->line = f.func ? f.line : 0;
		w->held = f.func ? NULL : top__no_site(m);
		w->type = m->ti_ok ? m->ti.name : "?";
		w->maps = 1;
		w->entries = m->st.len;
		w->capacity = m->st.capacity;
		w->bytes = m->st.bytes;
		w->growths = m->growths;
		if (counts)
			counts(ctx, m->addr, &w->writes, &w->reads, &deletes);
	}
	qsort(v, nm, sizeof(*v), by_key);
	for (size_t i = 0; i < nm; i++)
		if (k && by_key(&v[k - 1], &v[i]) == 0)
			merge(&v[k - 1], &v[i]);
		else
			v[k++] = v[i];
	qsort(v, k, sizeof(*v), by_bytes);
	*out = v;
	*n = k;
	return 0;
}
