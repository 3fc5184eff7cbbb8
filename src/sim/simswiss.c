/* simswiss: Go's Swiss-table maps (internal/runtime/maps, Go 1.24+): a small map of one group,
 * then a directory of tables of at most 1024 slots, each an open-addressed array of 8-slot groups
 * probed quadratically, grown (doubled) or split whole inside one insert.
 *
 * Control bytes are kept exactly (0x80 empty, 0xFE tombstone, else H2), with the full hash of each
 * slot so that grow, split and pruneTombstones can re-place entries as the runtime does. */
#include "sim/simmap.h"
#include "sim/simmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 8
#define MAX_TABLE 1024
#define CTRL_EMPTY 0x80
#define CTRL_DELETED 0xfe
#define MAP_SIZE 48
#define TABLE_SIZE 32

struct stable {
	uint16_t used, capacity, growth_left;
	uint8_t local_depth;
	int64_t index; /* first directory entry pointing here */
	uint8_t *ctrl; /* capacity bytes, group g at [8g, 8g+8) */
	uint64_t *hash;
};

struct simmap {
	struct simmap_params p;
	uint64_t rng;
	uint64_t seed;
	uint64_t used;
	bool small_alloc; /* dirPtr points at the small map's group */
	uint8_t small_ctrl[SLOTS];
	uint64_t small_hash[SLOTS];
	struct stable **dir;
	uint64_t dir_len; /* 0: small map */
	uint8_t global_depth;
	uint64_t group_size;
	uint64_t growths, splits;
};

static bool noscan(const struct simmap *m)
{
	return !m->p.key_ptrs && !m->p.elem_ptrs;
}

static uint64_t h1(uint64_t hash)
{
	return hash >> 7;
}

static uint8_t h2(uint64_t hash)
{
	return hash & 0x7f;
}

/* newTable: capacity rounded up to a power of two, at least one group. */
static struct stable *table_new(uint64_t capacity, int64_t index, uint8_t depth)
{
	struct stable *t = calloc(1, sizeof(*t));
	uint64_t cap = SLOTS;

	while (cap < capacity)
		cap <<= 1;
	if (!t)
		return NULL;
	t->capacity = (uint16_t)cap;
	t->index = index;
	t->local_depth = depth;
	/* resetGrowthLeft: 7/8 of the slots, or all but one in a single group. */
	t->growth_left = cap <= SLOTS ? (uint16_t)(cap - 1) : (uint16_t)(cap * 7 / 8);
	t->ctrl = malloc(cap);
	t->hash = malloc(cap * sizeof(uint64_t));
	if (!t->ctrl || !t->hash) {
		free(t->ctrl);
		free(t->hash);
		free(t);
		return NULL;
	}
	memset(t->ctrl, CTRL_EMPTY, cap);
	return t;
}

static void table_free(struct stable *t)
{
	if (!t)
		return;
	free(t->ctrl);
	free(t->hash);
	free(t);
}

static uint16_t table_tombstones(const struct stable *t)
{
	return (uint16_t)(t->capacity * 7 / SLOTS - t->used - t->growth_left);
}

/* matchEmptyOrDeleted().first(): the lowest slot of group g that is empty or a tombstone. */
static int first_free(const struct stable *t, uint64_t g)
{
	for (int j = 0; j < SLOTS; j++)
		if (t->ctrl[g * SLOTS + j] & CTRL_EMPTY)
			return j;
	return -1;
}

static bool has_empty(const struct stable *t, uint64_t g)
{
	for (int j = 0; j < SLOTS; j++)
		if (t->ctrl[g * SLOTS + j] == CTRL_EMPTY)
			return true;
	return false;
}

/* uncheckedPutSlot: first free slot along the probe sequence (fresh tables have no tombstones). */
static void table_put_unchecked(struct stable *t, uint64_t hash)
{
	uint64_t mask = t->capacity / SLOTS - 1, off = h1(hash) & mask;

	for (uint64_t i = 1;; off = (off + i++) & mask) {
		int j = first_free(t, off);

		if (j >= 0) {
			t->ctrl[off * SLOTS + j] = h2(hash);
			t->hash[off * SLOTS + j] = hash;
			t->growth_left--;
			t->used++;
			return;
		}
	}
}

static void replace_table(struct simmap *m, struct stable *t)
{
	uint64_t entries = 1ull << (m->global_depth - t->local_depth);

	for (uint64_t i = 0; i < entries; i++)
		m->dir[t->index + i] = t;
}

static int table_grow(struct simmap *m, struct stable *t, uint64_t newcap)
{
	struct stable *nt = table_new(newcap, t->index, t->local_depth);

	if (!nt)
		return -ENOMEM;
	for (uint64_t s = 0; s < t->capacity; s++)
		if (!(t->ctrl[s] & CTRL_EMPTY))
			table_put_unchecked(nt, t->hash[s]);
	replace_table(m, nt);
	table_free(t);
	m->growths++;
	return 0;
}

/* installTableSplit: doubles the directory first if the old table used its full depth. */
static int install_split(struct simmap *m, struct stable *old, struct stable *l, struct stable *r)
{
	if (old->local_depth == m->global_depth) {
		struct stable **nd = malloc(2 * m->dir_len * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		for (uint64_t i = 0; i < m->dir_len; i++) {
			struct stable *t = m->dir[i];

			nd[2 * i] = nd[2 * i + 1] = t;
			if (t->index == (int64_t)i)
				t->index = 2 * (int64_t)i;
		}
		free(m->dir);
		m->dir = nd;
		m->dir_len *= 2;
		m->global_depth++;
	}
	l->index = old->index;
	replace_table(m, l);
	r->index = l->index + (1LL << (m->global_depth - l->local_depth));
	replace_table(m, r);
	return 0;
}

static int table_split(struct simmap *m, struct stable *t)
{
	uint8_t depth = t->local_depth + 1;
	uint64_t mask = 1ull << (64 - depth);
	struct stable *l = table_new(MAX_TABLE, -1, depth), *r = table_new(MAX_TABLE, -1, depth);
	int ret = -ENOMEM;

	if (l && r) {
		for (uint64_t s = 0; s < t->capacity; s++)
			if (!(t->ctrl[s] & CTRL_EMPTY))
				table_put_unchecked(t->hash[s] & mask ? r : l, t->hash[s]);
		ret = install_split(m, t, l, r);
	}
	if (ret) {
		table_free(l);
		table_free(r);
		return ret;
	}
	table_free(t);
	m->splits++;
	m->growths++;
	return 0;
}

/* pruneTombstones (Go 1.26+): when tombstones are at least 10% of the table, turns back to empty
 * the tombstones of every group a lookup never needs to continue past (a group is needed when it
 * has an empty slot, or when a live entry's probe sequence passes through it, with a free slot,
 * before reaching the entry's group), provided that frees at least 10% of the capacity. */
static void table_prune(struct stable *t)
{
	uint64_t groups = t->capacity / SLOTS, mask = groups - 1;
	uint32_t needed[MAX_TABLE / SLOTS / 32] = {0};
	int cnt = 0;

	if (table_tombstones(t) * 10 < t->capacity)
		return;
	for (uint64_t g = 0; g < groups; g++) {
		for (int j = 0; j < SLOTS; j++) {
			uint64_t off, hash;

			if (t->ctrl[g * SLOTS + j] & CTRL_EMPTY)
				continue;
			hash = t->hash[g * SLOTS + j];
			off = h1(hash) & mask;
			for (uint64_t i = 1; off != g; off = (off + i++) & mask)
				if (first_free(t, off) >= 0)
					needed[off / 32] |= 1u << (off % 32);
		}
		if (has_empty(t, g))
			needed[g / 32] |= 1u << (g % 32);
	}
	for (uint64_t g = 0; g < groups; g++) {
		if (needed[g / 32] >> (g % 32) & 1)
			continue;
		for (int j = 0; j < SLOTS; j++)
			cnt += t->ctrl[g * SLOTS + j] == CTRL_DELETED;
	}
	if (cnt * 10 < t->capacity)
		return;
	for (uint64_t g = 0; g < groups; g++) {
		if (needed[g / 32] >> (g % 32) & 1)
			continue;
		for (int j = 0; j < SLOTS; j++) {
			if (t->ctrl[g * SLOTS + j] == CTRL_DELETED) {
				t->ctrl[g * SLOTS + j] = CTRL_EMPTY;
				t->growth_left++;
			}
		}
	}
}

/* (*table).PutSlot for a new key: 1 when placed, 0 when the table was rehashed instead (the
 * caller looks the table up again and retries, as Map.PutSlot does), or -ENOMEM. */
static int table_put(struct simmap *m, struct stable *t, uint64_t hash)
{
	uint64_t mask = t->capacity / SLOTS - 1, off = h1(hash) & mask;
	int64_t first_deleted = -1;

	for (uint64_t i = 1;; off = (off + i++) & mask) {
		int j = first_free(t, off);
		int64_t slot;
		int ret;

		if (j < 0)
			continue;
		slot = (int64_t)(off * SLOTS + j);
		if (t->ctrl[slot] == CTRL_DELETED) {
			if (first_deleted < 0)
				first_deleted = slot;
			continue;
		}
		if (first_deleted >= 0) {
			slot = first_deleted;
			t->growth_left++;
		}
		if (t->growth_left == 0 && m->p.go.prune_tombstones)
			table_prune(t);
		if (t->growth_left > 0) {
			t->ctrl[slot] = h2(hash);
			t->hash[slot] = hash;
			t->growth_left--;
			t->used++;
			m->used++;
			return 1;
		}
		if (2 * t->capacity <= MAX_TABLE)
			ret = table_grow(m, t, 2 * t->capacity);
		else
			ret = table_split(m, t);
		return ret ? ret : 0;
	}
}

/* growToTable: the full small group moves into one table of 16 slots. */
static int grow_to_table(struct simmap *m)
{
	struct stable *t = table_new(2 * SLOTS, 0, 0);

	if (!t)
		return -ENOMEM;
	m->dir = malloc(sizeof(*m->dir));
	if (!m->dir) {
		table_free(t);
		return -ENOMEM;
	}
	for (int j = 0; j < SLOTS; j++)
		if (!(m->small_ctrl[j] & CTRL_EMPTY))
			table_put_unchecked(t, m->small_hash[j]);
	m->dir[0] = t;
	m->dir_len = 1;
	m->global_depth = 0;
	m->growths++;
	return 0;
}

static uint64_t dir_index(const struct simmap *m, uint64_t hash)
{
	return m->global_depth ? hash >> (64 - m->global_depth) : 0;
}

static int swiss_insert(struct simmap *m, uint64_t hash)
{
	int ret;

	if (!m->dir_len) {
		if (!m->small_alloc) {
			memset(m->small_ctrl, CTRL_EMPTY, SLOTS);
			m->small_alloc = true;
		}
		if (m->used < SLOTS) {
			for (int j = 0; j < SLOTS; j++) {
				if (m->small_ctrl[j] & CTRL_EMPTY) {
					m->small_ctrl[j] = h2(hash);
					m->small_hash[j] = hash;
					m->used++;
					return 0;
				}
			}
		}
		ret = grow_to_table(m);
		if (ret)
			return ret;
	}
	/* table_put() returns 0 after replacing the table it freed: the retry looks it up again
	 * in the updated directory (the analyzer follows the freed pointer). */
	do
		// NOLINTNEXTLINE(clang-analyzer-unix.Malloc)
		ret = table_put(m, m->dir[dir_index(m, hash)], hash);
	while (ret == 0);
	return ret < 0 ? ret : 0;
}

static int table_delete(struct stable *t, uint64_t hash)
{
	uint64_t mask = t->capacity / SLOTS - 1, off = h1(hash) & mask;

	for (uint64_t i = 1;; off = (off + i++) & mask) {
		for (int j = 0; j < SLOTS; j++) {
			uint64_t s = off * SLOTS + j;

			if (t->ctrl[s] != h2(hash) || t->hash[s] != hash)
				continue;
			t->used--;
			/* A group that still has an empty slot never ended a probe: no tombstone.
			 */
			if (has_empty(t, off)) {
				t->ctrl[s] = CTRL_EMPTY;
				t->growth_left++;
			} else {
				t->ctrl[s] = CTRL_DELETED;
			}
			return 0;
		}
		if (has_empty(t, off))
			return -ENOENT;
	}
}

static int swiss_remove(struct simmap *m, uint64_t hash)
{
	int ret = -ENOENT;

	if (!m->used)
		return -ENOENT;
	if (!m->dir_len) {
		for (int j = 0; j < SLOTS; j++) {
			if (!(m->small_ctrl[j] & CTRL_EMPTY) && m->small_hash[j] == hash) {
				m->small_ctrl[j] = CTRL_EMPTY;
				ret = 0;
				break;
			}
		}
	} else {
		ret = table_delete(m->dir[dir_index(m, hash)], hash);
	}
	if (ret)
		return ret;
	if (--m->used == 0)
		m->seed = simmap__rand(&m->rng);
	return 0;
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

static int swiss_create(const struct simmap_params *p, struct simmap **out)
{
	struct simmap *m = calloc(1, sizeof(*m));
	uint32_t ks, es;
	uint64_t al, slot;

	if (!m)
		return -ENOMEM;
	m->p = *p;
	m->rng = p->rng_seed;
	m->seed = simmap__rand(&m->rng);
	ks = p->key_size > 128 ? 8 : p->key_size;
	es = p->elem_size > 128 ? 8 : p->elem_size;
	al = natural_align(ks) > natural_align(es) ? natural_align(ks) : natural_align(es);
	slot = align_up(ks, natural_align(es)) + es;
	if (!es)
		slot++; /* a zero-size final field gets a padding byte */
	slot = align_up(slot, al);
	m->group_size = 8 + SLOTS * slot;
	if (p->hint > SLOTS) {
		/* NewMap: 8/7 of the hint, spread over a power-of-two number of tables. */
		uint64_t target = p->hint * SLOTS / 7, dir = 1;

		while (dir < (target + MAX_TABLE - 1) / MAX_TABLE)
			dir <<= 1;
		m->dir = calloc(dir, sizeof(*m->dir));
		if (!m->dir) {
			free(m);
			return -ENOMEM;
		}
		m->dir_len = dir;
		while ((1ull << m->global_depth) < dir)
			m->global_depth++;
		for (uint64_t i = 0; i < dir; i++) {
			m->dir[i] = table_new(target / dir, (int64_t)i, m->global_depth);
			if (!m->dir[i]) {
				m->dir_len = i;
				simswiss__ops.destroy(m);
				return -ENOMEM;
			}
		}
	}
	*out = m;
	return 0;
}

static void swiss_destroy(struct simmap *m)
{
	if (!m)
		return;
	/* A table fills 2^(globalDepth - localDepth) consecutive entries from its index. */
	for (uint64_t i = 0; i < m->dir_len;) {
		struct stable *t = m->dir[i];

		i += t ? 1ull << (m->global_depth - t->local_depth) : 1;
		table_free(t);
	}
	free(m->dir);
	free(m);
}

static uint64_t swiss_seed(const struct simmap *m)
{
	return m->seed;
}

static void swiss_stats(const struct simmap *m, struct simmap_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->len = m->used;
	s->growths = m->growths;
	s->splits = m->splits;
	s->dir_len = m->dir_len;
	s->bytes = MAP_SIZE;
	if (!m->dir_len) {
		s->capacity = SLOTS;
		if (m->small_alloc)
			s->bytes += simmem__alloc(m->group_size, noscan(m), m->p.go.minor);
		return;
	}
	s->bytes += simmem__alloc(m->dir_len * 8, false, m->p.go.minor);
	for (uint64_t i = 0; i < m->dir_len; i++) {
		const struct stable *t = m->dir[i];

		if (t->index != (int64_t)i)
			continue;
		s->tables++;
		s->capacity += t->capacity;
		s->tombstones += table_tombstones(t);
		s->bytes += simmem__alloc(TABLE_SIZE, false, m->p.go.minor) +
			    simmem__alloc(t->capacity / SLOTS * m->group_size, noscan(m),
					  m->p.go.minor);
	}
}

static uint64_t swiss_growths(const struct simmap *m)
{
	return m->growths;
}

const struct simmap_ops simswiss__ops = {
	.name = "swiss",
	.create = swiss_create,
	.destroy = swiss_destroy,
	.seed = swiss_seed,
	.insert = swiss_insert,
	.remove = swiss_remove,
	.stats = swiss_stats,
	.growths = swiss_growths,
};
