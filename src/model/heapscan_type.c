/* heapscan_type: which map type each map found is, from the runtime's own data: its array's
 * allocation header or largeType, else the map types whose storage fits, cut on Go 1.19-1.21 by
 * the pointer mask the GC's heap bitmap holds for the array. */
#include "model/heapscan_int.h"

#include "inspect/elf.h"
#include "inspect/gobin.h"
#include "inspect/goversion.h"
#include "model/goheap.h"
#include "model/gotype.h"
#include "model/remote.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_BYTES 8192
/* The GC bitmap words read per untyped array: a few buckets, enough to tell masks apart. */
#define BITMAP_WORDS_MAX 512

/* The allocation header words of every array that has one, in one batch. */
int heapscan_type__read_headers(struct run *r, uint64_t **words)
{
	uint64_t *addrs = calloc(r->nfound + 1, 8);
	uint8_t *ok = calloc(r->nfound + 1, 1);
	long got;

	*words = calloc(r->nfound + 1, 8);
	if (!addrs || !ok || !*words) {
		free(addrs);
		free(ok);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->nfound; i++)
		addrs[i] = r->found[i].arr_header ? r->found[i].arr - 8 : r->found[i].m.addr;
	got = remote__read_each(r->hs->pid, addrs, 8, *words, ok, r->nfound);
	for (size_t i = 0; i < r->nfound; i++)
		if (!ok[i] || !r->found[i].arr_header)
			(*words)[i] = 0;
	r->st->bytes_read += r->nfound * 8;
	free(addrs);
	free(ok);
	return got < 0 ? (int)got : 0;
}

static const struct gotype_map *type_by_group(const struct heapscan *hs, uint64_t group)
{
	size_t lo = 0, hi = hs->ntypes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (hs->types[mid].group < group)
			lo = mid + 1;
		else if (hs->types[mid].group > group)
			hi = mid;
		else
			return &hs->types[mid];
	}
	return NULL;
}

/* Whether an array of sh->groups..sh->groups_max groups of t, rounded up by the allocator (to a
 * size class, at most 1/8 more, or to whole pages), is the array of shape sh. */
static bool fits(const struct shape *sh, const struct gotype_map *t)
{
	uint64_t lo = sh->groups * t->group_size, hi = sh->groups_max * t->group_size;
	uint64_t slack = hi / 8 + 16 > PAGE_BYTES ? hi / 8 + 16 : PAGE_BYTES;

	return t->group_ptrs == !sh->noscan && sh->usize >= lo && sh->usize <= hi + slack;
}

/* The shape of f's storage, with the map types that fit it found once per shape. */
static const struct shape *shape_of(struct run *r, const struct found *f)
{
	struct heapscan *hs = r->hs;
	struct shape key = {f->usize, f->groups, f->groups_max, f->arr_span->spanclass & 1, 0, 0};
	struct shape *sh;
	size_t n = 0;

	for (size_t i = 0; i < hs->nshapes; i++) {
		sh = &hs->shapes[i];
		if (sh->usize == key.usize && sh->groups == key.groups &&
		    sh->groups_max == key.groups_max && sh->noscan == key.noscan)
			return sh;
	}
	if (hs->nshapes == hs->scap) {
		size_t cap = hs->scap ? hs->scap * 2 : 64;

		sh = realloc(hs->shapes, cap * sizeof(*sh));
		if (!sh)
			return NULL;
		hs->shapes = sh;
		hs->scap = cap;
	}
	for (size_t i = 0; i < hs->ntypes; i++)
		n += fits(&key, &hs->types[i]);
	if (n >= 2) {
		key.cands = malloc(sizeof(*key.cands) + n * sizeof(key.cands->types[0]));
		if (!key.cands)
			return NULL;
		key.cands->n = 0;
	}
	for (size_t i = 0; i < hs->ntypes; i++) {
		if (!fits(&key, &hs->types[i]))
			continue;
		if (key.cands)
			key.cands->types[key.cands->n++] = hs->types[i].map + r->bias;
		else
			key.type = hs->types[i].map + r->bias;
	}
	hs->shapes[hs->nshapes] = key;
	return &hs->shapes[hs->nshapes++];
}

/* The type from the array's own allocation header or largeType, else the map types that fit.
 * False when no map type of the binary fits its storage: then it is no map. */
bool heapscan_type__found(struct run *r, struct found *f, uint64_t hdr_word)
{
	const struct gotype_map *t = NULL;
	uint64_t rt = f->arr_header ? hdr_word : f->arr_span->largetype;
	const struct shape *sh = shape_of(r, f);

	if (rt && rt >= r->bias)
		t = type_by_group(r->hs, rt - r->bias);
	if (t && sh && fits(sh, t)) {
		f->m.type = t->map + r->bias;
		r->st->typed++;
	} else if (sh) {
		f->m.type = sh->type;
		f->m.cands = sh->cands;
	}
	return !sh || !r->hs->ntypes || f->m.type || f->m.cands;
}

/* The pointer mask of types[i]'s group, word w at bit w%8 of byte w/8, read once; NULL when it
 * is a GC program or unreadable: the type then stays a candidate whatever the bitmap says. */
static const uint8_t *group_mask(struct heapscan *hs, size_t i)
{
	const struct gotype_map *t = &hs->types[i];
	uint64_t words = t->group_size / 8, nb = (words + 7) / 8;
	uint8_t *m;

	if (hs->mask_state[i])
		return hs->masks[i];
	hs->mask_state[i] = 2;
	if (!t->group_ptrs || t->gcprog || !t->gcdata || !words || t->group_size % 8 ||
	    t->ptrdata > t->group_size)
		return NULL;
	m = calloc(nb, 1);
	if (!m)
		return NULL;
	if (elf__read(hs->gb->elf, t->gcdata, m, (t->ptrdata / 8 + 7) / 8)) {
		free(m);
		return NULL;
	}
	/* The mask's last byte is padded: words past PtrBytes hold no pointers. */
	for (uint64_t w = t->ptrdata / 8; w < nb * 8; w++)
		m[w / 8] &= (uint8_t) ~(1u << (w % 8));
	hs->masks[i] = m;
	hs->mask_state[i] = 1;
	return m;
}

/* Whether bits[0..words) are the pointer bits of f's array were it of types[i]'s groups: the
 * group mask repeated over every group makeBucketArray allocates (2^B below B 4, else as many
 * as the object holds, 2^(B-4) overflow buckets and the size class's rounding included), zero
 * to the object's end. -1: the mask is unknown. */
static int mask_fits(struct heapscan *hs, size_t i, const struct found *f, const uint8_t *bits,
		     size_t words)
{
	const struct gotype_map *t = &hs->types[i];
	const uint8_t *m = group_mask(hs, i);
	uint64_t gw = t->group_size / 8;
	uint64_t n = f->groups == f->groups_max ? f->groups : f->usize / t->group_size;

	if (!m)
		return -1;
	for (size_t w = 0; w < words; w++) {
		unsigned int want = w < n * gw ? m[w % gw / 8] >> (w % gw % 8) & 1 : 0;

		if (want != (bits[w / 8] >> (w % 8) & 1u))
			return 0;
	}
	return 1;
}

/* The candidate set of these types, one kept per distinct set (maps share them). */
const struct heapscan_cands *heapscan_type__cut_set(struct heapscan *hs, const uint64_t *types,
						    uint32_t n)
{
	struct heapscan_cands *c;

	for (size_t i = 0; i < hs->ncut; i++)
		if (hs->cut[i]->n == n && !memcmp(hs->cut[i]->types, types, n * sizeof(*types)))
			return hs->cut[i];
	if (hs->ncut == hs->ccap) {
		size_t cap = hs->ccap ? hs->ccap * 2 : 64;
		struct heapscan_cands **v = realloc(hs->cut, cap * sizeof(*v));

		if (!v)
			return NULL;
		hs->cut = v;
		hs->ccap = cap;
	}
	c = malloc(sizeof(*c) + n * sizeof(c->types[0]));
	if (!c)
		return NULL;
	c->n = n;
	memcpy(c->types, types, n * sizeof(*types));
	hs->cut[hs->ncut++] = c;
	return c;
}

size_t heapscan_type__by_map(const struct heapscan *hs, uint64_t map)
{
	size_t lo = 0, hi = hs->ntypes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t m = hs->types[hs->by_map[mid]].map;

		if (m == map)
			return hs->by_map[mid];
		if (m < map)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

/* Keeps of each map with candidates those whose group's pointer mask is the one the GC's
 * bitmap holds for its array (Go 1.19-1.21, arrays in scan spans; noscan spans keep no bits).
 * A map none fits keeps them all: its bits changed under the read (the array freed and
 * reused), and a wrong cut would be worse than none. */
int heapscan_type__cut_by_bitmap(struct run *r, struct goheap *h)
{
	struct heapscan *hs = r->hs;
	size_t n = 0, words = 0, nb;
	size_t *idx = malloc((r->nfound + 1) * sizeof(*idx));
	uint64_t *addrs = malloc((r->nfound + 1) * sizeof(*addrs)), *keep = NULL;
	uint8_t *bits = NULL, *ok = malloc(r->nfound + 1);
	int ret = -ENOMEM;

	if (!idx || !addrs || !ok)
		goto out;
	for (size_t i = 0; i < r->nfound; i++) {
		const struct found *f = &r->found[i];
		uint64_t w = f->usize / 8 < BITMAP_WORDS_MAX ? f->usize / 8 : BITMAP_WORDS_MAX;

		if (!f->m.cands || (f->arr_span->spanclass & 1))
			continue;
		words = w > words ? w : words;
		idx[n] = i;
		addrs[n++] = f->arr;
	}
	ret = 0;
	if (!n || !words)
		goto out;
	nb = (words + 7) / 8;
	bits = malloc(n * nb);
	keep = malloc(hs->ntypes * sizeof(*keep));
	ret = -ENOMEM;
	if (!bits || !keep)
		goto out;
	ret = goheap__ptrbits_each(h, addrs, n, words, bits, ok);
	if (ret)
		goto out;
	r->st->bytes_read += n * goheap__bitmap_span(hs->gb->layout->heap_bitmap, words);
	for (size_t k = 0; k < n; k++) {
		struct found *f = &r->found[idx[k]];
		const struct heapscan_cands *c = f->m.cands;
		size_t mine = f->usize / 8 < words ? f->usize / 8 : words;
		uint32_t kept = 0, fit = 0;

		for (uint32_t j = 0; ok[k] && j < c->n && c->n <= hs->ntypes; j++) {
			size_t t = heapscan_type__by_map(hs, c->types[j] - r->bias);
			int v = t == SIZE_MAX ? -1 : mask_fits(hs, t, f, bits + k * nb, mine);

			fit += v == 1;
			if (v)
				keep[kept++] = c->types[j];
		}
		if (!fit || kept == c->n)
			continue;
		if (kept == 1) {
			f->m.type = keep[0];
			f->m.cands = NULL;
			r->st->bitmap_typed++;
			continue;
		}
		c = heapscan_type__cut_set(hs, keep, kept);
		if (!c) {
			ret = -ENOMEM;
			goto out;
		}
		f->m.cands = c;
	}
	ret = 0;
out:
	free(idx);
	free(addrs);
	free(bits);
	free(ok);
	free(keep);
	return ret;
}
