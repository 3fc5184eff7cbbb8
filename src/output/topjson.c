/* top's JSON report (docs/top.md, "JSON"): one line per interval. */
#include "output/top.h"

#include "core/addrmap.h"
#include "core/json.h"
#include "inspect/gobin.h"
#include "model/registry.h"
#include "model/sites.h"
#include "model/symbolize.h"
#include "output/bysite.h"
#include "output/cwrite.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define TOP_CANDS 64
/* Maps that elect a report's map_defaults. */
#define VOTERS 4096

static const char *origin_name(enum reg_origin o)
{
	static const char *const names[] = {"created", "grew", "touched", "heap_scan"};

	return names[o];
}

/* The names of the map types a scanned map's storage fits, while its type is unknown (only
 * lists of at most TOP_CANDS are referred to: a list that long says nothing). */
static void json_candidates(struct json *j, struct registry *r, const struct heapscan_cands *c)
{
	json__arr_begin(j);
	for (uint32_t i = 0; i < c->n; i++) {
		const struct maptype_info *ti = registry__type_info(r, c->types[i]);

		json__str(j, ti ? ti->name : NULL);
	}
	json__arr_end(j);
}

static void json_stack(struct json *j, const struct gobin *gb, uint64_t bias, const uint64_t *st,
		       uint32_t n)
{
	char line[512], fl[256];

	json__arr_begin(j);
	for (uint32_t i = 0; i < n; i++) {
		struct frame f;

		if (symbolize__pc(gb, bias, st[i], i > 0, &f) || !f.func) {
			snprintf(line, sizeof(line), "0x%" PRIx64, st[i]);
		} else {
			snprintf(line, sizeof(line), "%s %s", f.func,
				 f.file ? (snprintf(fl, sizeof(fl), "%s:%d", f.file, f.line), fl)
					: "?");
		}
		json__str(j, line);
	}
	json__arr_end(j);
}

/* What many maps share, written once in a report and referred to by index: creation stacks
 * (interned by the registry: one pointer a stack; a server's thousands of maps from one site
 * share one, "stack_id") and candidate lists (one a storage shape, model/heapscan.h;
 * "candidates_id"). */
struct id_tab {
	struct addrmap ids; /* key -> index + 1 */
	const void **first; /* what each index stands for */
	size_t n, cap;
};

/* key's index, added with what it stands for if new; -1 for a NULL key or out of memory. */
static long id_of(struct id_tab *t, const void *key, const void *what)
{
	void *v;

	if (!key)
		return -1;
	if (addrmap__get(&t->ids, (uintptr_t)key, &v))
		return (long)(uintptr_t)v - 1;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		const void **f = realloc(t->first, cap * sizeof(*f));

		if (!f)
			return -1;
		t->first = f;
		t->cap = cap;
	}
	if (addrmap__put(&t->ids, (uintptr_t)key, (void *)(uintptr_t)(t->n + 1)))
		return -1;
	t->first[t->n] = what;
	return (long)t->n++;
}

static void id_tab_free(struct id_tab *t)
{
	addrmap__clear(&t->ids);
	free(t->first);
}

/* A map object leaves out every member that holds its report's default for it, and each report
 * states its defaults ("map_defaults"): each member's most common value among the listed maps
 * (a majority vote). A server's empty maps were ~520 bytes each in full, ~35 so. */
enum applies { ALWAYS, CLASSIC, SWISS, COUNTED };
enum kind { K_UINT, K_REAL, K_ORIGIN, K_FLAGS };
enum {
	M_SITE_ID,
	M_STACK_ID,
	M_ORIGIN,
	M_LEN,
	M_PEAK_LEN,
	M_CAPACITY,
	M_LOAD,
	M_BUCKETS,
	M_OVERFLOW,
	M_TABLES,
	M_TOMBSTONES,
	M_BYTES,
	M_GROWTHS,
	M_SAME_SIZE,
	M_GROWTH_SECS,
	M_GROWWORK,
	M_WRITES,
	M_WRITES_LOW,
	M_WRITES_HIGH,
	M_READS,
	M_READS_LOW,
	M_READS_HIGH,
	M_DELETES,
	M_FLAGS,
	M_CANDS_ID,
	M_MEMBERS
};
static const struct {
	const char *key;
	enum applies when; /* elsewhere the member is null */
	enum kind kind;
} MEMBERS[M_MEMBERS] = {
	[M_SITE_ID] = {"site_id", ALWAYS, K_UINT},
	[M_STACK_ID] = {"stack_id", ALWAYS, K_UINT},
	[M_ORIGIN] = {"site_origin", ALWAYS, K_ORIGIN},
	[M_LEN] = {"len", ALWAYS, K_UINT},
	[M_PEAK_LEN] = {"peak_len", ALWAYS, K_UINT},
	[M_CAPACITY] = {"capacity", ALWAYS, K_UINT},
	[M_LOAD] = {"load", ALWAYS, K_REAL},
	[M_BUCKETS] = {"buckets", CLASSIC, K_UINT},
	[M_OVERFLOW] = {"overflow_buckets", CLASSIC, K_UINT},
	[M_TABLES] = {"tables", SWISS, K_UINT},
	[M_TOMBSTONES] = {"tombstones", SWISS, K_UINT},
	[M_BYTES] = {"bytes", ALWAYS, K_UINT},
	[M_GROWTHS] = {"growths", ALWAYS, K_UINT},
	[M_SAME_SIZE] = {"same_size_growths", CLASSIC, K_UINT},
	[M_GROWTH_SECS] = {"growth_seconds", ALWAYS, K_REAL},
	[M_GROWWORK] = {"growwork_per_sec", CLASSIC, K_REAL},
	[M_WRITES] = {"writes", COUNTED, K_UINT},
	[M_WRITES_LOW] = {"writes_low", COUNTED, K_UINT},
	[M_WRITES_HIGH] = {"writes_high", COUNTED, K_UINT},
	[M_READS] = {"reads", COUNTED, K_UINT},
	[M_READS_LOW] = {"reads_low", COUNTED, K_UINT},
	[M_READS_HIGH] = {"reads_high", COUNTED, K_UINT},
	[M_DELETES] = {"deletes", COUNTED, K_UINT},
	[M_FLAGS] = {"flags", ALWAYS, K_FLAGS},
	[M_CANDS_ID] = {"candidates_id", ALWAYS, K_UINT},
};

enum { F_BLOATED = 1, F_GROWING = 2, F_UNREADABLE = 4, F_TYPE_UNKNOWN = 8 };
static const char *const FLAG_NAMES[] = {"bloated", "growing", "unreadable", "type_unknown"};

/* One member's value: null, or u (integers, the origin, the flag bits) or d (reals). */
struct num {
	bool null;
	uint64_t u;
	double d;
};

/* What every map object of one report shares. */
struct map_ctx {
	const struct gobin *gb;
	const struct top_frame *tf;
	struct id_tab stacks, cands;
	const size_t *row_of; /* each map's row in "sites", by registry index; NULL: no sites */
	bool swiss;
	struct num dflt[M_MEMBERS];
	uint64_t votes[M_MEMBERS];
};

static bool same_num(const struct num *a, const struct num *b)
{
	return a->null == b->null && (a->null || (a->u == b->u && a->d == b->d));
}

static bool applies(const struct map_ctx *c, enum applies w)
{
	switch (w) {
	case CLASSIC:
		return !c->swiss;
	case SWISS:
		return c->swiss;
	case COUNTED:
		return c->tf->counted;
	default:
		return true;
	}
}

static void map_nums(struct map_ctx *c, const struct reg_map *m, size_t idx, struct num *v)
{
	const struct reg_calls *cl = &m->calls;
	long sid = id_of(&c->stacks, m->stack, m);
	long cid = m->ti || !m->cands || m->cands->n > TOP_CANDS ? -1
								   : id_of(&c->cands, m->cands, m->cands);
	const uint64_t u[M_MEMBERS] = {
		[M_SITE_ID] = c->row_of ? c->row_of[idx] : 0,
		[M_STACK_ID] = sid >= 0 ? (uint64_t)sid : 0,
		[M_ORIGIN] = m->origin,
		[M_LEN] = m->st.len,
		[M_PEAK_LEN] = m->peak_len,
		[M_CAPACITY] = m->st.capacity,
		[M_BUCKETS] = m->st.buckets,
		[M_OVERFLOW] = m->st.overflow_buckets,
		[M_TABLES] = m->st.tables,
		[M_TOMBSTONES] = m->st.tombstones,
		[M_BYTES] = m->st.bytes,
		[M_GROWTHS] = m->growths,
		[M_SAME_SIZE] = m->same_size_growths,
		[M_FLAGS] = (top__is_bloated(m) ? F_BLOATED : 0) | (m->st.growing ? F_GROWING : 0) |
			    (!m->st_ok ? F_UNREADABLE : 0) | (!m->ti ? F_TYPE_UNKNOWN : 0),
		[M_CANDS_ID] = cid >= 0 ? (uint64_t)cid : 0,
	};

	for (size_t k = 0; k < M_MEMBERS; k++)
		v[k] = (struct num){.null = !applies(c, MEMBERS[k].when), .u = u[k]};
	v[M_SITE_ID].null = !c->row_of;
	v[M_STACK_ID].null = sid < 0;
	v[M_CANDS_ID].null = cid < 0;
	v[M_WRITES].u = cl->writes;
	v[M_WRITES_LOW].u = cl->writes_low;
	v[M_WRITES_HIGH].u = cl->writes_high;
	v[M_READS].u = cl->reads;
	v[M_READS_LOW].u = cl->reads_low;
	v[M_READS_HIGH].u = cl->reads_high;
	v[M_DELETES].u = cl->deletes;
	v[M_LOAD].d = m->st.capacity ? (double)m->st.len / (double)m->st.capacity : 0;
	v[M_GROWTH_SECS].d = m->growth_seconds;
	v[M_GROWWORK].d = m->growwork_per_sec;
	/* No window ran since this map was made. */
	if (m->growwork_per_sec < 0)
		v[M_GROWWORK].null = true;
}

/* Boyer-Moore majority vote: after every map, dflt holds each member's majority value when
 * it has one (and some value else: any default is right, a common one is short). */
static void vote(struct map_ctx *c, const struct num *v)
{
	for (size_t k = 0; k < M_MEMBERS; k++) {
		if (!c->votes[k])
			c->dflt[k] = v[k];
		c->votes[k] += same_num(&c->dflt[k], &v[k]) ? 1 : -1;
	}
}

static void put_member(struct json *j, size_t k, const struct num *v)
{
	json__key(j, MEMBERS[k].key);
	if (v->null) {
		json__null(j);
		return;
	}
	switch (MEMBERS[k].kind) {
	case K_REAL:
		json__double(j, v->d);
		break;
	case K_ORIGIN:
		json__str(j, origin_name((enum reg_origin)v->u));
		break;
	case K_FLAGS:
		json__arr_begin(j);
		for (size_t b = 0; b < sizeof(FLAG_NAMES) / sizeof(FLAG_NAMES[0]); b++)
			if (v->u & (1u << b))
				json__str(j, FLAG_NAMES[b]);
		json__arr_end(j);
		break;
	default:
		json__uint(j, v->u);
	}
}

static void json_defaults(struct json *j, const struct map_ctx *c)
{
	json__key(j, "map_defaults");
	json__obj_begin(j);
	for (size_t k = 0; k < M_MEMBERS; k++)
		put_member(j, k, &c->dflt[k]);
	json__key(j, "retained_bytes");
	json__null(j);
	json__obj_end(j);
}

static void json_map(struct json *j, struct map_ctx *c, const struct reg_map *m, size_t idx)
{
	struct num v[M_MEMBERS];

	map_nums(c, m, idx, v);
	json__obj_begin(j);
	json__key(j, "addr");
	json__hex(j, m->addr);
	for (size_t k = 0; k < M_MEMBERS; k++)
		if (!same_num(&v[k], &c->dflt[k]))
			put_member(j, k, &v[k]);
	if (top__is_bloated(m)) {
		json__key(j, "retained_bytes");
		json__uint(j, m->st.bytes);
	}
	json__obj_end(j);
}

static void json_warnings(struct json *j, const struct top_frame *tf)
{
	struct top_warning w;
	size_t i = 0;

	while (top__next_warning(tf, &i, &w)) {
		json__obj_begin(j);
		json__key(j, "kind");
		json__str(j, "limit_forecast");
		json__key(j, "site");
		json__str(j, w.site->func);
		json__key(j, "site_file");
		json__str(j, w.site->file);
		json__key(j, "type");
		json__str(j, w.site->type);
		json__key(j, "resource");
		json__str(j, w.resource);
		json__key(j, "value");
		json__double(j, w.value);
		json__key(j, "limit");
		json__double(j, w.limit);
		json__key(j, "eta_seconds");
		json__double(j, w.eta_s);
		json__obj_end(j);
	}
}

static void json_scan(struct json *j, const struct registry *r)
{
	struct heapscan_stats st;
	unsigned int n = registry__scans(r, &st);

	json__key(j, "scan");
	if (!n) {
		json__null(j);
		return;
	}
	json__obj_begin(j);
	json__key(j, "scans");
	json__uint(j, n);
	json__key(j, "maps");
	json__uint(j, st.maps);
	json__key(j, "typed");
	json__uint(j, st.typed);
	json__key(j, "bitmap_typed");
	json__uint(j, st.bitmap_typed);
	json__key(j, "value_typed");
	json__uint(j, st.value_typed);
	json__key(j, "empty");
	json__uint(j, st.empty);
	json__key(j, "rejected");
	json__uint(j, st.rejected);
	json__key(j, "slots");
	json__uint(j, st.slots);
	json__key(j, "spans");
	json__uint(j, st.spans);
	json__key(j, "bytes_read");
	json__uint(j, st.bytes_read);
	json__key(j, "seconds");
	json__double(j, st.seconds);
	json__key(j, "cpu_seconds");
	json__double(j, st.cpu_seconds);
	json__obj_end(j);
}

static void json_sites(struct json *j, const struct top_frame *tf, const struct bysite_row *v,
		       size_t n)
{
	char fl[256];

	json__key(j, "sites");
	if (!v) {
		json__null(j);
		return;
	}
	json__arr_begin(j);
	for (size_t i = 0; i < n; i++) {
		json__obj_begin(j);
		json__key(j, "site");
		json__str(j, v[i].func);
		json__key(j, "site_file");
		json__str(j, v[i].func ? top__site_file(&v[i], fl, sizeof(fl)) : NULL);
		json__key(j, "held_by");
		json__str(j, v[i].func || !strcmp(v[i].held, "?") ? NULL : v[i].held);
		json__key(j, "type");
		json__str(j, strcmp(v[i].type, "?") ? v[i].type : NULL);
		json__key(j, "key_kind");
		json__str(j, v[i].key_kind);
		json__key(j, "maps");
		json__uint(j, v[i].maps);
		json__key(j, "entries");
		json__uint(j, v[i].entries);
		json__key(j, "capacity");
		json__uint(j, v[i].capacity);
		json__key(j, "bytes");
		json__uint(j, v[i].bytes);
		json__key(j, "growths");
		json__uint(j, v[i].growths);
		json__key(j, "writes");
		tf->counted ? json__uint(j, v[i].writes) : json__null(j);
		json__key(j, "reads");
		tf->counted ? json__uint(j, v[i].reads) : json__null(j);
		json__obj_end(j);
	}
	json__arr_end(j);
}

struct by_size {
	uint64_t bytes;
	size_t idx;
};

static int by_size_desc(const void *a, const void *b)
{
	const struct by_size *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* With max (> 0) below the map count: the registry indexes of the max biggest maps by bytes in
 * *idx (free it; NULL when out of memory: then every map, in the registry's order). Returns how
 * many to list. */
static size_t sorted_maps(struct registry *r, size_t max, struct by_size **idx)
{
	size_t n = registry__count(r);

	*idx = NULL;
	if (!max || max >= n)
		return n;
	*idx = calloc(n, sizeof(**idx));
	if (!*idx)
		return n;
	for (size_t i = 0; i < n; i++)
		(*idx)[i] = (struct by_size){registry__at(r, i)->st.bytes, i};
	qsort(*idx, n, sizeof(**idx), by_size_desc);
	return max;
}

void top__json(FILE *out, const struct gobin *gb, struct registry *r, const struct top_frame *tf)
{
	struct json *j = json__new(out);
	struct map_ctx c = {.gb = gb, .tf = tf, .swiss = gb->maps == GO_LAYOUT_SWISS};
	struct bysite_row *sites = NULL;
	size_t nsites = 0, n, *row_of;
	const struct reg_growth *g;
	struct by_size *rows;

	row_of = malloc((registry__count(r) + 1) * sizeof(*row_of));
	if (!row_of ||
	    bysite__build(gb, tf->bias, r, tf->counted, &sites, &nsites, row_of))
		sites = NULL;
	c.row_of = sites ? row_of : NULL;
	json__obj_begin(j);
	json__key(j, "time");
	json__double(j, tf->time);
	json__key(j, "pid");
	json__int(j, tf->pid);
	json__key(j, "go_version");
	json__str(j, gb->bi.version);
	json__key(j, "layout");
	json__str(j, goversion__layout_name(gb->maps));
	n = sorted_maps(r, tf->max_maps, &rows);
	/* Any default is right (a map lists what differs), so a sample of the maps elects them:
	 * the vote was half the cost of a report at 50,000 maps. */
	for (size_t i = 0; i < n; i += n > VOTERS ? n / VOTERS : 1) {
		size_t idx = rows ? rows[i].idx : i;
		struct num v[M_MEMBERS];

		map_nums(&c, registry__at(r, idx), idx, v);
		vote(&c, v);
	}
	json_defaults(j, &c);
	json__key(j, "maps");
	json__arr_begin(j);
	for (size_t i = 0; i < n; i++) {
		size_t idx = rows ? rows[i].idx : i;

		json_map(j, &c, registry__at(r, idx), idx);
	}
	json__arr_end(j);
	free(rows);
	json_sites(j, tf, sites, nsites);
	free(sites);
	free(row_of);
	json__key(j, "stacks");
	json__arr_begin(j);
	for (size_t i = 0; i < c.stacks.n; i++) {
		const struct reg_map *m = c.stacks.first[i];

		json_stack(j, gb, tf->bias, m->stack, m->nstack);
	}
	json__arr_end(j);
	json__key(j, "candidates");
	json__arr_begin(j);
	for (size_t i = 0; i < c.cands.n; i++)
		json_candidates(j, r, c.cands.first[i]);
	json__arr_end(j);
	id_tab_free(&c.stacks);
	id_tab_free(&c.cands);
	json__key(j, "events");
	json__arr_begin(j);
	g = tf->growths;
	for (size_t i = 0; i < tf->ngrowths; i++) {
		json__obj_begin(j);
		json__key(j, "kind");
		json__str(j, "growth");
		json__key(j, "addr");
		json__hex(j, g[i].addr);
		json__key(j, "time");
		json__double(j, (double)(g[i].ts_ns + tf->boot_to_unix_ns) / 1e9);
		json__key(j, "how");
		json__str(j, g[i].how);
		json__key(j, "old_capacity");
		json__uint(j, g[i].old_capacity);
		json__key(j, "new_capacity");
		json__uint(j, g[i].new_capacity);
		json__key(j, "seconds");
		if (g[i].seconds < 0)
			json__null(j);
		else
			json__double(j, g[i].seconds);
		json__key(j, "stack");
		json_stack(j, gb, tf->bias, g[i].stack, g[i].nstack);
		json__obj_end(j);
	}
	json_warnings(j, tf);
	cwrite__json_items(tf->cw, tf->cw_from, j);
	json__arr_end(j);
	json__key(j, "stats");
	json__obj_begin(j);
	json__key(j, "dropped");
	json__uint(j, tf->dropped);
	json__key(j, "overhead_pct");
	json__double(j, tf->overhead_pct);
	json__key(j, "trap_ns");
	json__double(j, tf->trap_ns);
	json__key(j, "calls_settled");
	if (tf->counted)
		json__bool(j, tf->calls_settled);
	else
		json__null(j);
	json__key(j, "maps");
	json__uint(j, registry__count(r));
	json__key(j, "invalid");
	json__uint(j, registry__invalid(r));
	json_scan(j, r);
	json__key(j, "final");
	json__bool(j, tf->final);
	json__key(j, "exited");
	json__bool(j, tf->exited);
	json__obj_end(j);
	json__obj_end(j);
	json__free(j);
	fflush(out);
}
