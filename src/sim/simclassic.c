/* simclassic: Go's classic hash map (runtime/map.go, Go 1.19-1.23): buckets of 8 slots with
 * overflow chains, growth by doubling or same-size rehash, evacuated incrementally by writes.
 *
 * Each simulated bucket keeps the full hashes of its entries (evacuation needs them) and a bitmask
 * of used slots; which slot an entry takes matters, because the runtime always fills the first
 * free slot of a chain. Overflow buckets come from a pool and are linked by index. */
#include "sim/simmap.h"
#include "sim/simmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 8
#define HMAP_SIZE 48
#define MAPEXTRA_SIZE 24

struct cbkt {
	uint8_t used;	   /* bit i: slot i holds an entry */
	uint8_t evacuated; /* old buckets only */
	uint32_t ovf;	   /* 1 + pool index of the next overflow bucket; 0 ends the chain */
	uint64_t hash[SLOTS];
};

struct simmap {
	struct simmap_params p;
	uint64_t rng;
	uint32_t hash0;
	uint64_t count;
	uint8_t B;
	bool same_size;
	struct cbkt *buckets; /* 2^B; NULL until the first insert when B == 0 */
	struct cbkt *old;     /* 2^oldB while growing */
	uint8_t oldB;
	uint64_t nevacuate;
	uint32_t noverflow;

	struct cbkt *pool;
	uint32_t npool, cap_pool, free_head; /* free list threaded through ovf (1-based) */

	uint64_t bucket_size;
	uint64_t ovf_cur, ovf_old; /* overflow buckets linked into current / unevacuated chains */
	uint64_t prealloc_left;	   /* makeBucketArray's spare buckets not yet handed out */
	uint64_t bytes_arr, bytes_oldarr; /* bucket arrays as allocated */
	uint64_t bytes_ovf, bytes_oldovf; /* overflow buckets allocated one by one */
	uint64_t growths, same_size_growths;
};

uint64_t simmap__rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool noscan(const struct simmap *m)
{
	return !m->p.key_ptrs && !m->p.elem_ptrs;
}

static bool over_load(const struct simmap *m, uint64_t count, uint8_t B)
{
	return count > SLOTS && count > (uint64_t)m->p.go.load_num * ((1ull << B) / 2);
}

/* tooManyOverflowBuckets: as many overflow buckets as buckets (capped at 2^15). */
static bool too_many_overflow(const struct simmap *m)
{
	uint8_t b = m->B > 15 ? 15 : m->B;

	return m->noverflow >= (uint32_t)1 << b;
}

static struct cbkt *pool_get(struct simmap *m, uint32_t ref)
{
	return &m->pool[ref - 1];
}

/* A zeroed overflow bucket; returns its 1-based reference, or 0 when out of memory. */
static uint32_t pool_alloc(struct simmap *m)
{
	uint32_t ref;

	if (m->free_head) {
		ref = m->free_head;
		m->free_head = pool_get(m, ref)->ovf;
	} else {
		if (m->npool == m->cap_pool) {
			uint32_t ncap = m->cap_pool ? 2 * m->cap_pool : 64;
			struct cbkt *np = realloc(m->pool, (size_t)ncap * sizeof(*np));

			if (!np)
				return 0;
			m->pool = np;
			m->cap_pool = ncap;
		}
		ref = ++m->npool;
	}
	memset(pool_get(m, ref), 0, sizeof(struct cbkt));
	return ref;
}

static void pool_free_chain(struct simmap *m, uint32_t ref)
{
	while (ref) {
		uint32_t next = pool_get(m, ref)->ovf;

		pool_get(m, ref)->ovf = m->free_head;
		m->free_head = ref;
		ref = next;
	}
}

/* makeBucketArray: 2^b buckets, plus 2^(b-4) spare overflow buckets when b >= 4, rounded up to
 * fill the allocation's size class. Returns the array and records its cost. */
static struct cbkt *make_array(struct simmap *m, uint8_t b)
{
	uint64_t base = 1ull << b, n = base;

	if (b >= 4) {
		uint64_t sz, up;

		n += 1ull << (b - 4);
		sz = m->bucket_size * n;
		up = simmem__roundup(sz, noscan(m), m->p.go.minor);
		if (up != sz)
			n = up / m->bucket_size;
	}
	m->prealloc_left = n - base;
	m->bytes_arr = simmem__alloc(m->bucket_size * n, noscan(m), m->p.go.minor);
	return calloc(base, sizeof(struct cbkt));
}

/* incrnoverflow: exact below B=16, then counted with probability 1/2^(B-15). */
static void incr_noverflow(struct simmap *m)
{
	if (m->B < 16) {
		m->noverflow++;
		return;
	}
	if ((simmap__rand(&m->rng) & ((1u << (m->B - 15)) - 1)) == 0)
		m->noverflow++;
}

/* newoverflow: appends an overflow bucket after b (the chain's last), from the preallocated spares
 * if any are left. Returns the new bucket or NULL. The pool may move: b stays valid only if it is
 * an array bucket, so a pool bucket is re-derived from its index. */
static struct cbkt *new_overflow(struct simmap *m, struct cbkt *b)
{
	uint32_t bref = 0, ref;

	if (m->pool && b >= m->pool && b < m->pool + m->npool)
		bref = (uint32_t)(b - m->pool) + 1;
	if (m->prealloc_left)
		m->prealloc_left--;
	else
		m->bytes_ovf += simmem__alloc(m->bucket_size, noscan(m), m->p.go.minor);
	incr_noverflow(m);
	ref = pool_alloc(m);
	if (!ref)
		return NULL;
	if (bref)
		b = pool_get(m, bref);
	/* b is the chain's last bucket (the caller's walk stops at one without ovf, never past
	 * the end); the analyzer cannot see that pool_get() of a set ref is never NULL. */
	b->ovf = ref; // NOLINT(clang-analyzer-core.NullDereference)
	m->ovf_cur++;
	return pool_get(m, ref);
}

static struct cbkt *next_in_chain(struct simmap *m, const struct cbkt *b)
{
	return b->ovf ? pool_get(m, b->ovf) : NULL;
}

/* Appends hash to a chain's tail during evacuation; *tail tracks the destination bucket by
 * reference (array bucket pointer or pool index) since the pool may move. */
struct dst {
	struct cbkt *arr; /* the array bucket heading the chain */
	uint32_t ref;	  /* pool reference of the tail, 0 while the tail is arr */
	int i;		  /* next slot in the tail */
};

static int dst_put(struct simmap *m, struct dst *d, uint64_t hash)
{
	struct cbkt *tail = d->ref ? pool_get(m, d->ref) : d->arr;

	if (d->i == SLOTS) {
		struct cbkt *nb = new_overflow(m, tail);

		if (!nb)
			return -ENOMEM;
		d->ref = (uint32_t)(nb - m->pool) + 1;
		tail = nb;
		d->i = 0;
	}
	tail->hash[d->i] = hash;
	tail->used |= 1u << d->i;
	d->i++;
	return 0;
}

static void finish_growth(struct simmap *m)
{
	free(m->old);
	m->old = NULL;
	m->ovf_old = 0;
	m->bytes_oldarr = 0;
	m->bytes_oldovf = 0;
	m->same_size = false;
}

/* advanceEvacuationMark: moves past evacuated buckets (at most 1024 per call). */
static void advance_mark(struct simmap *m, uint64_t newbit)
{
	uint64_t stop;

	m->nevacuate++;
	stop = m->nevacuate + 1024;
	if (stop > newbit)
		stop = newbit;
	while (m->nevacuate != stop && m->old[m->nevacuate].evacuated)
		m->nevacuate++;
	if (m->nevacuate == newbit)
		finish_growth(m);
}

/* evacuate: moves old bucket ob's chain into X (same index) and, when doubling, Y (index +
 * newbit), in slot order, chaining overflow buckets as destinations fill. */
static int evacuate(struct simmap *m, uint64_t ob)
{
	uint64_t newbit = 1ull << m->oldB;
	struct cbkt *b = &m->old[ob];

	if (!b->evacuated) {
		struct dst xy[2] = {{&m->buckets[ob], 0, 0}, {NULL, 0, 0}};
		uint32_t chain = b->ovf;

		if (!m->same_size)
			xy[1].arr = &m->buckets[ob + newbit];
		for (uint32_t r = 0;;) {
			for (int i = 0; i < SLOTS; i++) {
				const struct cbkt *c = r ? pool_get(m, r) : b;
				uint64_t h = c->hash[i];

				if (!(c->used & (1u << i)))
					continue;
				/* dst_put may move the pool: c is re-read each slot. */
				if (dst_put(m, &xy[!m->same_size && (h & newbit)], h))
					return -ENOMEM;
			}
			r = (r ? pool_get(m, r) : b)->ovf;
			if (!r)
				break;
		}
		for (uint32_t r = chain; r; r = pool_get(m, r)->ovf)
			m->ovf_old--;
		pool_free_chain(m, chain);
		b = &m->old[ob];
		b->ovf = 0;
		b->used = 0;
		b->evacuated = 1;
	}
	if (ob == m->nevacuate)
		advance_mark(m, newbit);
	return 0;
}

static int grow_work(struct simmap *m, uint64_t bucket)
{
	int ret = evacuate(m, bucket & ((1ull << m->oldB) - 1));

	if (!ret && m->old)
		ret = evacuate(m, m->nevacuate);
	return ret;
}

/* hashGrow: doubles if the next insert would overload, else rehashes at the same size (too many
 * overflow buckets). Entries move later, two old buckets per write. */
static int hash_grow(struct simmap *m)
{
	bool bigger = over_load(m, m->count + 1, m->B);
	struct cbkt *nb;

	m->old = m->buckets;
	m->oldB = m->B;
	m->bytes_oldarr = m->bytes_arr;
	m->bytes_oldovf = m->bytes_ovf;
	m->bytes_ovf = 0;
	m->ovf_old = m->ovf_cur;
	m->ovf_cur = 0;
	m->same_size = !bigger;
	nb = make_array(m, (uint8_t)(m->B + bigger));
	if (!nb)
		return -ENOMEM;
	m->buckets = nb;
	m->B += bigger;
	m->nevacuate = 0;
	m->noverflow = 0;
	m->growths++;
	m->same_size_growths += !bigger;
	return 0;
}

static int classic_insert(struct simmap *m, uint64_t hash)
{
	struct cbkt *b, *last;
	uint64_t bucket;
	int ret;

	if (!m->buckets) {
		m->buckets = calloc(1, sizeof(struct cbkt));
		if (!m->buckets)
			return -ENOMEM;
		m->bytes_arr = simmem__alloc(m->bucket_size, noscan(m), m->p.go.minor);
	}
again:
	bucket = hash & ((1ull << m->B) - 1);
	if (m->old) {
		ret = grow_work(m, bucket);
		if (ret)
			return ret;
	}
	b = &m->buckets[bucket];
	for (last = b; last; last = next_in_chain(m, last)) {
		if (last->used != 0xff)
			break;
		if (!last->ovf)
			break;
	}
	if (!m->old && (over_load(m, m->count + 1, m->B) || too_many_overflow(m))) {
		ret = hash_grow(m);
		if (ret)
			return ret;
		goto again;
	}
	/* The walk above breaks at a bucket without ovf before last can become NULL. */
	if (last->used == 0xff) { // NOLINT(clang-analyzer-core.NullDereference)
		last = new_overflow(m, last);
		if (!last)
			return -ENOMEM;
	}
	for (int i = 0; i < SLOTS; i++) {
		if (!(last->used & (1u << i))) {
			last->used |= 1u << i;
			last->hash[i] = hash;
			break;
		}
	}
	m->count++;
	return 0;
}

static int classic_remove(struct simmap *m, uint64_t hash)
{
	uint64_t bucket;
	int ret;

	if (!m->buckets || !m->count)
		return -ENOENT;
	bucket = hash & ((1ull << m->B) - 1);
	if (m->old) {
		ret = grow_work(m, bucket);
		if (ret)
			return ret;
	}
	for (struct cbkt *b = &m->buckets[bucket]; b; b = next_in_chain(m, b)) {
		for (int i = 0; i < SLOTS; i++) {
			if ((b->used & (1u << i)) && b->hash[i] == hash) {
				b->used &= ~(1u << i);
				if (--m->count == 0)
					m->hash0 = (uint32_t)simmap__rand(&m->rng);
				return 0;
			}
		}
	}
	return -ENOENT;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t natural_align(uint32_t size)
{
	uint64_t a = 1;

	while (a < 8 && a < size && !(size & a))
		a <<= 1;
	return a;
}

static int classic_create(const struct simmap_params *p, struct simmap **out)
{
	struct simmap *m = calloc(1, sizeof(*m));
	uint32_t ks, es;

	if (!m)
		return -ENOMEM;
	m->p = *p;
	m->rng = p->rng_seed;
	m->hash0 = (uint32_t)simmap__rand(&m->rng);
	/* Keys or elems over 128 bytes are stored as pointers. */
	ks = p->key_size > 128 ? 8 : p->key_size;
	es = p->elem_size > 128 ? 8 : p->elem_size;
	m->bucket_size = align_up(SLOTS + (uint64_t)SLOTS * ks, natural_align(es));
	m->bucket_size = align_up(m->bucket_size + (uint64_t)SLOTS * es, 8) + 8;
	/* makemap: the smallest B that holds hint entries without overloading. */
	while (over_load(m, p->hint, m->B))
		m->B++;
	if (m->B) {
		m->buckets = make_array(m, m->B);
		if (!m->buckets) {
			free(m);
			return -ENOMEM;
		}
	}
	*out = m;
	return 0;
}

static void classic_destroy(struct simmap *m)
{
	if (!m)
		return;
	free(m->buckets);
	free(m->old);
	free(m->pool);
	free(m);
}

static uint64_t classic_seed(const struct simmap *m)
{
	return m->hash0;
}

static void classic_stats(const struct simmap *m, struct simmap_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->len = m->count;
	s->buckets = m->buckets ? 1ull << m->B : 0;
	s->capacity = SLOTS * s->buckets;
	s->overflow_buckets = m->ovf_cur + m->ovf_old;
	s->noverflow = m->noverflow;
	s->growths = m->growths;
	s->same_size_growths = m->same_size_growths;
	s->growing = m->old != NULL;
	s->bytes = HMAP_SIZE + m->bytes_arr + m->bytes_oldarr + m->bytes_ovf + m->bytes_oldovf;
	/* mapextra exists once a map has had overflow buckets (or spare ones to hand out). */
	if (m->ovf_cur || m->ovf_old || m->prealloc_left || m->bytes_ovf || m->bytes_oldovf)
		s->bytes += MAPEXTRA_SIZE;
}

static uint64_t classic_growths(const struct simmap *m)
{
	return m->growths;
}

const struct simmap_ops simclassic__ops = {
	.name = "classic",
	.create = classic_create,
	.destroy = classic_destroy,
	.seed = classic_seed,
	.insert = classic_insert,
	.remove = classic_remove,
	.stats = classic_stats,
	.growths = classic_growths,
};

const struct simmap_ops *simmap__ops_for(const struct simgo *g)
{
	return g->layout == SIMGO_SWISS ? &simswiss__ops : &simclassic__ops;
}
