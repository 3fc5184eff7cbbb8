#include "model/registry.h"

#include "core/addrmap.h"
#include "core/stackset.h"
#include "inspect/gobin.h"
#include "model/goheap.h"
#include "model/mapread.h"
#include "model/remote.h"
#include "model/sitetypes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct registry {
	const struct gobin *gb;
	double window_secs; /* of the growwork update in progress */
	pid_t pid;
	uint64_t bias;
	bool have_bias;
	struct reg_map **chunk; /* maps i at chunk[i / CHUNK][i % CHUNK] (at()) */
	size_t n, cap, nchunks;
	uint64_t *index; /* open addressing: slot holds position+1, 0 = empty */
	size_t index_cap;
	struct reg_growth *growths;
	size_t ngrowths, growths_cap;
	struct goheap *heap; /* NULL when liveness cannot be read for this binary */
	struct heapscan *hs; /* made at the first scan */
	struct heapscan_stats scan; /* the last scan's */
	unsigned int scans;
	uint64_t invalid;
	struct sitetypes *sites; /* the type each creation site makes, once learnt */
	bool sites_news;	 /* a site's type was learnt since the last refresh */
	struct stackset *stacks; /* every stack a map or growth holds */
	struct addrmap types;	 /* runtime type address -> struct maptype_info (NULL: unreadable) */
};

/* The maps live in chunks that never move: a realloc of one array of 130,000 maps moved 40 MB,
 * and every page of it faulted again at its next touch (170 ms in a VM, at every doubling). */
#define CHUNK 1024

static inline struct reg_map *at(const struct registry *r, size_t i)
{
	return &r->chunk[i / CHUNK][i % CHUNK];
}

/* Re-inserts every map into the index at its current size, in place. */
static void rebuild_index(struct registry *r)
{
	memset(r->index, 0, r->index_cap * sizeof(*r->index));
	for (size_t i = 0; i < r->n; i++) {
		size_t s = addrmap__slot(at(r, i)->addr, r->index_cap);

		while (r->index[s])
			s = (s + 1) & (r->index_cap - 1);
		r->index[s] = i + 1;
	}
}

static int reindex(struct registry *r, size_t cap)
{
	uint64_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	free(r->index);
	r->index = idx;
	r->index_cap = cap;
	rebuild_index(r);
	return 0;
}

static long index_of(const struct registry *r, uint64_t addr)
{
	size_t s;

	if (!r->index_cap)
		return -1;
	for (s = addrmap__slot(addr, r->index_cap); r->index[s]; s = (s + 1) & (r->index_cap - 1))
		if (at(r, r->index[s] - 1)->addr == addr)
			return (long)r->index[s] - 1;
	return -1;
}

static struct reg_map *find(struct registry *r, uint64_t addr)
{
	long i = index_of(r, addr);

	return i < 0 ? NULL : at(r, (size_t)i);
}

long registry__index(const struct registry *r, uint64_t addr)
{
	return index_of(r, addr);
}

struct reg_map *registry__find(struct registry *r, uint64_t addr)
{
	return find(r, addr);
}

static struct reg_map *add(struct registry *r, uint64_t addr)
{
	struct reg_map *m;
	size_t s;

	if (r->n == r->cap) {
		struct reg_map **chunk = realloc(r->chunk, (r->nchunks + 1) * sizeof(*chunk));

		if (!chunk)
			return NULL;
		r->chunk = chunk;
		r->chunk[r->nchunks] = malloc(CHUNK * sizeof(struct reg_map));
		if (!r->chunk[r->nchunks])
			return NULL;
		r->nchunks++;
		r->cap += CHUNK;
	}
	if ((r->n + 1) * 2 > r->index_cap && reindex(r, r->index_cap ? r->index_cap * 2 : 128))
		return NULL;
	m = at(r, r->n++);
	memset(m, 0, sizeof(*m));
	m->addr = addr;
	for (s = addrmap__slot(addr, r->index_cap); r->index[s]; s = (s + 1) & (r->index_cap - 1))
		;
	r->index[s] = r->n;
	return m;
}

struct registry *registry__new(const struct gobin *gb, pid_t pid)
{
	struct registry *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->gb = gb;
	r->pid = pid;
	r->have_bias = !gb->pie;
	r->sites = sitetypes__new();
	r->stacks = stackset__new();
	if (!r->sites || !r->stacks) {
		sitetypes__free(r->sites);
		stackset__free(r->stacks);
		free(r);
		return NULL;
	}
	/* Without the heap's span tables the registry drops only unreadable maps, as before. */
	if (goheap__open(gb, pid, &r->heap))
		r->heap = NULL;
	return r;
}

void registry__set_bias(struct registry *r, uint64_t load_bias)
{
	r->bias = load_bias;
	r->have_bias = true;
	goheap__set_bias(r->heap, load_bias);
}

void registry__free(struct registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nchunks; i++)
		free(r->chunk[i]);
	free(r->chunk);
	free(r->index);
	free(r->growths);
	goheap__free(r->heap);
	heapscan__free(r->hs);
	sitetypes__free(r->sites);
	stackset__free(r->stacks);
	for (size_t i = 0; i < r->types.nslot; i++)
		free(r->types.slot[i].val);
	addrmap__clear(&r->types);
	free(r);
}

size_t registry__count(const struct registry *r)
{
	return r->n;
}

struct reg_map *registry__at(struct registry *r, size_t i)
{
	return i < r->n ? at(r, i) : NULL;
}

const struct maptype_info *registry__type_info(struct registry *r, uint64_t type)
{
	struct maptype_info *ti = NULL;

	if (!type || !r->have_bias)
		return NULL;
	if (addrmap__get(&r->types, type, (void **)&ti))
		return ti;
	ti = malloc(sizeof(*ti));
	if (ti && gotype__maptype(r->gb, type - r->bias, ti)) {
		free(ti);
		ti = NULL;
	}
	/* Out of memory for the entry: not kept, read again next time. */
	if (addrmap__put(&r->types, type, ti)) {
		free(ti);
		return NULL;
	}
	return ti;
}

static void resolve_type(struct registry *r, struct reg_map *m)
{
	if (m->type && !m->ti)
		m->ti = registry__type_info(r, m->type);
}

static uint64_t site_of(const struct reg_map *m)
{
	return m->origin == REG_CREATED && m->nstack ? sitetypes__key(m->stack, m->nstack) : 0;
}

static void set_type_one(struct registry *r, struct reg_map *m, uint64_t type)
{
	m->type = type;
	resolve_type(r, m);
	/* The other maps of its creation site are typed at the next refresh (sitetypes.h). */
	if (sitetypes__learn(r->sites, site_of(m), type) > 0)
		r->sites_news = true;
}

static void set_type(struct registry *r, struct reg_map *m, uint64_t type)
{
	if (!type || m->type)
		return;
	set_type_one(r, m, type);
	/* The maps of one []map[K]V share their type: the first one typed types them all. */
	for (size_t i = 0; m->array && i < r->n; i++) {
		struct reg_map *o = at(r, i);

		if (o->array == m->array && !o->type) {
			o->type = type;
			resolve_type(r, o);
		}
	}
}

static const uint64_t *intern(struct registry *r, const uint64_t *pcs, uint32_t n, uint32_t *kept)
{
	const uint64_t *p;

	if (n > REG_STACK_DEPTH)
		n = REG_STACK_DEPTH;
	p = stackset__intern(r->stacks, pcs, n);
	*kept = p ? n : 0;
	return p;
}

static void set_stack(struct registry *r, struct reg_map *m, const struct reg_seen *e)
{
	m->stack = intern(r, e->stack, e->nstack, &m->nstack);
}

/* The map at e->map, created on first sight with its origin. */
static struct reg_map *lookup(struct registry *r, const struct reg_seen *e,
			      enum reg_origin origin)
{
	struct reg_map *m = find(r, e->map);

	if (m)
		return m;
	m = add(r, e->map);
	if (!m)
		return NULL;
	m->origin = origin;
	m->created_ns = e->ts;
	m->created_g = e->g;
	set_stack(r, m, e);
	return m;
}

static void record_growth(struct registry *r, const struct reg_map *m, uint64_t ts,
			  uint64_t old_cap, uint64_t new_cap, double secs, const char *how,
			  const uint64_t *stack, uint32_t nstack)
{
	struct reg_growth *g;

	if (r->ngrowths == r->growths_cap) {
		size_t cap = r->growths_cap ? r->growths_cap * 2 : 64;
		struct reg_growth *gs = realloc(r->growths, cap * sizeof(*gs));

		if (!gs)
			return;
		r->growths = gs;
		r->growths_cap = cap;
	}
	g = &r->growths[r->ngrowths++];
	g->addr = m->addr;
	g->ts_ns = ts;
	g->old_capacity = old_cap;
	g->new_capacity = new_cap;
	g->seconds = secs;
	g->how = how;
	g->stack = intern(r, stack, nstack, &g->nstack);
	g->type = m->type;
	g->map_stack = m->stack;
	g->map_nstack = m->nstack;
}

/* Classic hashGrow doubles unless the map is not over its load factor, in which case it is a
 * same-size grow triggered by overflow buckets (runtime.hashGrow). */
static bool over_load_factor(const struct registry *r, uint64_t count, uint8_t B)
{
	uint64_t num = r->gb->layout ? r->gb->layout->classic_load_num : 13;

	return count > 8 && count > num * ((1ull << B) / 2);
}

void registry__created(struct registry *r, const struct reg_seen *e)
{
	struct reg_map *m = find(r, e->map);

	/* makemap's RET follows NewMap's for the same map in Swiss builds: one creation. Any
	 * other creation at a known address is a new map there. */
	if (m && !(m->origin == REG_CREATED && m->created_g == e->g &&
		   e->ts - m->created_ns < 1000000)) {
		*m = (struct reg_map){ .addr = e->map };
		m->created_ns = e->ts;
	}
	m = m ? m : lookup(r, e, REG_CREATED);
	if (!m)
		return;
	m->origin = REG_CREATED;
	m->created_g = e->g;
	if (!m->nstack)
		set_stack(r, m, e);
	set_type(r, m, e->type ? e->type : sitetypes__type(r->sites, site_of(m)));
}

void registry__grow_started(struct registry *r, const struct reg_seen *e, uint64_t count,
			    uint8_t B)
{
	struct reg_map *m = lookup(r, e, REG_GREW);

	if (!m)
		return;
	set_type(r, m, e->type);
	m->grow_start_ns = e->ts;
	m->grow_same_size = !over_load_factor(r, count + 1, B);
	m->grow_old_cap = 8ull << B;
	m->grow_new_cap = m->grow_same_size ? m->grow_old_cap : m->grow_old_cap * 2;
	m->growths++;
	m->same_size_growths += m->grow_same_size;
	m->grow_stack = intern(r, e->stack, e->nstack, &m->grow_nstack);
}

void registry__grow_ended(struct registry *r, uint64_t map, uint64_t ts)
{
	struct reg_map *m = find(r, map);

	if (!m || !m->grow_start_ns)
		return;
	m->growth_seconds += (double)(ts - m->grow_start_ns) / 1e9;
	record_growth(r, m, ts, m->grow_old_cap, m->grow_new_cap,
		      (double)(ts - m->grow_start_ns) / 1e9,
		      m->grow_same_size ? "same_size" : "doubling", m->grow_stack, m->grow_nstack);
	m->grow_start_ns = 0;
}

void registry__swiss_grew(struct registry *r, const struct reg_seen *e, enum reg_swiss_growth how,
			  uint64_t old_cap, uint64_t dur_ns)
{
	struct reg_map *m = lookup(r, e, REG_GREW);

	if (!m)
		return;
	set_type(r, m, e->type);
	switch (how) {
	case REG_SWISS_TO_SMALL:
		break;
	case REG_SWISS_TO_TABLE:
		m->growths++;
		record_growth(r, m, e->ts, 8, 16, -1, "to_table", e->stack, e->nstack);
		break;
	case REG_SWISS_GROW:
	case REG_SWISS_SPLIT:
		m->growths++;
		m->growth_seconds += (double)dur_ns / 1e9;
		/* A grow doubles the table; a split turns it into two of the same size. */
		record_growth(r, m, e->ts, old_cap, old_cap * 2, (double)dur_ns / 1e9,
			      how == REG_SWISS_SPLIT ? "split" : "grow", e->stack, e->nstack);
		break;
	}
}

void registry__touched(struct registry *r, const struct reg_seen *e)
{
	struct reg_map *m = lookup(r, e, REG_TOUCHED);

	if (!m)
		return;
	/* A scanned map has no stack: where it is used is the best site there is. */
	if (m->origin == REG_SCANNED) {
		m->origin = REG_TOUCHED;
		set_stack(r, m, e);
	}
	set_type(r, m, e->type);
}

const char *registry__origin_note(const struct reg_map *m)
{
	static const char *const notes[] = { "", " (seen growing)", " (seen in use)",
					     " (found in heap)" };

	return notes[m->origin];
}

static uint64_t at_least(uint64_t v, uint64_t floor)
{
	return v > floor ? v : floor;
}

void registry__set_calls(struct reg_map *m, const struct reg_calls *c, bool writes_settled,
			 bool reads_settled)
{
	struct reg_calls was = m->calls;

	m->calls = *c;
	if (writes_settled) {
		m->calls.writes = at_least(c->writes, was.writes);
		m->calls.deletes = at_least(c->deletes, was.deletes);
		m->calls.writes_high = at_least(c->writes_high, m->calls.writes);
	}
	if (reads_settled) {
		m->calls.reads = at_least(c->reads, was.reads);
		m->calls.reads_high = at_least(c->reads_high, m->calls.reads);
	}
}

static void on_scanned(void *ctx, const struct heapscan_map *hm)
{
	struct registry *r = ctx;
	struct reg_map *m = find(r, hm->addr);

	if (!m) {
		m = add(r, hm->addr);
		if (!m)
			return;
		m->origin = REG_SCANNED;
	}
	if (!m->held_by)
		m->held_by = hm->held_by;
	if (!m->array)
		m->array = hm->array;
	if (m->type)
		return;
	/* A scan hands every map of an array it types over with that type: no search of the
	 * registry for its other members (16,384 of them in Prometheus, one search each). */
	if (hm->array && hm->type)
		set_type_one(r, m, hm->type);
	else
		set_type(r, m, hm->type);
	m->cands = hm->cands;
}

int registry__scan(struct registry *r, struct heapscan_stats *st, heapscan_progress_fn progress,
		   void *ctx)
{
	int ret;

	memset(st, 0, sizeof(*st));
	if (!r->heap || !r->have_bias)
		return -ENOTSUP;
	if (!r->hs) {
		ret = heapscan__new(r->gb, r->pid, &r->hs);
		if (ret)
			return ret;
	}
	heapscan__set_progress(r->hs, progress, ctx);
	ret = heapscan__run(r->hs, r->heap, r->bias, on_scanned, r, st);
	if (!ret) {
		r->scan = *st;
		r->scans++;
	}
	return ret;
}

unsigned int registry__scans(const struct registry *r, struct heapscan_stats *last)
{
	*last = r->scan;
	return r->scans;
}

uint64_t registry__invalid(const struct registry *r)
{
	return r->invalid;
}

/* What one refresh read of every map, batched: liveness verdicts and headers, by index. */
struct sweep {
	uint64_t *addrs;
	int *live;
	uint8_t *hdrs, *ok;
	size_t hsz;
};

static void sweep_free(struct sweep *w)
{
	free(w->addrs);
	free(w->live);
	free(w->hdrs);
	free(w->ok);
}

/* Liveness first, then the headers: a header read after its verdict can only be newer. */
static int sweep_read(struct registry *r, const struct mapread_layout *l, uint64_t hdr_class,
		      struct sweep *w)
{
	size_t n = r->n ? r->n : 1;
	int ret = 0;

	w->hsz = mapread__header_size(l);
	w->addrs = malloc(n * sizeof(*w->addrs));
	w->live = malloc(n * sizeof(*w->live));
	w->hdrs = malloc(n * w->hsz);
	w->ok = malloc(n);
	if (!w->addrs || !w->live || !w->hdrs || !w->ok)
		return -ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		w->addrs[i] = at(r, i)->addr;
		w->live[i] = -ENOENT;
	}
	if (r->heap && r->have_bias)
		ret = goheap__allocated_each(r->heap, w->addrs, r->n, hdr_class, w->live);
	/* No verdicts (the heap unreadable as a whole): every map falls back on its header. */
	if (ret)
		for (size_t i = 0; i < r->n; i++)
			w->live[i] = ret;
	/* Unreadable as a whole (gone): every map misses this refresh. */
	if (remote__read_clustered(r->pid, w->addrs, w->hsz, w->hdrs, w->ok, r->n) < 0)
		memset(w->ok, 0, n);
	return 0;
}

/* One map's verdict and header applied: false when it is to be dropped. */
static bool refresh_one(struct registry *r, struct reg_map *m, struct mapread_layout *l,
			int live, const uint8_t *hdr, unsigned int max_misses, bool at_exit)
{
	struct map_stats st;
	int ret;

	/* Go's heap stays mapped after a free: a freed header still reads, so the span's
	 * allocation state decides. Unknown liveness (a stack map) keeps the read rule. */
	if (live == 0)
		return false;
	/* Stopped at its exit, the program has returned from every frame but runtime.main's: a map
	 * outside the heap (on a goroutine stack) reads whatever took its place there (seen: the
	 * inventory target's stack map read len 5 for 300), so its last read stands. */
	if (at_exit && live == -ENOENT && r->heap && r->have_bias)
		return true;
	/* Being swept: the slot may have been freed and reused, so what it holds is not read as
	 * this map; its last good read stands until the next refresh. */
	if (live == -EAGAIN)
		return true;
	resolve_type(r, m);
	l->bucket_size = m->ti ? m->ti->bucket_size : 0;
	ret = hdr ? mapread__stats_from(r->pid, m->addr, hdr, l, &st) : -EFAULT;
	if (ret == 0) {
		if (m->st_ok && m->st.capacity == st.capacity && m->st.len * 8 <= st.capacity &&
		    st.len * 4 > st.capacity)
			m->refills++;
		m->st = st;
		m->st_ok = true;
		m->misses = 0;
		m->bad_reads = 0;
		if (st.len > m->peak_len)
			m->peak_len = st.len;
	} else if (ret == -EINVAL && ++m->bad_reads >= 2) {
		/* Memory that no longer holds together as a map twice in a row (once can be a torn
		 * read of a map being written): reused. Its last good read stood in meanwhile; the
		 * bad values are never shown. */
		r->invalid++;
		return false;
	} else if (ret != -EINVAL && ++m->misses >= max_misses) {
		return false;
	}
	return true;
}

void registry__refresh(struct registry *r, unsigned int max_misses, bool at_exit)
{
	struct mapread_layout l = { 0 };
	struct sweep w = { 0 };
	size_t kept = 0, before = r->n;
	uint64_t hdr_class;

	l.swiss = r->gb->maps == GO_LAYOUT_SWISS;
	l.hmap_size = goversion__hmap_size(r->gb->layout);
	l.count_tombstones = true;
	/* A header is an object of its own, of the size class its size rounds to. */
	hdr_class = l.swiss || l.hmap_size == 48 ? 48 : 64;
	if (r->sites_news) {
		r->sites_news = false;
		for (size_t i = 0; i < r->n; i++)
			if (!at(r, i)->type)
				set_type(r, at(r, i), sitetypes__type(r->sites, site_of(at(r, i))));
	}
	/* Out of memory for the batch: this refresh is skipped, every last read stands. */
	if (sweep_read(r, &l, hdr_class, &w)) {
		sweep_free(&w);
		return;
	}
	for (size_t i = 0; i < before; i++) {
		struct reg_map *m = at(r, i);

		if (!refresh_one(r, m, &l, w.live[i], w.ok[i] ? w.hdrs + i * w.hsz : NULL,
				 max_misses, at_exit))
			continue;
		if (kept != i)
			*at(r, kept) = *m;
		kept++;
	}
	r->n = kept;
	sweep_free(&w);
	/* Dropped maps leave in one pass (a GC can free thousands at once), the others keep their
	 * order; rebuilding the index in place cannot fail: the table keeps its size. */
	if (r->n != before)
		rebuild_index(r);
}

void registry__growwork_begin(struct registry *r, double window_secs)
{
	r->window_secs = window_secs;
	for (size_t i = 0; i < r->n; i++)
		at(r, i)->growwork_per_sec = window_secs > 0 ? 0 : -1;
}

void registry__growwork(struct registry *r, uint64_t addr, uint64_t total)
{
	struct reg_map *m = find(r, addr);

	if (!m)
		return;
	if (r->window_secs > 0 && total >= m->growwork_calls)
		m->growwork_per_sec = (double)(total - m->growwork_calls) / r->window_secs;
	m->growwork_calls = total;
}

const struct reg_growth *registry__take_growths(struct registry *r, size_t *n)
{
	*n = r->ngrowths;
	r->ngrowths = 0;
	return r->growths;
}
