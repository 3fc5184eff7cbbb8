/* heapscan_span: the scan proper. Every allocated slot of the header size class is read, and
 * believed a map header only when its structure holds (see model/heapscan.h). */
#include "model/heapscan_int.h"

#include "model/goheap.h"
#include "model/mapread.h"
#include "model/remote.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* Every allocated slot of one span of the header size class, checked as a map header. */
int heapscan_span__scan(struct run *r, const struct goheap_span *s, uint32_t hg)
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
			ret = heapscan_run__push_found(&r->found, &r->nfound, &r->cap, &f);
	}
out:
	free(objs);
	free(bits);
	return ret;
}
