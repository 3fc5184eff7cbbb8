/* heapscan_hold: what holds each map found: an array of maps ([]map[K]V, whose members share
 * one type and whose empty members are maps too), or a global variable. */
#include "model/heapscan_int.h"

#include "inspect/elf.h"
#include "inspect/gobin.h"
#include "model/goheap.h"
#include "model/remote.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Arrays of maps ([]map[K]V: one type for all): at least this many maps found in one run of
 * words, read from large objects up to this many bytes a scan. */
#define ARRAY_MIN_MAPS 8
#define ARRAY_READ_MAX (64ull << 20)

/* qsort and bsearch of n elements: C leaves a null array undefined even for n 0, and an
 * empty list here is a null pointer (the sanitizer build stops on it). */
static void sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n)
		qsort(v, n, size, cmp);
}

static void *find(const void *key, const void *v, size_t n, size_t size,
		  int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, v, n, size, cmp) : NULL;
}

static int cmp_global(const void *a, const void *b)
{
	const struct global *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add_global(const char *name, uint64_t value, uint64_t size, void *ctx)
{
	struct heapscan *hs = ctx;

	if (size < 8)
		return 0;
	if (hs->nglobals == hs->gcap) {
		size_t cap = hs->gcap ? hs->gcap * 2 : 256;
		struct global *g = realloc(hs->globals, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		hs->globals = g;
		hs->gcap = cap;
	}
	hs->globals[hs->nglobals++] = (struct global){value, size, name};
	return 0;
}

int heapscan_hold__index(struct heapscan *hs)
{
	const char *const sects[] = {".data", ".bss"};
	int ret;

	ret = elf__foreach_object(hs->gb->elf, add_global, hs);
	if (ret)
		return ret;
	sort(hs->globals, hs->nglobals, sizeof(*hs->globals), cmp_global);
	for (size_t i = 0; i < 2; i++)
		if (elf__section(hs->gb->elf, sects[i], &hs->data[hs->ndata]) == 0 &&
		    hs->data[hs->ndata].addr && hs->data[hs->ndata].size)
			hs->ndata++;
	return 0;
}

static int cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	return x->m.addr < y->m.addr ? -1 : x->m.addr > y->m.addr;
}

static const char *global_at(const struct heapscan *hs, uint64_t vaddr)
{
	size_t lo = 0, hi = hs->nglobals;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (hs->globals[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && vaddr - hs->globals[lo - 1].addr < hs->globals[lo - 1].size
		       ? hs->globals[lo - 1].name
		       : NULL;
}

/* Names the global variable holding each map, from one read of .data and .bss. */
void heapscan_hold__globals(struct run *r)
{
	const struct heapscan *hs = r->hs;

	for (size_t d = 0; d < hs->ndata && hs->nglobals; d++) {
		const struct elf_section *s = &hs->data[d];
		uint64_t *w = malloc(s->size);

		if (!w || remote__read(hs->pid, s->addr + r->bias, w, s->size & ~7ull)) {
			free(w);
			continue;
		}
		r->st->bytes_read += s->size;
		for (uint64_t i = 0; i < s->size / 8; i++) {
			struct found key = {.m.addr = w[i]}, *f;

			if (w[i] < 4096)
				continue;
			f = find(&key, r->found, r->nfound, sizeof(key), cmp_found);
			if (f && !f->m.held_by)
				f->m.held_by = global_at(hs, s->addr + i * 8);
		}
		free(w);
	}
}

static struct found *found_at(const struct run *r, uint64_t addr)
{
	struct found key = {.m.addr = addr};

	return find(&key, r->found, r->nfound, sizeof(key), cmp_found);
}

/* A header-class object that is no map found (an empty one): it does not end an array. */
static bool header_slot(const struct run *r, uint64_t addr)
{
	const struct goheap_span *s = goheap__span_of(r->spans, r->nspans, addr);

	return s && s->elemsize == r->hs->hdr_class && (addr - s->start) % s->elemsize == 0;
}

static bool has_cand(const struct found *f, uint64_t type)
{
	if (f->m.type)
		return f->m.type == type;
	for (uint32_t i = 0; f->m.cands && i < f->m.cands->n; i++)
		if (f->m.cands->types[i] == type)
			return true;
	return false;
}

/* The maps of one array share a type: one a member has (or the only candidate they all
 * share) when every member fits it; else the array's address, for a later touch to type them
 * all (registry). Members that cannot share a type are no array of maps. */
static bool type_array(struct found **m, size_t n, uint64_t array, uint64_t *type)
{
	uint64_t t = 0, only = 0;
	uint32_t shared = 0;
	const struct heapscan_cands *c = NULL;

	for (size_t i = 0; i < n && !t; i++)
		t = m[i]->m.type;
	for (size_t i = 0; !t && i < n && !c; i++)
		c = m[i]->m.cands;
	for (uint32_t k = 0; !t && c && k < c->n; k++) {
		bool all = true;

		for (size_t i = 0; i < n && all; i++)
			all = has_cand(m[i], c->types[k]);
		if (all && shared++ == 0)
			only = c->types[k];
	}
	if (!t && !shared)
		return false;
	t = t ? t : shared == 1 ? only : 0;
	for (size_t i = 0; t && i < n; i++)
		if (!has_cand(m[i], t))
			return false;
	for (size_t i = 0; i < n; i++) {
		m[i]->m.array = array;
		if (t && !m[i]->m.type) {
			m[i]->m.type = t;
			m[i]->m.cands = NULL;
		}
	}
	*type = t;
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool is_empty_map(const struct run *r, uint64_t addr)
{
	return find(&addr, r->empty, r->nempty, sizeof(addr), cmp_u64) != NULL;
}

/* An accepted array's empty members become its maps: a []map[K]V that holds validated maps
 * holds maps in its other slots too. */
static int add_empties(struct run *r, const uint64_t *addrs, size_t n, uint64_t array,
		       uint64_t type)
{
	for (size_t i = 0; i < n; i++) {
		struct found f = {.m = {.addr = addrs[i], .type = type, .array = array}};

		if (heapscan_run__push_found(&r->pending, &r->npending, &r->cap_pending, &f))
			return -ENOMEM;
	}
	return 0;
}

/* Runs of words pointing at map headers (found maps, or empty ones) in large objects that hold
 * pointers: slices and arrays of maps. */
int heapscan_hold__arrays(struct run *r)
{
	uint64_t budget = ARRAY_READ_MAX, *empties = NULL;
	struct found **members = NULL;
	int ret = 0;

	/* found_at bisects r->found. */
	sort(r->found, r->nfound, sizeof(*r->found), cmp_found);
	sort(r->empty, r->nempty, sizeof(*r->empty), cmp_u64);
	for (size_t i = 0; i < r->nspans && budget && !ret; i++) {
		const struct goheap_span *s = &r->spans[i];
		size_t nw, n = 0, ne = 0, start = 0;
		uint64_t *w;

		if (s->spanclass != 0 || s->elemsize > budget || s->elemsize < 8 * ARRAY_MIN_MAPS)
			continue;
		w = malloc(s->elemsize);
		nw = s->elemsize / 8;
		free(members);
		free(empties);
		members = malloc(nw * sizeof(*members));
		empties = malloc(nw * sizeof(*empties));
		if (!w || !members || !empties ||
		    remote__read(r->hs->pid, s->start, w, s->elemsize)) {
			free(w);
			continue;
		}
		budget -= s->elemsize;
		r->st->bytes_read += s->elemsize;
		for (size_t k = 0; k <= nw && !ret; k++) {
			struct found *f = k < nw ? found_at(r, w[k]) : NULL;
			uint64_t type = 0;

			if (f) {
				start = n ? start : k;
				members[n++] = f;
			} else if (k < nw && header_slot(r, w[k])) {
				if (is_empty_map(r, w[k]))
					empties[ne++] = w[k];
			} else {
				if (n >= ARRAY_MIN_MAPS &&
				    type_array(members, n, s->start + start * 8, &type))
					ret = add_empties(r, empties, ne, s->start + start * 8,
							  type);
				n = ne = 0;
			}
		}
		free(w);
	}
	free(members);
	free(empties);
	return ret;
}

/* The pending empty maps of arrays join the found ones, once each, r->found sorted again. */
int heapscan_hold__add_pending(struct run *r)
{
	size_t sorted = r->nfound;
	uint64_t last = 0;

	sort(r->pending, r->npending, sizeof(*r->pending), cmp_found);
	for (size_t i = 0; i < r->npending; i++) {
		if (r->pending[i].m.addr == last ||
		    find(&r->pending[i], r->found, sorted, sizeof(*r->found), cmp_found))
			continue;
		last = r->pending[i].m.addr;
		if (heapscan_run__push_found(&r->found, &r->nfound, &r->cap, &r->pending[i]))
			return -ENOMEM;
		r->st->empty--; /* counted as skipped when its slot was read */
	}
	sort(r->found, r->nfound, sizeof(*r->found), cmp_found);
	return 0;
}
