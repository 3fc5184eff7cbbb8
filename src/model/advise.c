#include "model/advise.h"

#include "sim/simmap.h"
#include "sim/simmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* reflect.Kind */
#define KIND_INT 2
#define KIND_UINTPTR 12
#define KIND_ARRAY 17
#define KIND_UNSAFE_POINTER 26

/* A rebuild is advised below 1/REBUILD_SPARSE of the slots in use. */
#define REBUILD_SPARSE 8
/* small_maps: a site of at least this many maps of at most SMALL_LEN entries on average. */
#define SMALL_MAPS 1000
#define SMALL_LEN 8
/* A slice of the keys' range wastes at most half of it. */
#define SLICE_DENSITY 2
#define PRESIZE_GROWTHS 3
/* A Go slice header replaces a map pointer: 24 bytes for 8. */
#define SLICE_HEADER_EXTRA 16
#define MEMO 64
/* The model is not run beyond this many keys (128 MiB of them, seconds of work): such a map, or
 * a header that reads that big (memory reused since), gets no byte figure. */
#define SIM_MAX_KEYS (1ull << 24)

static const char *const KIND_NAMES[] = {
	[ADVISE_GUARD] = "guard", [ADVISE_REBUILD] = "rebuild",	      [ADVISE_SLICE] = "slice",
	[ADVISE_SET] = "set",	  [ADVISE_SMALL_MAPS] = "small_maps", [ADVISE_PRESIZE] = "presize",
};

const char *advise__kind_name(enum advise_kind k)
{
	return KIND_NAMES[k];
}

/* Array and struct kinds (17, 25) may hold pointers: counted as if they did (a scan span). */
static bool kind_ptrs(uint8_t k)
{
	return k >= KIND_ARRAY && k <= KIND_UNSAFE_POINTER;
}

bool advise__int_kind(uint8_t k)
{
	return k >= KIND_INT && k <= KIND_UINTPTR;
}

/* Inserts fill random keys into a make(map, hint) (and more, until its capacity reaches
 * min_cap), deletes all but keep, and reports the bytes the model allocated. */
static int sim_map(const struct simgo *go, const struct advise_type *t, uint64_t hint,
		   uint64_t fill, uint64_t min_cap, uint64_t keep, uint64_t *bytes)
{
	const struct simmap_ops *ops = simmap__ops_for(go);
	struct simmap_params p = {
		.go = *go,
		.key_size = (uint32_t)t->key_size,
		.elem_size = (uint32_t)t->elem_size,
		.key_ptrs = kind_ptrs(t->key_kind),
		.elem_ptrs = kind_ptrs(t->elem_kind),
		.hint = hint,
		.rng_seed = 0x5eed,
	};
	uint64_t rng = 0xad715e, *keys, n = 0, cap = fill + 64;
	struct simmap_stats st = {0};
	struct simmap *m;
	int ret;

	/* A map's capacity is at most 8/6.5 of what it held, so twice min_cap keys reach it. */
	if (min_cap * 2 > cap)
		cap = min_cap * 2 + 64;
	if (cap > SIM_MAX_KEYS)
		return -E2BIG;
	keys = malloc(cap * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	ret = ops->create(&p, &m);
	if (ret) {
		free(keys);
		return ret;
	}
	while (!ret && n < cap) {
		/* Checked at fill, then after every insert while the map is small and every 64
		 * beyond (stats walks a Swiss directory): one insert too many can grow a small map.
		 */
		if (n >= fill && (n < 4096 || (n - fill) % 64 == 0)) {
			ops->stats(m, &st);
			if (st.capacity >= min_cap)
				break;
		}
		keys[n] = simmap__rand(&rng);
		ret = ops->insert(m, keys[n++]);
	}
	for (uint64_t i = 0; !ret && i + keep < n; i++)
		ret = ops->remove(m, keys[i]);
	ops->stats(m, &st);
	ops->destroy(m);
	free(keys);
	*bytes = st.bytes;
	return ret;
}

int advise__sim_bytes(const struct simgo *go, const struct advise_type *t, uint64_t hint,
		      uint64_t fill, uint64_t keep, uint64_t *bytes)
{
	return sim_map(go, t, hint, fill, 0, keep, bytes);
}

/* sim_map's answers for one site: a server's thousands of small maps come in a few shapes. */
struct memo {
	struct {
		uint64_t fill, min_cap, keep, elem_size, bytes;
	} v[MEMO];
	size_t n, next;
};

/* The bytes map m holds as the model sees it: grown to its capacity (and to its peak, when
 * that needed no more room), then emptied down to its len. Go maps never shrink. */
static int bytes_now(const struct advise_params *p, const struct advise_type *t,
		     const struct advise_map *m, struct memo *memo, uint64_t *bytes)
{
	uint64_t fill = m->peak_len > m->len ? m->peak_len : m->len;
	uint64_t min_cap = m->no_storage ? 0 : m->capacity;
	int ret;

	for (size_t i = 0; i < memo->n; i++)
		if (memo->v[i].fill == fill && memo->v[i].min_cap == min_cap &&
		    memo->v[i].keep == m->len && memo->v[i].elem_size == t->elem_size) {
			*bytes = memo->v[i].bytes;
			return 0;
		}
	ret = sim_map(&p->go, t, 0, fill, min_cap, m->len, bytes);
	if (ret)
		return ret;
	memo->v[memo->next].fill = fill;
	memo->v[memo->next].min_cap = min_cap;
	memo->v[memo->next].keep = m->len;
	memo->v[memo->next].elem_size = t->elem_size;
	memo->v[memo->next].bytes = *bytes;
	memo->next = (memo->next + 1) % MEMO;
	if (memo->n < MEMO)
		memo->n++;
	return 0;
}

/* "K" and "V" of "map[K]V" (K may hold brackets itself). */
static void split_type(const char *name, char *k, size_t kn, char *v, size_t vn)
{
	const char *p = name && !strncmp(name, "map[", 4) ? name + 4 : NULL;
	int depth = 1;
	const char *q = p;

	snprintf(k, kn, "K");
	snprintf(v, vn, "V");
	if (!p)
		return;
	for (; *q && depth; q++)
		depth += *q == '[' ? 1 : *q == ']' ? -1 : 0;
	if (depth)
		return;
	snprintf(k, kn, "%.*s", (int)(q - 1 - p), p);
	snprintf(v, vn, "%s", q);
}

static struct advise_item *push(struct advise_list *out, enum advise_kind kind,
				const struct advise_site *s, size_t maxaddrs)
{
	struct advise_item *it;

	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		struct advise_item *v = realloc(out->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		out->v = v;
		out->cap = cap;
	}
	it = &out->v[out->n];
	memset(it, 0, sizeof(*it));
	it->addrs = calloc(maxaddrs ? maxaddrs : 1, sizeof(*it->addrs));
	if (!it->addrs)
		return NULL;
	out->n++;
	it->kind = kind;
	it->site = s;
	it->type = s ? s->type.name : NULL;
	it->saves_bytes = -1;
	it->saves_seconds = -1;
	return it;
}

static void evidence(struct advise_item *it, const char *name, double value)
{
	if (it->nevidence < ADVISE_EVIDENCE) {
		it->evidence[it->nevidence].name = name;
		it->evidence[it->nevidence++].value = value;
	}
}

/* Maps whose len is far below what their capacity holds: each copied into a map made for its
 * len. */
static int rebuild(const struct advise_params *p, const struct advise_site *s, struct memo *memo,
		   struct advise_list *out)
{
	uint64_t now_all = 0, fresh_all = 0, len_all = 0, cap_all = 0;
	struct advise_item *it = NULL;
	char k[96], v[96];

	for (size_t i = 0; i < s->n; i++) {
		const struct advise_map *m = &s->maps[i];
		uint64_t now, fresh;
		int ret;

		/* A map seen emptied and filled again is a buffer reused on purpose: rebuilt, it
		 * would grow back at its next fill (Prometheus's per-scrape maps). */
		if (m->capacity < 64 || m->len * REBUILD_SPARSE > m->capacity || m->refills)
			continue;
		ret = bytes_now(p, &s->type, m, memo, &now);
		if (!ret)
			ret = sim_map(&p->go, &s->type, m->len, m->len, 0, m->len, &fresh);
		if (ret == -E2BIG)
			continue;
		if (ret)
			return ret;
		if (now <= fresh)
			continue;
		if (!it && !(it = push(out, ADVISE_REBUILD, s, s->n)))
			return -ENOMEM;
		it->addrs[it->naddrs++] = m->addr;
		now_all += now;
		fresh_all += fresh;
		len_all += m->len;
		cap_all += m->capacity;
	}
	if (!it)
		return 0;
	it->saves_bytes = (int64_t)(now_all - fresh_all);
	split_type(s->type.name, k, sizeof(k), v, sizeof(v));
	snprintf(it->change, sizeof(it->change),
		 "copy %s into a map made for its len: n := make(map[%s]%s, len(m)); "
		 "for k, v := range m { n[k] = v }; m = n",
		 it->naddrs > 1 ? "each" : "it", k, v);
	evidence(it, "len", (double)len_all);
	evidence(it, "capacity", (double)cap_all);
	evidence(it, "bytes_now", (double)now_all);
	evidence(it, "bytes_rebuilt", (double)fresh_all);
	return 0;
}

/* Integer keys dense in [0, n): a slice indexed by the key. n is the greatest key sampled, plus
 * the gap a uniform sample of that size leaves above its greatest on average. */
static int slice(const struct advise_params *p, const struct advise_site *s, struct memo *memo,
		 struct advise_list *out)
{
	uint64_t saved = 0, range_all = 0, len_all = 0, now_all = 0;
	struct advise_item *it = NULL;
	char k[96], v[96];

	if (!advise__int_kind(s->type.key_kind) || !s->type.elem_size)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct advise_map *m = &s->maps[i];
		uint64_t now, n, arr;
		int ret;

		if (!m->sampled || m->key_min < 0 || m->len < 64)
			continue;
		n = (uint64_t)m->key_max + 1;
		if (m->sampled < m->len)
			n += n / m->sampled;
		if (n > m->len * SLICE_DENSITY)
			continue;
		ret = bytes_now(p, &s->type, m, memo, &now);
		if (ret == -E2BIG)
			continue;
		if (ret)
			return ret;
		arr = simmem__alloc(n * s->type.elem_size, !kind_ptrs(s->type.elem_kind),
				    p->go.minor);
		if (now <= arr)
			continue;
		if (!it && !(it = push(out, ADVISE_SLICE, s, s->n)))
			return -ENOMEM;
		it->addrs[it->naddrs++] = m->addr;
		saved += now - arr;
		range_all += n;
		len_all += m->len;
		now_all += now;
	}
	if (!it)
		return 0;
	it->saves_bytes = (int64_t)saved;
	split_type(s->type.name, k, sizeof(k), v, sizeof(v));
	snprintf(it->change, sizeof(it->change),
		 "a slice indexed by the key: s := make([]%s, %llu) (an absent key reads as the "
		 "zero value)",
		 v, (unsigned long long)(it->naddrs == 1 ? range_all : range_all / it->naddrs));
	evidence(it, "len", (double)len_all);
	evidence(it, "key_range", (double)range_all);
	evidence(it, "bytes_now", (double)now_all);
	return 0;
}

/* map[K]bool whose sampled values were all true: map[K]struct{}, worth it where the model says
 * the smaller slot saves memory (not on Swiss maps, which pad a trailing zero-size value). */
static int set(const struct advise_params *p, const struct advise_site *s, struct memo *memo,
	       struct advise_list *out)
{
	struct advise_type zero = s->type;
	uint64_t now_all = 0, set_all = 0, sampled = 0;
	struct advise_item *it = NULL;
	struct memo zmemo = {0};
	char k[96], v[96];

	if (s->type.elem_kind != ADVISE_KIND_BOOL)
		return 0;
	zero.elem_size = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct advise_map *m = &s->maps[i];
		uint64_t now, as_set;
		int ret;

		if (!m->sampled || m->true_values != m->sampled)
			continue;
		ret = bytes_now(p, &s->type, m, memo, &now);
		if (!ret)
			ret = bytes_now(p, &zero, m, &zmemo, &as_set);
		if (ret == -E2BIG)
			continue;
		if (ret)
			return ret;
		if (now <= as_set)
			continue;
		if (!it && !(it = push(out, ADVISE_SET, s, s->n)))
			return -ENOMEM;
		it->addrs[it->naddrs++] = m->addr;
		now_all += now;
		set_all += as_set;
		sampled += m->sampled;
	}
	if (!it)
		return 0;
	it->saves_bytes = (int64_t)(now_all - set_all);
	split_type(s->type.name, k, sizeof(k), v, sizeof(v));
	snprintf(it->change, sizeof(it->change), "map[%s]struct{} (every value seen was true)", k);
	evidence(it, "values_sampled", (double)sampled);
	evidence(it, "bytes_now", (double)now_all);
	evidence(it, "bytes_as_set", (double)set_all);
	return 0;
}

/* Thousands of maps of a few entries: each one's header and first bucket or group cost more
 * than its entries; a slice of key/value pairs holds them in their own size. */
static int small_maps(const struct advise_params *p, const struct advise_site *s, struct memo *memo,
		      struct advise_list *out)
{
	uint64_t pair = (s->type.key_size + s->type.elem_size + 7) & ~7ull, len = 0, now_all = 0;
	int64_t saved = 0;
	struct advise_item *it;
	char k[96], v[96];

	if (s->n < SMALL_MAPS)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		len += s->maps[i].len;
	if (len > SMALL_LEN * s->n)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct advise_map *m = &s->maps[i];
		uint64_t now;
		int ret = bytes_now(p, &s->type, m, memo, &now);

		if (ret == -E2BIG)
			return 0;
		if (ret)
			return ret;
		now_all += now;
		saved += (int64_t)now - (int64_t)SLICE_HEADER_EXTRA -
			 (int64_t)simmem__alloc(m->len * pair,
						!kind_ptrs(s->type.key_kind) &&
							!kind_ptrs(s->type.elem_kind),
						p->go.minor);
	}
	if (saved <= 0)
		return 0;
	it = push(out, ADVISE_SMALL_MAPS, s, s->n);
	if (!it)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		it->addrs[it->naddrs++] = s->maps[i].addr;
	it->saves_bytes = saved;
	split_type(s->type.name, k, sizeof(k), v, sizeof(v));
	snprintf(it->change, sizeof(it->change),
		 "a slice of key/value pairs per owner ([]struct{ k %s; v %s }), searched "
		 "linearly, or one map for all of them keyed by (owner, key)",
		 k, v);
	evidence(it, "maps", (double)s->n);
	evidence(it, "entries", (double)len);
	evidence(it, "bytes_now", (double)now_all);
	return 0;
}

/* Maps that grew again and again to a size they kept: made with that size, they would not have
 * grown at all. */
static int presize(const struct advise_site *s, struct advise_list *out)
{
	uint64_t hint = 0, growths = 0;
	double secs = 0;
	struct advise_item *it = NULL;
	char k[96], v[96];

	for (size_t i = 0; i < s->n; i++) {
		const struct advise_map *m = &s->maps[i];
		uint64_t reached = m->peak_len > m->len ? m->peak_len : m->len;

		/* A map grows when it is over 6.5/8 (classic) or 7/8 (Swiss) full, to twice the
		 * slots: it held at least 13/32 of the capacity it has, even if no read saw it. */
		if (m->capacity * 13 / 32 > reached)
			reached = m->capacity * 13 / 32;
		/* Never read (gone before the first read: a per-call map), or empty now: no size
		 * to name. */
		if (m->growths < PRESIZE_GROWTHS || m->growth_seconds <= 0 || !m->capacity ||
		    !m->len || m->len * 2 < reached)
			continue;
		if (!it && !(it = push(out, ADVISE_PRESIZE, s, s->n)))
			return -ENOMEM;
		it->addrs[it->naddrs++] = m->addr;
		if (m->peak_len > hint || m->len > hint)
			hint = m->peak_len > m->len ? m->peak_len : m->len;
		growths += m->growths;
		secs += m->growth_seconds;
	}
	if (!it)
		return 0;
	it->saves_seconds = secs;
	split_type(s->type.name, k, sizeof(k), v, sizeof(v));
	snprintf(it->change, sizeof(it->change), "make(map[%s]%s, %llu)", k, v,
		 (unsigned long long)hint);
	evidence(it, "growths", (double)growths);
	evidence(it, "growth_seconds", secs);
	evidence(it, "len", (double)hint);
	return 0;
}

int advise__site(const struct advise_params *p, const struct advise_site *s,
		 struct advise_list *out)
{
	struct memo memo = {0};
	size_t first = out->n;
	int ret;

	if (!s->type.name || !s->n)
		return 0;
	ret = rebuild(p, s, &memo, out);
	if (!ret)
		ret = slice(p, s, &memo, out);
	if (!ret)
		ret = set(p, s, &memo, out);
	if (!ret)
		ret = small_maps(p, s, &memo, out);
	if (!ret)
		ret = presize(s, out);
	/* A byte saving below the threshold is no advice. */
	for (size_t i = first; i < out->n;) {
		struct advise_item *it = &out->v[i];

		if (it->saves_bytes >= 0 && (uint64_t)it->saves_bytes < p->min_bytes) {
			free(it->addrs);
			*it = out->v[--out->n];
			continue;
		}
		i++;
	}
	return ret;
}

int advise__guard(struct advise_list *out, const struct advise_site *s, const char *type,
		  uint64_t addr, const char *a, const char *b)
{
	struct advise_item *it = push(out, ADVISE_GUARD, s, 1);

	if (!it)
		return -ENOMEM;
	it->type = type;
	if (addr)
		it->addrs[it->naddrs++] = addr;
	snprintf(it->writers[0], sizeof(it->writers[0]), "%s", a ? a : "?");
	snprintf(it->writers[1], sizeof(it->writers[1]), "%s", b ? b : "?");
	snprintf(it->change, sizeof(it->change),
		 "guard every write (and every read during writes) with one sync.Mutex, or use "
		 "sync.Map");
	return 0;
}

static int by_saving(const void *a, const void *b)
{
	const struct advise_item *x = a, *y = b;

	if ((x->kind == ADVISE_GUARD) != (y->kind == ADVISE_GUARD))
		return x->kind == ADVISE_GUARD ? -1 : 1;
	if (x->saves_bytes != y->saves_bytes)
		return x->saves_bytes < y->saves_bytes ? 1 : -1;
	if (x->saves_seconds != y->saves_seconds)
		return x->saves_seconds < y->saves_seconds ? 1 : -1;
	return (int)x->kind - (int)y->kind;
}

void advise__sort(struct advise_list *out)
{
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), by_saving);
}

void advise__free(struct advise_list *out)
{
	for (size_t i = 0; out && i < out->n; i++)
		free(out->v[i].addrs);
	if (out)
		free(out->v);
}
