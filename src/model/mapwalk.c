#include "model/mapwalk.h"

#include "inspect/goversion.h"
#include "model/gotype.h"
#include "model/remote.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPHASH_EVAC_X 2
#define TOPHASH_EVAC_EMPTY 4
#define TOPHASH_MIN 5
#define CTRL_FREE 0x80 /* empty 0x80 and deleted 0xfe both have it; full slots (H2) never */
#define SLOTS 8

/* Bounds that a sane map never reaches: a garbage header or chain ends the walk, not the host. */
#define MAX_B 40
#define MAX_CHAIN (1u << 20)
#define MAX_DIR_LEN (1u << 24)
#define MAX_ARRAY_READ (64u << 20) /* bytes of buckets read at once; larger arrays in chunks */
#define MAX_STRING_LEN (1ull << 40)

struct reservoir {
	struct mapwalk_entry *e;
	size_t cap, n;
	uint64_t seen, rng;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, bound), without modulo bias (Lemire's multiply-and-reject). */
static uint64_t bounded(uint64_t *s, uint64_t bound)
{
	unsigned __int128 m = (unsigned __int128)splitmix(s) * bound;
	uint64_t lo = (uint64_t)m;

	if (lo < bound) {
		uint64_t t = -bound % bound;

		while (lo < t) {
			m = (unsigned __int128)splitmix(s) * bound;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* Algorithm R: after k offers every one of them is in the reservoir with probability cap/k. */
static void offer(struct reservoir *r, uint64_t key, uint64_t elem)
{
	uint64_t j;

	r->seen++;
	if (r->n < r->cap) {
		r->e[r->n++] = (struct mapwalk_entry){ key, elem };
		return;
	}
	j = bounded(&r->rng, r->seen);
	if (j < r->cap)
		r->e[j] = (struct mapwalk_entry){ key, elem };
}

void mapwalk__layout(const struct maptype_info *ti, bool swiss, uint16_t hmap_size,
		     struct mapwalk_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->swiss = swiss;
	l->hmap_size = hmap_size;
	l->bucket_size = ti->bucket_size;
	l->key_slot = ti->key_size;
	l->elem_slot = ti->elem_size;
	l->keys_off = ti->keys_off;
	l->key_stride = ti->key_stride;
	l->elems_off = ti->elems_off;
	l->elem_stride = ti->elem_stride;
	l->indirect_key = ti->indirect_key;
	l->indirect_elem = ti->indirect_elem;
	l->key_kind = ti->key_kind;
	l->elem_kind = ti->elem_kind;
	l->key_size = ti->key_type_size;
	l->elem_size = ti->elem_type_size;
}

/* ---- classic ---- */

struct classic_hdr {
	uint64_t count, buckets, old, nevacuate;
	uint8_t B, flags;
};

static int classic_hdr(pid_t pid, uint64_t addr, const struct mapwalk_layout *l,
		       struct classic_hdr *h)
{
	uint8_t b[GO_HMAP_SIZE_MAX];

	if (l->hmap_size > sizeof(b) || l->hmap_size < GO_HMAP_SIZE_MIN ||
	    remote__read(pid, addr, b, l->hmap_size))
		return -EFAULT;
	memcpy(&h->count, b, 8);
	h->flags = b[GO_HMAP_FLAGS];
	h->B = b[GO_HMAP_B];
	memcpy(&h->buckets, b + GO_HMAP_BUCKETS, 8);
	memcpy(&h->old, b + GO_HMAP_OLDBUCKETS, 8);
	memcpy(&h->nevacuate, b + GO_HMAP_NEVACUATE, 8);
	if (h->B > MAX_B || h->count > (SLOTS * 16ull) << h->B)
		return -EINVAL;
	return 0;
}

static bool classic_same(const struct classic_hdr *a, const struct classic_hdr *b)
{
	return a->count == b->count && a->buckets == b->buckets && a->old == b->old &&
	       a->nevacuate == b->nevacuate && a->B == b->B &&
	       (a->flags & GO_HMAP_SAMESIZE) == (b->flags & GO_HMAP_SAMESIZE);
}

/* Offers the live slots of one bucket whose bytes are in b (read from addr). */
static void classic_bucket(const struct mapwalk_layout *l, uint64_t addr, const uint8_t *b,
			   struct reservoir *r)
{
	uint64_t elems = addr + 8 + SLOTS * (uint64_t)l->key_slot;

	for (int i = 0; i < SLOTS; i++)
		if (b[i] >= TOPHASH_MIN)
			offer(r, addr + 8 + (uint64_t)i * l->key_slot,
			      elems + (uint64_t)i * l->elem_slot);
}

/* Walks the overflow chain after a bucket already offered (its bytes in first). */
static int classic_overflow(pid_t pid, const struct mapwalk_layout *l, const uint8_t *first,
			    uint8_t *buf, struct reservoir *r)
{
	uint64_t next, mark = 0;
	unsigned int lap = 1, steps = 0;

	memcpy(&next, first + l->bucket_size - 8, 8);
	for (unsigned int hops = 0; next; hops++) {
		/* Brent's cycle check: a chain that comes back to a bucket it passed is garbage (a
		 * torn read, a stale pointer), and walking it to MAX_CHAIN took seconds a bucket
		 * (fuzz_mapwalk's slowest inputs). */
		if (next == mark)
			return -EFAULT;
		if (++steps == lap) {
			mark = next;
			lap *= 2;
			steps = 0;
		}
		if (hops >= MAX_CHAIN || remote__read(pid, next, buf, l->bucket_size))
			return -EFAULT;
		classic_bucket(l, next, buf, r);
		memcpy(&next, buf + l->bucket_size - 8, 8);
	}
	return 0;
}

/* Reads buckets [first, first + n) of the array at base, in chunks. */
static int read_buckets(pid_t pid, uint64_t base, uint64_t first, uint64_t n, uint32_t bsz,
			uint8_t *dst)
{
	uint64_t per = MAX_ARRAY_READ / bsz ? MAX_ARRAY_READ / bsz : 1;

	for (uint64_t i = 0; i < n; i += per) {
		uint64_t k = n - i < per ? n - i : per;

		if (remote__read(pid, base + (first + i) * bsz, dst + i * bsz, k * bsz))
			return -EFAULT;
	}
	return 0;
}

/* True if the last byte of an n-bucket array at base is readable. A garbage B (up to MAX_B) must
 * not make us allocate more than the target holds: an array that large is mapped in the target
 * before we allocate its copy (fuzz_mapwalk found a 2^40-bucket allocation). */
static bool array_mapped(pid_t pid, uint64_t base, uint64_t n, uint32_t bsz)
{
	uint8_t last;

	return remote__read(pid, base + n * bsz - 1, &last, 1) == 0;
}

/* Walks the chain of bucket idx of the array at base; arr holds that array's bucket bytes. */
static int classic_chain(pid_t pid, const struct mapwalk_layout *l, uint64_t base, uint64_t idx,
			 const uint8_t *arr, uint8_t *buf, struct reservoir *r)
{
	const uint8_t *b = arr + idx * l->bucket_size;

	classic_bucket(l, base + idx * l->bucket_size, b, r);
	return classic_overflow(pid, l, b, buf, r);
}

/* One walk. Mid-growth, an old bucket not yet evacuated holds the live entries of both of its
 * new buckets (which stay empty until it is: every write evacuates first), and an evacuated one
 * holds none; so each old bucket stands either for itself or for its one or two new buckets,
 * and every live entry is offered exactly once. */
static int classic_walk(pid_t pid, const struct mapwalk_layout *l, const struct classic_hdr *h,
			struct reservoir *r)
{
	uint64_t nb = 1ull << h->B, nold = 0;
	uint8_t *arr = NULL, *old = NULL, *buf = NULL;
	bool same = h->flags & GO_HMAP_SAMESIZE;
	int ret = 0;

	if (!h->buckets)
		return 0;
	if (h->old) {
		if (!same && h->B == 0)
			return -EINVAL;
		nold = same ? nb : nb / 2;
	}
	if (!array_mapped(pid, h->buckets, nb, l->bucket_size) ||
	    (nold && !array_mapped(pid, h->old, nold, l->bucket_size)))
		return -EFAULT;
	/* nb >= 1, and layout_ok() keeps bucket_size in [16, 1 MiB]: never 0 bytes, never wraps. */
	arr = malloc(nb * l->bucket_size); // NOLINT(clang-analyzer-optin.portability.UnixAPI)
	old = nold ? malloc(nold * l->bucket_size) : NULL;
	buf = malloc(l->bucket_size);
	if (!arr || !buf || (nold && !old)) {
		ret = -ENOMEM;
		goto out;
	}
	ret = read_buckets(pid, h->buckets, 0, nb, l->bucket_size, arr);
	if (!ret && nold)
		ret = read_buckets(pid, h->old, 0, nold, l->bucket_size, old);
	if (ret)
		goto out;
	if (!nold) {
		for (uint64_t i = 0; i < nb && !ret; i++)
			ret = classic_chain(pid, l, h->buckets, i, arr, buf, r);
		goto out;
	}
	for (uint64_t oi = 0; oi < nold && !ret; oi++) {
		uint8_t top = old[oi * l->bucket_size];

		if (top < TOPHASH_EVAC_X || top > TOPHASH_EVAC_EMPTY) {
			ret = classic_chain(pid, l, h->old, oi, old, buf, r);
			continue;
		}
		ret = classic_chain(pid, l, h->buckets, oi, arr, buf, r);
		if (!ret && !same)
			ret = classic_chain(pid, l, h->buckets, oi + nold, arr, buf, r);
	}
out:
	free(arr);
	free(old);
	free(buf);
	return ret;
}

/* ---- swiss ---- */

struct swiss_hdr {
	uint64_t used, dir, dirlen;
};

static int swiss_hdr(pid_t pid, uint64_t addr, struct swiss_hdr *h)
{
	uint8_t m[GO_SWISS_MAP_SIZE];

	if (remote__read(pid, addr, m, sizeof(m)))
		return -EFAULT;
	memcpy(&h->used, m, 8);
	memcpy(&h->dir, m + GO_SWISS_DIRPTR, 8);
	memcpy(&h->dirlen, m + GO_SWISS_DIRLEN, 8);
	if (h->dirlen > MAX_DIR_LEN || (h->dirlen & (h->dirlen - 1)) || (h->dirlen && !h->dir) ||
	    (!h->dirlen && h->used > SLOTS))
		return -EINVAL;
	return 0;
}

static void swiss_group(const struct mapwalk_layout *l, uint64_t addr, const uint8_t *g,
			struct reservoir *r)
{
	for (int j = 0; j < SLOTS; j++)
		if (!(g[j] & CTRL_FREE))
			offer(r, addr + l->keys_off + (uint64_t)j * l->key_stride,
			      addr + l->elems_off + (uint64_t)j * l->elem_stride);
}

static int swiss_table(pid_t pid, const struct mapwalk_layout *l, uint64_t tab,
		       struct reservoir *r)
{
	uint8_t t[GO_TABLE_SIZE], *groups;
	uint64_t data, mask, ngroups;
	uint16_t cap;
	int ret;

	if (remote__read(pid, tab, t, sizeof(t)))
		return -EFAULT;
	memcpy(&cap, t + GO_TABLE_CAPACITY, 2);
	memcpy(&data, t + GO_TABLE_GROUPS, 8);
	memcpy(&mask, t + GO_TABLE_LENGTH_MASK, 8);
	ngroups = mask + 1;
	if (cap < SLOTS || cap > 1024 || (cap & (cap - 1)) || ngroups != cap / SLOTS || !data)
		return -EINVAL;
	groups = malloc(ngroups * l->bucket_size);
	if (!groups)
		return -ENOMEM;
	ret = remote__read(pid, data, groups, ngroups * l->bucket_size) ? -EFAULT : 0;
	for (uint64_t g = 0; g < ngroups && !ret; g++)
		swiss_group(l, data + g * l->bucket_size, groups + g * l->bucket_size, r);
	free(groups);
	return ret;
}

static int swiss_walk(pid_t pid, const struct mapwalk_layout *l, const struct swiss_hdr *h,
		      struct reservoir *r)
{
	uint64_t *tabs, last = 0;
	int ret = 0;

	if (!h->dirlen) {
		/* A small map: dirPtr is its one group (nil before the first insert). */
		uint8_t *g;

		if (!h->dir)
			return 0;
		g = malloc(l->bucket_size);
		if (!g)
			return -ENOMEM;
		ret = remote__read(pid, h->dir, g, l->bucket_size) ? -EFAULT : 0;
		if (!ret)
			swiss_group(l, h->dir, g, r);
		free(g);
		return ret;
	}
	if (!array_mapped(pid, h->dir, h->dirlen, 8))
		return -EFAULT;
	tabs = malloc(h->dirlen * sizeof(*tabs));
	if (!tabs)
		return -ENOMEM;
	if (remote__read(pid, h->dir, tabs, h->dirlen * 8))
		ret = -EFAULT;
	/* A table of local depth d fills 2^(globalDepth-d) consecutive directory entries. */
	for (uint64_t i = 0; i < h->dirlen && !ret; i++) {
		if (tabs[i] == last)
			continue;
		last = tabs[i];
		ret = swiss_table(pid, l, tabs[i], r);
	}
	free(tabs);
	return ret;
}

/* ---- sampling ---- */

static bool layout_ok(const struct mapwalk_layout *l)
{
	if (l->bucket_size < 8 + SLOTS || l->bucket_size > (1u << 20))
		return false;
	if (l->swiss)
		return l->keys_off >= 8 && l->elems_off >= 8 &&
		       l->keys_off + (SLOTS - 1) * (uint64_t)l->key_stride < l->bucket_size &&
		       l->elems_off + (SLOTS - 1) * (uint64_t)l->elem_stride <= l->bucket_size;
	return 8 + SLOTS * ((uint64_t)l->key_slot + l->elem_slot) + 8 <= l->bucket_size;
}

int mapwalk__sample(pid_t pid, uint64_t addr, const struct mapwalk_layout *l, size_t n,
		    uint64_t seed, int retries, struct mapwalk_sample *out)
{
	struct reservoir r = { 0 };
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!addr || !layout_ok(l))
		return -EINVAL;
	r.cap = n;
	r.e = calloc(n ? n : 1, sizeof(*r.e));
	if (!r.e)
		return -ENOMEM;
	for (int try = 0; try <= retries; try++) {
		struct classic_hdr ch[2];
		struct swiss_hdr sh[2];
		int walk;

		r.n = 0;
		r.seen = 0;
		r.rng = seed;
		out->tries = try + 1;
		if (l->swiss) {
			ret = swiss_hdr(pid, addr, &sh[0]);
			if (ret)
				break;
			walk = swiss_walk(pid, l, &sh[0], &r);
			out->len = sh[0].used;
			out->consistent = !walk && !swiss_hdr(pid, addr, &sh[1]) &&
					  !memcmp(&sh[0], &sh[1], sizeof(sh[0]));
		} else {
			ret = classic_hdr(pid, addr, l, &ch[0]);
			if (ret)
				break;
			walk = classic_walk(pid, l, &ch[0], &r);
			out->len = ch[0].count;
			out->growing = ch[0].old != 0;
			out->consistent = !walk && !classic_hdr(pid, addr, l, &ch[1]) &&
					  classic_same(&ch[0], &ch[1]);
		}
		if (walk == -ENOMEM) {
			ret = walk;
			break;
		}
		out->consistent = out->consistent && r.seen == out->len;
		if (out->consistent)
			break;
	}
	if (ret) {
		free(r.e);
		return ret;
	}
	out->live = r.seen;
	out->n = r.n;
	out->e = r.e;
	return 0;
}

void mapwalk__free(struct mapwalk_sample *s)
{
	free(s->e);
	s->e = NULL;
	s->n = 0;
}

/* ---- values ---- */

void mapwalk__float(double v, bool is32, char *buf, size_t n)
{
	char tmp[64];
	int p, exp;

	if (isnan(v)) {
		snprintf(buf, n, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, n, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* strconv's 'g' with the shortest digits that read back as the same value; %e is used
	 * when the exponent is below -4 or at least 6 (fmt's %v threshold for shortest). */
	for (p = 0; p < 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p, v);
		if (is32 ? strtof(tmp, NULL) == (float)v : strtod(tmp, NULL) == v)
			break;
	}
	exp = atoi(strchr(tmp, 'e') + 1);
	if (exp < -4 || exp >= 6)
		snprintf(buf, n, "%s", tmp);
	else
		snprintf(buf, n, "%.*f", p - exp > 0 ? p - exp : 0, v);
}

static void hex(const uint8_t *b, size_t n, char *buf, size_t bufsz)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && o + 3 <= bufsz; i++, o += 2)
		snprintf(buf + o, bufsz - o, "%02x", b[i]);
}

static int64_t sext(const uint8_t *b, uint64_t size)
{
	switch (size) {
	case 1:
		return (int8_t)b[0];
	case 2: {
		int16_t v;

		memcpy(&v, b, 2);
		return v;
	}
	case 4: {
		int32_t v;

		memcpy(&v, b, 4);
		return v;
	}
	default: {
		int64_t v;

		memcpy(&v, b, 8);
		return v;
	}
	}
}

static uint64_t zext(const uint8_t *b, uint64_t size)
{
	uint64_t v = 0;

	memcpy(&v, b, size < 8 ? size : 8);
	return v;
}

static int format_string(pid_t pid, const uint8_t *hdr, size_t max_str, char *buf, size_t bufsz,
			 bool *truncated)
{
	uint64_t ptr, len, take;

	memcpy(&ptr, hdr, 8);
	memcpy(&len, hdr + 8, 8);
	if (len > MAX_STRING_LEN || (len && !ptr))
		return -EINVAL;
	take = len < max_str ? len : max_str;
	if (take >= bufsz)
		take = bufsz - 1;
	*truncated = take < len;
	if (take && remote__read(pid, ptr, buf, take))
		return -EFAULT;
	buf[take] = '\0';
	return 0;
}

int mapwalk__format(pid_t pid, uint64_t addr, bool indirect, uint8_t kind, uint64_t size,
		    size_t max_str, char *buf, size_t bufsz, bool *truncated)
{
	uint8_t b[16], *big;
	uint64_t take;
	bool basic;
	int ret;

	*truncated = false;
	if (bufsz < 32)
		return -EINVAL;
	buf[0] = '\0';
	if (indirect && remote__read(pid, addr, &addr, 8))
		return -EFAULT;
	if (indirect && !addr)
		return -EINVAL;
	switch (kind) {
	case 1: /* bool */
	case 2 ... 6: /* int, int8 .. int64 */
	case 7 ... 12: /* uint, uint8 .. uint64, uintptr */
		basic = size == 1 || size == 2 || size == 4 || size == 8;
		break;
	case 13: /* float32 */
		basic = size == 4;
		break;
	case 14: /* float64 */
	case 15: /* complex64 */
		basic = size == 8;
		break;
	case 16: /* complex128 */
		basic = size == 16;
		break;
	case 18: /* chan */
	case 19: /* func */
	case 22: /* pointer */
	case 26: /* unsafe.Pointer */
		basic = size == 8;
		break;
	case 24: /* string */
		basic = size == 16;
		break;
	default:
		basic = false;
	}
	if (basic) {
		if (remote__read(pid, addr, b, size))
			return -EFAULT;
		switch (kind) {
		case 1:
			snprintf(buf, bufsz, "%s", b[0] ? "true" : "false");
			return 0;
		case 2 ... 6:
			snprintf(buf, bufsz, "%" PRId64, sext(b, size));
			return 0;
		case 7 ... 12:
			snprintf(buf, bufsz, "%" PRIu64, zext(b, size));
			return 0;
		case 13:
		case 14: {
			float f;
			double d;

			memcpy(&f, b, 4);
			memcpy(&d, b, 8);
			mapwalk__float(kind == 13 ? f : d, kind == 13, buf, bufsz);
			return 0;
		}
		case 15:
		case 16: {
			char re[40], im[40];
			double r, i;

			if (kind == 15) {
				float fr, fi;

				memcpy(&fr, b, 4);
				memcpy(&fi, b + 4, 4);
				r = fr;
				i = fi;
			} else {
				memcpy(&r, b, 8);
				memcpy(&i, b + 8, 8);
			}
			mapwalk__float(r, kind == 15, re, sizeof(re));
			mapwalk__float(i, kind == 15, im, sizeof(im));
			snprintf(buf, bufsz, "(%s%s%si)", re, im[0] == '-' || im[0] == '+' ? "" : "+",
				 im);
			return 0;
		}
		case 24:
			return format_string(pid, b, max_str, buf, bufsz, truncated);
		default: {
			uint64_t p = zext(b, 8);

			if (p)
				snprintf(buf, bufsz, "0x%" PRIx64, p);
			else
				snprintf(buf, bufsz, "<nil>");
			return 0;
		}
		}
	}
	if (!size) {
		snprintf(buf, bufsz, "%s", kind == 25 ? "{}" : kind == 17 ? "[]" : "");
		return 0;
	}
	take = size < max_str ? size : max_str;
	if (take * 2 + 1 > bufsz)
		take = (bufsz - 1) / 2;
	*truncated = take < size;
	if (!take)
		return 0;
	big = malloc(take);
	if (!big)
		return -ENOMEM;
	ret = remote__read(pid, addr, big, take) ? -EFAULT : 0;
	if (!ret)
		hex(big, take, buf, bufsz);
	free(big);
	return ret;
}
