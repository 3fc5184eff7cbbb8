#include "model/heapscan.h"

#include "inspect/elf.h"
#include "inspect/gobin.h"
#include "inspect/goversion.h"
#include "model/goheap.h"
#include "model/gotype.h"
#include "model/mapread.h"
#include "model/remote.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* runtime.hmap and internal/runtime/maps.{Map,table} (GO-MAP-INTERNALS.md §1.2, §1.3). */
#define HMAP_FLAGS 8
#define HMAP_B 9
#define HMAP_BUCKETS 16
#define HMAP_OLDBUCKETS 24
#define HMAP_NEVACUATE 32
#define HMAP_FLAG_BITS 0x0f
#define SWISS_DIR 16
#define SWISS_DIRLEN 24
#define SWISS_DEPTH 32
#define SWISS_SHIFT 33
#define SWISS_WRITING 34
#define SWISS_TOMBS 35
#define SWISS_SLOTS 8
#define TABLE_SIZE 32
#define TABLE_CAP 2
#define TABLE_DEPTH 6
#define TABLE_GROUPS 16
#define TABLE_MASK 24
#define MAX_TABLE_CAP 1024
#define MAX_DIR_LEN (1u << 24)
/* Objects above this many bytes that hold pointers carry an allocation header (Go 1.22+). */
#define MALLOC_HEADER_MIN 512
#define PAGE_BYTES 8192
/* Arrays of maps ([]map[K]V: one type for all): at least this many maps found in one run of
 * words, read from large objects up to this many bytes a scan. */
#define ARRAY_MIN_MAPS 8
#define ARRAY_READ_MAX (64ull << 20)
/* The GC bitmap words read per untyped array: a few buckets, enough to tell masks apart. */
#define BITMAP_WORDS_MAX 512
/* The value cut: bucket bytes read per map to find one occupied slot, and pointer bits read
 * from the object its value points at. */
#define VALUE_READ_MAX 2048
#define VALUE_WORDS 64
#define BUCKET_SLOTS 8
#define MIN_TOPHASH 5 /* runtime/map.go: below it, emptyRest, emptyOne and evacuated marks */

struct global {
	uint64_t addr, size; /* file virtual address */
	const char *name;
};

struct heapscan {
	const struct gobin *gb;
	pid_t pid;
	bool swiss, headers;
	uint64_t hdr_size, hdr_class;
	struct gotype_map *types; /* sorted by group */
	size_t ntypes;
	uint64_t min_group;
	struct global *globals; /* sorted by addr */
	size_t nglobals, gcap;
	struct elf_section data[2]; /* .data and .bss, where pointers to heap maps live */
	size_t ndata;
	struct shape *shapes; /* every storage shape typed so far, and its candidates */
	size_t nshapes, scap;
	/* For the bitmap (go_layout.heap_bitmap): types indexes by map address, each group's
	 * pointer mask once read (masks[i] NULL: not yet or none, mask_state 1 read, 2 none), and
	 * the cut candidate sets, kept like the shapes' for the life of the heapscan. */
	size_t *by_map;
	uint8_t **masks, *mask_state;
	struct heapscan_cands **cut;
	size_t ncut, ccap;
	/* For the value cut, each type's value (state 1 read, 2 neither slice nor pointer) and its
	 * element's pointer mask. */
	struct gotype_value *vals;
	uint8_t **vmasks, **dmasks, *val_state;
	heapscan_progress_fn progress;
	void *progress_ctx;
};

/* What the candidates of a map depend on: its storage array's size and group count range, and
 * whether it holds pointers. */
struct shape {
	uint64_t usize, groups, groups_max;
	bool noscan;
	struct heapscan_cands *cands; /* NULL: none or exactly one fit (type) */
	uint64_t type;
};

/* What the structural check learnt about one map: where its storage array is, and how many
 * groups (classic buckets) that array holds at least and at most. */
struct found {
	struct heapscan_map m;
	uint64_t arr, usize, groups, groups_max;
	const struct goheap_span *arr_span;
	bool arr_header;
};

struct run {
	struct heapscan *hs;
	const struct goheap_span *spans;
	size_t nspans;
	uint64_t bias;
	struct heapscan_stats *st;
	struct found *found;
	size_t nfound, cap;
	/* Empty maps' headers (no storage: not told from other objects by themselves), sorted;
	 * those an array of maps points at are added as its maps (pending, until the arrays are
	 * all found: adding moves r->found). */
	uint64_t *empty;
	size_t nempty, cap_empty;
	struct found *pending;
	size_t npending, cap_pending;
};

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

static int cmp_by_map(const void *a, const void *b, void *ctx)
{
	const struct gotype_map *t = ctx;
	uint64_t x = t[*(const size_t *)a].map, y = t[*(const size_t *)b].map;

	return x < y ? -1 : x > y;
}

int heapscan__new(const struct gobin *gb, pid_t pid, struct heapscan **out)
{
	const char *const sects[] = {".data", ".bss"};
	struct heapscan *hs;
	int ret;

	*out = NULL;
	if (!gb->layout || !gb->layout->mheap_allspans || !gb->layout->verified)
		return -ENOTSUP;
	hs = calloc(1, sizeof(*hs));
	if (!hs)
		return -ENOMEM;
	hs->gb = gb;
	hs->pid = pid;
	hs->swiss = gb->maps == GO_LAYOUT_SWISS;
	hs->headers = gb->layout->span_largetype != 0;
	hs->hdr_size = hs->swiss ? GO_SWISS_MAP_SIZE : goversion__hmap_size(gb->layout);
	hs->hdr_class = hs->hdr_size == 48 ? 48 : 64;
	ret = gotype__map_types(gb, &hs->types, &hs->ntypes);
	if (ret == -ENOMEM)
		goto fail;
	for (size_t i = 0; i < hs->ntypes; i++)
		if (!hs->min_group || hs->types[i].group_size < hs->min_group)
			hs->min_group = hs->types[i].group_size;
	if (gb->layout->heap_bitmap && hs->ntypes) {
		hs->by_map = malloc(hs->ntypes * sizeof(*hs->by_map));
		hs->masks = calloc(hs->ntypes, sizeof(*hs->masks));
		hs->mask_state = calloc(hs->ntypes, 1);
		hs->vals = calloc(hs->ntypes, sizeof(*hs->vals));
		hs->vmasks = calloc(hs->ntypes, sizeof(*hs->vmasks));
		hs->dmasks = calloc(hs->ntypes, sizeof(*hs->dmasks));
		hs->val_state = calloc(hs->ntypes, 1);
		if (!hs->by_map || !hs->masks || !hs->mask_state || !hs->vals || !hs->vmasks ||
		    !hs->dmasks || !hs->val_state)
			goto fail;
		for (size_t i = 0; i < hs->ntypes; i++)
			hs->by_map[i] = i;
		qsort_r(hs->by_map, hs->ntypes, sizeof(*hs->by_map), cmp_by_map, hs->types);
	}
	ret = elf__foreach_object(gb->elf, add_global, hs);
	if (ret)
		goto fail;
	sort(hs->globals, hs->nglobals, sizeof(*hs->globals), cmp_global);
	for (size_t i = 0; i < 2; i++)
		if (elf__section(gb->elf, sects[i], &hs->data[hs->ndata]) == 0 &&
		    hs->data[hs->ndata].addr && hs->data[hs->ndata].size)
			hs->ndata++;
	*out = hs;
	return 0;
fail:
	heapscan__free(hs);
	return -ENOMEM;
}

void heapscan__free(struct heapscan *hs)
{
	if (!hs)
		return;
	for (size_t i = 0; i < hs->nshapes; i++)
		free(hs->shapes[i].cands);
	free(hs->shapes);
	for (size_t i = 0; hs->masks && i < hs->ntypes; i++)
		free(hs->masks[i]);
	free(hs->masks);
	free(hs->mask_state);
	for (size_t i = 0; hs->vmasks && hs->dmasks && i < hs->ntypes; i++) {
		free(hs->vmasks[i]);
		free(hs->dmasks[i]);
	}
	free(hs->vmasks);
	free(hs->dmasks);
	free(hs->vals);
	free(hs->val_state);
	free(hs->by_map);
	for (size_t i = 0; i < hs->ncut; i++)
		free(hs->cut[i]);
	free(hs->cut);
	free(hs->types);
	free(hs->globals);
	free(hs);
}

static uint64_t u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* The heap object whose user data starts exactly at addr (after its allocation header when it
 * has one): its span, and the bytes it holds. */
static bool object_at(const struct run *r, uint64_t addr, const struct goheap_span **sp,
		      uint64_t *usize, bool *header)
{
	const struct goheap_span *s = goheap__span_of(r->spans, r->nspans, addr);
	uint64_t off;
	bool hdr;

	if (!s)
		return false;
	hdr = r->hs->headers && !(s->spanclass & 1) && s->spanclass >> 1 &&
	      s->elemsize > MALLOC_HEADER_MIN;
	off = addr - s->start;
	if (off / s->elemsize >= s->nelems || off % s->elemsize != (hdr ? 8u : 0u))
		return false;
	*sp = s;
	*usize = s->elemsize - (hdr ? 8u : 0u);
	*header = hdr;
	return true;
}

static bool set_array(const struct run *r, struct found *f, uint64_t arr, uint64_t groups,
		      uint64_t groups_max)
{
	if (!object_at(r, arr, &f->arr_span, &f->usize, &f->arr_header) ||
	    f->usize / groups < r->hs->min_group)
		return false;
	f->arr = arr;
	f->groups = groups;
	f->groups_max = groups_max;
	return true;
}

/* A classic hmap: flags, B and the counts in range, buckets (and oldbuckets, extra) at heap
 * objects, the bucket array large enough for 2^B of the smallest bucket. 1: a map, 0: empty
 * with no storage, -1: not a map. */
static int classic(const struct run *r, const uint8_t *h, struct found *f)
{
	uint64_t count = u64(h), buckets = u64(h + HMAP_BUCKETS), old = u64(h + HMAP_OLDBUCKETS);
	uint64_t nevac = u64(h + HMAP_NEVACUATE), extra = u64(h + r->hs->hdr_size - 8), usize;
	uint8_t B = h[HMAP_B];
	const struct goheap_span *sp;
	bool hdr;

	if ((h[HMAP_FLAGS] & ~HMAP_FLAG_BITS) || B > 40)
		return -1;
	if (!buckets)
		return count || old || nevac || extra || B ? -1 : 0;
	if (!mapread__classic_count_ok(count, B, old != 0) || nevac > (1ull << B) ||
	    (old && !object_at(r, old, &sp, &usize, &hdr)) ||
	    (extra && !goheap__span_of(r->spans, r->nspans, extra)))
		return -1;
	/* makeBucketArray adds 2^(B-4) overflow buckets from B = 4. */
	return set_array(r, f, buckets, 1ull << B, (1ull << B) + (B >= 4 ? 1ull << (B - 4) : 0))
		       ? 1
		       : -1;
}

/* A Swiss table: capacity a power of two within bounds, depth, used and the group mask
 * consistent, its groups array at a heap object. */
static bool table_ok(const struct run *r, const uint8_t *t, uint8_t depth, struct found *f,
		     bool first)
{
	uint16_t cap, used;
	uint64_t usize;
	const struct goheap_span *sp;
	struct found g;
	bool hdr;

	memcpy(&used, t, 2);
	memcpy(&cap, t + TABLE_CAP, 2);
	if (cap < SWISS_SLOTS || cap > MAX_TABLE_CAP || (cap & (cap - 1)) || used > cap ||
	    t[TABLE_DEPTH] > depth || u64(t + TABLE_MASK) != cap / SWISS_SLOTS - 1u)
		return false;
	if (!first)
		return object_at(r, u64(t + TABLE_GROUPS), &sp, &usize, &hdr) &&
		       usize >= cap / SWISS_SLOTS * r->hs->min_group;
	g = *f;
	if (!set_array(r, &g, u64(t + TABLE_GROUPS), cap / SWISS_SLOTS, cap / SWISS_SLOTS))
		return false;
	*f = g;
	return true;
}

static int swiss_dir(const struct run *r, uint64_t dir, uint64_t dirlen, uint8_t depth,
		     struct found *f)
{
	uint64_t *tabs = malloc(dirlen * 8), *addrs = NULL, last = 0;
	uint8_t *raw = NULL, *ok = NULL;
	size_t n = 0;
	int ret = -1;

	if (!tabs || remote__read(r->hs->pid, dir, tabs, dirlen * 8))
		goto out;
	r->st->bytes_read += dirlen * 8;
	addrs = malloc(dirlen * 8);
	raw = malloc(dirlen * TABLE_SIZE);
	ok = malloc(dirlen);
	if (!addrs || !raw || !ok)
		goto out;
	/* Consecutive entries alias one table while its local depth is below the global one. */
	for (uint64_t i = 0; i < dirlen; i++) {
		const struct goheap_span *sp;
		uint64_t usize;
		bool hdr;

		if (tabs[i] == last)
			continue;
		if (!object_at(r, tabs[i], &sp, &usize, &hdr) || usize < TABLE_SIZE)
			goto out;
		last = addrs[n++] = tabs[i];
	}
	if (remote__read_each(r->hs->pid, addrs, TABLE_SIZE, raw, ok, n) != (long)n)
		goto out;
	r->st->bytes_read += n * TABLE_SIZE;
	for (size_t i = 0; i < n; i++)
		if (!table_ok(r, raw + i * TABLE_SIZE, depth, f, i == 0))
			goto out;
	ret = 1;
out:
	free(tabs);
	free(addrs);
	free(raw);
	free(ok);
	return ret;
}

/* A Swiss maps.Map: flags 0 or 1; a small map's group at a heap object, or a directory of
 * 2^globalDepth entries whose tables check out. 1: a map, 0: empty with no storage, -1: not. */
static int swiss(const struct run *r, const uint8_t *h, struct found *f)
{
	uint64_t used = u64(h), dir = u64(h + SWISS_DIR), dirlen = u64(h + SWISS_DIRLEN), usize;
	uint8_t depth = h[SWISS_DEPTH], shift = h[SWISS_SHIFT];
	const struct goheap_span *sp;
	bool hdr;

	if (h[SWISS_WRITING] > 1 || h[SWISS_TOMBS] > 1)
		return -1;
	if (dirlen == 0) {
		if (depth || (shift && shift != 64) || used > SWISS_SLOTS)
			return -1;
		if (!dir)
			return used ? -1 : 0;
		return set_array(r, f, dir, 1, 1) ? 1 : -1;
	}
	if (dirlen > MAX_DIR_LEN || (dirlen & (dirlen - 1)) || depth > 24 ||
	    dirlen != 1ull << depth || shift != 64 - depth ||
	    !object_at(r, dir, &sp, &usize, &hdr) || usize < dirlen * 8 ||
	    used > dirlen * MAX_TABLE_CAP)
		return -1;
	return swiss_dir(r, dir, dirlen, depth, f);
}

static int push_addr(uint64_t **v, size_t *n, size_t *cap, uint64_t addr)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		uint64_t *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = addr;
	return 0;
}

static int push_found(struct found **v, size_t *n, size_t *cap, const struct found *f)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		struct found *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = *f;
	return 0;
}

static int add_found(struct run *r, const struct found *f)
{
	return push_found(&r->found, &r->nfound, &r->cap, f);
}

/* Every allocated slot of one span of the header size class, checked as a map header. */
static int scan_span(struct run *r, const struct goheap_span *s, uint32_t hg)
{
	uint64_t n = s->nelems, es = s->elemsize;
	uint8_t *objs, *bits;
	int ret = 0;

	/* A span the sweeper is rewriting has no reliable allocation bits; the next scan sees it.
	 */
	if (s->sweepgen == hg - 1)
		return 0;
	objs = malloc(n * es);
	bits = calloc((n + 7) / 8, 1);
	if (!objs || !bits) {
		ret = -ENOMEM;
		goto out;
	}
	if (remote__read(r->hs->pid, s->start, objs, n * es) ||
	    (s->freeindex < n && remote__read(r->hs->pid, s->allocbits, bits, (n + 7) / 8)))
		goto out; /* freed meanwhile: nothing to find */
	r->st->bytes_read += n * es + (n + 7) / 8;
	for (uint64_t i = 0; i < n && !ret; i++) {
		struct found f = {.m.addr = s->start + i * es};
		int is;

		if (i >= s->freeindex && !(bits[i / 8] >> (i % 8) & 1))
			continue;
		r->st->slots++;
		is = r->hs->swiss ? swiss(r, objs + i * es, &f) : classic(r, objs + i * es, &f);
		if (is == 0) {
			r->st->empty++;
			ret = push_addr(&r->empty, &r->nempty, &r->cap_empty, f.m.addr);
		}
		if (is == 1)
			ret = add_found(r, &f);
	}
out:
	free(objs);
	free(bits);
	return ret;
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
static bool type_found(struct run *r, struct found *f, uint64_t hdr_word)
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
		m[w / 8] &= (uint8_t)~(1u << (w % 8));
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
static const struct heapscan_cands *cut_set(struct heapscan *hs, const uint64_t *types,
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

static size_t type_by_map(const struct heapscan *hs, uint64_t map)
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
static int cut_by_bitmap(struct run *r, struct goheap *h)
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
			size_t t = type_by_map(hs, c->types[j] - r->bias);
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
		c = cut_set(hs, keep, kept);
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

int heapscan__value_fits(uint64_t esize, uint64_t ptrdata, const uint8_t *mask,
			 const struct heapscan_obj *o)
{
	uint64_t ew = esize / 8, pw = ptrdata / 8, lim;

	if (!o->n || !esize)
		return -1;
	/* A live slice's elements, and a pointer's object, lie inside one heap object. */
	if (o->n > o->room / esize)
		return 0;
	/* makeslice and growslice allocate the elements' bytes rounded up to a size class, and
	 * classes step by at most 2x: an array of them fills over half its object. */
	if (o->whole && !o->noscan && o->n * esize * 2 < o->room)
		return 0;
	if (!ptrdata) {
		if (o->noscan)
			return 1;
		if (!o->bits)
			return -1;
		lim = (o->n * esize + 7) / 8;
		for (size_t w = 0; w < o->words && w < lim; w++)
			if (o->bits[w / 8] >> (w % 8) & 1)
				return 0;
		return -1;
	}
	/* Objects of types with pointers are never allocated in noscan spans. */
	if (o->noscan)
		return 0;
	if (!o->bits || !mask || !ew || esize % 8 || ptrdata > esize)
		return -1;
	/* The last element's words past its PtrBytes may read either way (the bitmap's end). */
	lim = (o->n - 1) * ew + pw;
	for (size_t w = 0; w < o->words && w < lim; w++) {
		uint64_t j = w % ew;
		unsigned int want = j < pw ? mask[j / 8] >> (j % 8) & 1 : 0;

		if (want != (o->bits[w / 8] >> (w % 8) & 1u))
			return 0;
	}
	return 1;
}

static uint8_t *read_mask(const struct heapscan *hs, uint64_t size, uint64_t ptrdata,
			  uint64_t gcdata, bool gcprog)
{
	size_t nb = (ptrdata / 8 + 7) / 8;
	uint8_t *m;

	if (!ptrdata || gcprog || !gcdata || ptrdata > size)
		return NULL;
	m = calloc(nb, 1);
	if (m && elf__read(hs->gb->elf, gcdata, m, nb)) {
		free(m);
		return NULL;
	}
	return m;
}

/* types[i]'s value when it is a slice or pointer, with its element's mask (and, for an element
 * that is a pointer, its target's) once read; NULL when it is neither, or unreadable. */
static const struct gotype_value *value_of(struct heapscan *hs, size_t i, const uint8_t **mask,
					   const uint8_t **dmask)
{
	struct gotype_value *v = &hs->vals[i];

	if (hs->val_state[i] == 0) {
		hs->val_state[i] = 2;
		if (gotype__value(hs->gb, hs->types[i].map, v) == 0) {
			hs->val_state[i] = 1;
			hs->vmasks[i] = read_mask(hs, v->esize, v->ptrdata, v->gcdata, v->gcprog);
			if (v->deref)
				hs->dmasks[i] =
					read_mask(hs, v->dsize, v->dptrdata, v->dgcdata, v->dgcprog);
		}
	}
	*mask = hs->vmasks[i];
	*dmask = hs->dmasks[i];
	return hs->val_state[i] == 1 ? v : NULL;
}

/* The slot layout every candidate of c shares (their values all slices or all pointers), or
 * false: then a value says nothing all candidates can be judged by. */
static bool values_known(struct heapscan *hs, const struct heapscan_cands *c, uint64_t bias,
			 struct gotype_value *out, uint64_t *bucket)
{
	for (uint32_t j = 0; j < c->n; j++) {
		size_t t = c->types[j] >= bias ? type_by_map(hs, c->types[j] - bias) : SIZE_MAX;
		const struct gotype_value *v;
		const uint8_t *m, *dm;

		if (t == SIZE_MAX || !(v = value_of(hs, t, &m, &dm)))
			return false;
		if (j == 0) {
			*out = *v;
			*bucket = hs->types[t].group_size;
		} else if (v->key_size != out->key_size || v->elem_size != out->elem_size ||
			   v->slice != out->slice || hs->types[t].group_size != *bucket) {
			return false;
		}
	}
	return *bucket >= BUCKET_SLOTS + BUCKET_SLOTS * (uint64_t)(out->key_size + out->elem_size);
}

/* One value of the map to follow: where it points, and its object. */
struct pick {
	size_t found;
	uint64_t ptr;
	struct heapscan_obj o;
};

/* The first occupied slot of f's buckets whose value points into a heap object that can be
 * judged: anywhere in a noscan span (tiny objects share a block), else at an object's start. */
static bool pick_value(struct run *r, const struct found *f, const struct gotype_value *v,
		       uint64_t bucket, uint8_t *buf, struct pick *p)
{
	uint64_t nb = f->usize < VALUE_READ_MAX ? f->usize : VALUE_READ_MAX;

	nb -= nb % bucket;
	if (!nb || remote__read(r->hs->pid, f->arr, buf, nb))
		return false;
	r->st->bytes_read += nb;
	for (uint64_t b = 0; b < nb; b += bucket) {
		for (unsigned int i = 0; i < BUCKET_SLOTS; i++) {
			const uint8_t *val = buf + b + BUCKET_SLOTS +
					     BUCKET_SLOTS * (uint64_t)v->key_size +
					     i * (uint64_t)v->elem_size;
			uint64_t ptr = u64(val), n = v->slice ? u64(val + 16) : 1, off, room;
			const struct goheap_span *s;

			if (buf[b + i] < MIN_TOPHASH || !ptr || !n ||
			    (v->slice && u64(val + 8) > n))
				continue;
			s = goheap__span_of(r->spans, r->nspans, ptr);
			if (!s || !s->elemsize)
				continue;
			off = (ptr - s->start) % s->elemsize;
			if ((ptr - s->start) / s->elemsize >= s->nelems ||
			    (!(s->spanclass & 1) && off))
				continue;
			room = s->elemsize - off;
			*p = (struct pick){0, ptr, {n, room, s->spanclass & 1, v->slice, NULL,
						    room / 8 < VALUE_WORDS ? room / 8 : VALUE_WORDS}};
			return true;
		}
	}
	return false;
}

/* Keeps of f's candidates those whose value's element (deref: the object its first element
 * points at) agrees with p's object; types f when one is left. As with the bitmap, a map none
 * agrees with keeps them all. */
static int judge(struct run *r, const struct pick *p, bool deref, uint64_t *keep)
{
	struct heapscan *hs = r->hs;
	struct found *f = &r->found[p->found];
	const struct heapscan_cands *c = f->m.cands;
	uint32_t kept = 0, fit = 0;

	for (uint32_t j = 0; c && j < c->n; j++) {
		size_t t = type_by_map(hs, c->types[j] - r->bias);
		const uint8_t *m, *dm;
		const struct gotype_value *v = value_of(hs, t, &m, &dm);
		int a = !v ? -1
			: !deref ? heapscan__value_fits(v->esize, v->ptrdata, m, &p->o)
			: v->deref ? heapscan__value_fits(v->dsize, v->dptrdata, dm, &p->o)
				   : -1;

		fit += a == 1;
		if (a)
			keep[kept++] = c->types[j];
	}
	if (!c || !fit || kept == c->n)
		return 0;
	if (kept == 1) {
		f->m.type = keep[0];
		f->m.cands = NULL;
		r->st->value_typed++;
		return 0;
	}
	c = cut_set(hs, keep, kept);
	if (!c)
		return -ENOMEM;
	f->m.cands = c;
	return 0;
}

/* Moves p on to the object its value's first element points at, when every candidate left
 * holds pointers there and the GC's bits say that word is one. */
static bool deref_pick(struct run *r, struct pick *p)
{
	const struct found *f = &r->found[p->found];
	const struct goheap_span *s;
	uint64_t q, off;

	if (!f->m.cands || !p->o.bits || !(p->o.bits[0] & 1))
		return false;
	for (uint32_t j = 0; j < f->m.cands->n; j++) {
		size_t t = type_by_map(r->hs, f->m.cands->types[j] - r->bias);
		const uint8_t *m, *dm;
		const struct gotype_value *v = value_of(r->hs, t, &m, &dm);

		if (!v || !v->deref)
			return false;
	}
	if (remote__read(r->hs->pid, p->ptr, &q, 8) || !q)
		return false;
	r->st->bytes_read += 8;
	s = goheap__span_of(r->spans, r->nspans, q);
	if (!s || !s->elemsize || (q - s->start) / s->elemsize >= s->nelems)
		return false;
	off = (q - s->start) % s->elemsize;
	if (!(s->spanclass & 1) && off)
		return false;
	/* new(T) allocates T's bytes rounded up to a size class: an element of a []*T points at
	 * an object allocated for one T, unless it points at the first field of a larger one. */
	p->ptr = q;
	p->o = (struct heapscan_obj){1, s->elemsize - off, s->spanclass & 1, true, NULL,
				     (s->elemsize - off) / 8 < VALUE_WORDS ? (s->elemsize - off) / 8
									   : VALUE_WORDS};
	return true;
}

/* Keeps of each map whose candidates all hold slices (or all pointers) those whose element type
 * agrees with the heap object one of its values points at: its span's noscan bit, its size, and
 * on Go 1.19-1.21 its pointer bits. As with the bitmap, a map none agrees with keeps them all. */
static int cut_by_values(struct run *r, struct goheap *h)
{
	struct heapscan *hs = r->hs;
	struct pick *picks = malloc((r->nfound + 1) * sizeof(*picks));
	uint64_t *addrs = malloc((r->nfound + 1) * sizeof(*addrs)), *keep = NULL;
	uint8_t *buf = malloc(VALUE_READ_MAX), *bits = NULL, *ok = NULL;
	size_t n = 0, n2 = 0, nb = (VALUE_WORDS + 7) / 8;
	int ret = -ENOMEM;

	if (!picks || !addrs || !buf)
		goto out;
	for (size_t i = 0; i < r->nfound; i++) {
		struct gotype_value v = {0};
		uint64_t bucket = 0;

		if (!r->found[i].m.cands || !values_known(hs, r->found[i].m.cands, r->bias, &v,
							   &bucket))
			continue;
		if (!pick_value(r, &r->found[i], &v, bucket, buf, &picks[n]))
			continue;
		picks[n].found = i;
		addrs[n] = picks[n].ptr;
		n++;
	}
	ret = 0;
	if (!n)
		goto out;
	ret = -ENOMEM;
	bits = calloc(n, nb);
	ok = calloc(n, 1);
	keep = malloc(hs->ntypes * sizeof(*keep));
	if (!bits || !ok || !keep)
		goto out;
	/* Objects of noscan spans have no bits, and need none. */
	ret = goheap__ptrbits_each(h, addrs, n, VALUE_WORDS, bits, ok);
	if (ret)
		goto out;
	r->st->bytes_read += n * goheap__bitmap_span(hs->gb->layout->heap_bitmap, VALUE_WORDS);
	for (size_t k = 0; k < n && !ret; k++) {
		picks[k].o.bits = ok[k] && !picks[k].o.noscan ? bits + k * nb : NULL;
		ret = judge(r, &picks[k], false, keep);
	}
	if (ret)
		goto out;
	/* A value's elements that are pointers ([]*A or []*B) lead on: its first element's object
	 * is judged as A or B. */
	for (size_t k = 0; k < n; k++) {
		struct pick *p = &picks[k];

		if (deref_pick(r, p))
			addrs[n2++] = p->ptr;
		else
			p->found = SIZE_MAX;
	}
	ret = 0;
	if (!n2)
		goto out;
	ret = goheap__ptrbits_each(h, addrs, n2, VALUE_WORDS, bits, ok);
	if (ret)
		goto out;
	r->st->bytes_read += n2 * goheap__bitmap_span(hs->gb->layout->heap_bitmap, VALUE_WORDS);
	for (size_t k = 0, k2 = 0; k < n && !ret; k++) {
		if (picks[k].found == SIZE_MAX)
			continue;
		picks[k].o.bits = ok[k2] && !picks[k].o.noscan ? bits + k2 * nb : NULL;
		k2++;
		ret = judge(r, &picks[k], true, keep);
	}
out:
	free(picks);
	free(addrs);
	free(buf);
	free(bits);
	free(ok);
	free(keep);
	return ret;
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
static void find_holders(struct run *r)
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

		if (push_found(&r->pending, &r->npending, &r->cap_pending, &f))
			return -ENOMEM;
	}
	return 0;
}

/* Runs of words pointing at map headers (found maps, or empty ones) in large objects that hold
 * pointers: slices and arrays of maps. */
static int find_arrays(struct run *r)
{
	uint64_t budget = ARRAY_READ_MAX, *empties = NULL;
	struct found **members = NULL;
	int ret = 0;

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
		if (!w || !members || !empties || remote__read(r->hs->pid, s->start, w, s->elemsize)) {
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
					ret = add_empties(r, empties, ne, s->start + start * 8, type);
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
static int add_pending(struct run *r)
{
	size_t sorted = r->nfound;
	uint64_t last = 0;

	sort(r->pending, r->npending, sizeof(*r->pending), cmp_found);
	for (size_t i = 0; i < r->npending; i++) {
		if (r->pending[i].m.addr == last ||
		    find(&r->pending[i], r->found, sorted, sizeof(*r->found), cmp_found))
			continue;
		last = r->pending[i].m.addr;
		if (add_found(r, &r->pending[i]))
			return -ENOMEM;
		r->st->empty--; /* counted as skipped when its slot was read */
	}
	sort(r->found, r->nfound, sizeof(*r->found), cmp_found);
	return 0;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The allocation header words of every array that has one, in one batch. */
static int read_headers(struct run *r, uint64_t **words)
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

void heapscan__set_progress(struct heapscan *hs, heapscan_progress_fn fn, void *ctx)
{
	hs->progress = fn;
	hs->progress_ctx = ctx;
}

/* Tells the progress hook how far the scan is, once it has run PROGRESS_AFTER_S, then at most
 * every PROGRESS_EVERY_S; *shown says whether it was ever told. */
#define PROGRESS_AFTER_S 1.0
#define PROGRESS_EVERY_S 0.25
static void progress(struct run *r, double wall0, double *last, double fraction, bool *shown)
{
	double t;

	if (!r->hs->progress)
		return;
	t = wall_now();
	if (t - wall0 < PROGRESS_AFTER_S || t - *last < PROGRESS_EVERY_S)
		return;
	*last = t;
	*shown = true;
	r->hs->progress(r->hs->progress_ctx, fraction, r->nfound, false);
}

int heapscan__run(struct heapscan *hs, struct goheap *h, uint64_t bias, heapscan_fn fn, void *ctx,
		  struct heapscan_stats *st)
{
	double cpu0 = cpu_now(), wall0 = wall_now(), last = 0;
	bool shown = false;
	struct run r = {.hs = hs, .bias = bias, .st = st};
	struct goheap_span *spans = NULL;
	uint64_t *words = NULL;
	uint32_t hg;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = goheap__spans(h, &spans, &r.nspans, &hg);
	if (ret)
		return ret;
	r.spans = spans;
	st->spans = r.nspans;
	/* The fractions are rough shares of the time, measured at 1 GiB: the header spans, their
	 * candidates' words, typing, arrays and holders, then handing the maps over. */
	for (size_t i = 0; i < r.nspans && !ret; i++) {
		if (spans[i].elemsize == hs->hdr_class && !(spans[i].spanclass & 1))
			ret = scan_span(&r, &spans[i], hg);
		if (i % 64 == 0)
			progress(&r, wall0, &last, 0.6 * (double)i / (double)r.nspans, &shown);
	}
	if (!ret)
		ret = read_headers(&r, &words);
	progress(&r, wall0, &last, 0.7, &shown);
	if (!ret) {
		size_t kept = 0;

		for (size_t i = 0; i < r.nfound; i++) {
			if (type_found(&r, &r.found[i], words[i]))
				r.found[kept++] = r.found[i];
			if (i % 4096 == 0)
				progress(&r, wall0, &last, 0.7 + 0.1 * (double)i / (double)r.nfound,
					 &shown);
		}
		st->rejected = r.nfound - kept;
		r.nfound = kept;
		if (hs->by_map)
			ret = cut_by_bitmap(&r, h);
		if (hs->by_map && !hs->swiss && !ret)
			ret = cut_by_values(&r, h);
	}
	if (!ret) {
		sort(r.found, r.nfound, sizeof(*r.found), cmp_found);
		ret = find_arrays(&r);
	}
	/* The arrays' empty maps join once every array is found (found_at needs r.found sorted
	 * and in place). */
	if (!ret)
		ret = add_pending(&r);
	if (!ret) {
		find_holders(&r);
		progress(&r, wall0, &last, 0.85, &shown);
		for (size_t i = 0; i < r.nfound; i++) {
			fn(ctx, &r.found[i].m);
			if (i % 4096 == 0)
				progress(&r, wall0, &last,
					 0.85 + 0.15 * (double)i / (double)r.nfound, &shown);
		}
		st->maps = r.nfound;
	}
	free(words);
	free(r.found);
	free(r.empty);
	free(r.pending);
	free(spans);
	if (shown)
		hs->progress(hs->progress_ctx, 1, st->maps, true);
	st->cpu_seconds = cpu_now() - cpu0;
	st->seconds = wall_now() - wall0;
	return ret;
}
