#include "output/top.h"

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

#define BLOAT_RATIO 8
#define BLOAT_BYTES (1u << 20)
#define TABLE_ROWS 40
#define TOP_CANDS 64

bool top__is_bloated(const struct reg_map *m)
{
	return m->st_ok && m->st.capacity >= BLOAT_RATIO * m->st.len && m->st.bytes >= BLOAT_BYTES;
}

static const char *origin_name(enum reg_origin o)
{
	static const char *const names[] = {"created", "grew", "touched", "heap_scan"};

	return names[o];
}

/* The names of the map types a scanned map's storage fits, while its type is unknown; null when
 * its type is known or more than TOP_CANDS fit (a list that long says nothing). */
static void json_candidates(struct json *j, const struct gobin *gb, uint64_t bias,
			    const struct reg_map *m)
{
	struct maptype_info ti;

	if (m->ti_ok || !m->cands || m->cands->n > TOP_CANDS) {
		json__null(j);
		return;
	}
	json__arr_begin(j);
	for (uint32_t i = 0; i < m->cands->n; i++)
		json__str(j, gotype__maptype(gb, m->cands->types[i] - bias, &ti) == 0 ? ti.name
										       : NULL);
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

/* A report's distinct creation stacks, each symbolized once: a server's thousands of maps from
 * one site share one. Maps refer to them by index (their "stack_id"). */
struct stack_tab {
	const struct reg_map **first; /* the first map with each stack, in index order */
	size_t n, cap;
	uint32_t *slot; /* open addressing over nslot (a power of two): index + 1, 0 when free */
	size_t nslot;
};

static uint64_t stack_hash(const uint64_t *st, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ st[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static bool same_stack(const struct reg_map *a, const struct reg_map *b)
{
	return a->nstack == b->nstack && !memcmp(a->stack, b->stack, a->nstack * sizeof(a->stack[0]));
}

static int stack_tab_grow(struct stack_tab *t)
{
	size_t nslot = t->nslot ? t->nslot * 2 : 1024;
	uint32_t *slot = calloc(nslot, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		const struct reg_map *m = t->first[i];
		size_t k = stack_hash(m->stack, m->nstack) & (nslot - 1);

		while (slot[k])
			k = (k + 1) & (nslot - 1);
		slot[k] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = nslot;
	return 0;
}

/* m's stack's index, added if new; -1 without a stack or memory. */
static long stack_id(struct stack_tab *t, const struct reg_map *m)
{
	size_t k;

	if (!m->nstack)
		return -1;
	if ((t->n + 1) * 2 > t->nslot && stack_tab_grow(t))
		return -1;
	for (k = stack_hash(m->stack, m->nstack) & (t->nslot - 1); t->slot[k];
	     k = (k + 1) & (t->nslot - 1))
		if (same_stack(t->first[t->slot[k] - 1], m))
			return (long)t->slot[k] - 1;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		const struct reg_map **f = realloc(t->first, cap * sizeof(*f));

		if (!f)
			return -1;
		t->first = f;
		t->cap = cap;
	}
	t->first[t->n] = m;
	t->slot[k] = (uint32_t)++t->n;
	return (long)t->n - 1;
}

static void json_map(struct json *j, const struct gobin *gb, const struct reg_map *m,
		     const struct top_frame *tf, struct stack_tab *stacks)
{
	long sid = stack_id(stacks, m);
	bool swiss = gb->maps == GO_LAYOUT_SWISS;
	uint64_t writes = 0, reads = 0, deletes = 0;
	struct top_range rg = { 0 };
	struct frame site;
	char fl[256];

	symbolize__site(gb, tf->bias, m->stack, m->nstack, &site);
	json__obj_begin(j);
	json__key(j, "addr");
	json__hex(j, m->addr);
	json__key(j, "type");
	json__str(j, m->ti_ok ? m->ti.name : NULL);
	json__key(j, "type_candidates");
	json_candidates(j, gb, tf->bias, m);
	json__key(j, "key_kind");
	json__str(j, m->ti_ok ? gotype__kind_name(m->ti.key_kind) : NULL);
	json__key(j, "site");
	json__str(j, site.func);
	json__key(j, "site_file");
	json__str(j, site.func ? symbolize__file_line(&site, fl, sizeof(fl)) : NULL);
	json__key(j, "site_origin");
	json__str(j, origin_name(m->origin));
	json__key(j, "held_by");
	json__str(j, m->held_by);
	json__key(j, "stack_id");
	sid >= 0 ? json__uint(j, (uint64_t)sid) : json__null(j);
	json__key(j, "len");
	json__uint(j, m->st.len);
	json__key(j, "peak_len");
	json__uint(j, m->peak_len);
	json__key(j, "capacity");
	json__uint(j, m->st.capacity);
	json__key(j, "load");
	json__double(j, m->st.capacity ? (double)m->st.len / (double)m->st.capacity : 0);
	json__key(j, "buckets");
	swiss ? json__null(j) : json__uint(j, m->st.buckets);
	json__key(j, "overflow_buckets");
	swiss ? json__null(j) : json__uint(j, m->st.overflow_buckets);
	json__key(j, "tables");
	swiss ? json__uint(j, m->st.tables) : json__null(j);
	json__key(j, "tombstones");
	swiss ? json__uint(j, m->st.tombstones) : json__null(j);
	json__key(j, "bytes");
	json__uint(j, m->st.bytes);
	json__key(j, "growths");
	json__uint(j, m->growths);
	json__key(j, "same_size_growths");
	swiss ? json__null(j) : json__uint(j, m->same_size_growths);
	json__key(j, "growth_seconds");
	json__double(j, m->growth_seconds);
	json__key(j, "growwork_per_sec");
	if (swiss || m->growwork_per_sec < 0)
		json__null(j);
	else
		json__double(j, m->growwork_per_sec);
	if (tf->counts) {
		tf->counts(tf->counts_ctx, m->addr, &writes, &reads, &deletes);
		tf->ranges(tf->counts_ctx, m->addr, &rg);
	}
	json__key(j, "writes");
	tf->counts ? json__uint(j, writes) : json__null(j);
	json__key(j, "writes_low");
	tf->counts ? json__uint(j, rg.writes_low) : json__null(j);
	json__key(j, "writes_high");
	tf->counts ? json__uint(j, rg.writes_high) : json__null(j);
	json__key(j, "reads");
	tf->counts ? json__uint(j, reads) : json__null(j);
	json__key(j, "reads_low");
	tf->counts ? json__uint(j, rg.reads_low) : json__null(j);
	json__key(j, "reads_high");
	tf->counts ? json__uint(j, rg.reads_high) : json__null(j);
	json__key(j, "deletes");
	tf->counts ? json__uint(j, deletes) : json__null(j);
	json__key(j, "flags");
	json__arr_begin(j);
	if (top__is_bloated(m))
		json__str(j, "bloated");
	if (m->st.growing)
		json__str(j, "growing");
	if (!m->st_ok)
		json__str(j, "unreadable");
	if (!m->ti_ok)
		json__str(j, "type_unknown");
	json__arr_end(j);
	if (top__is_bloated(m)) {
		json__key(j, "retained_bytes");
		json__uint(j, m->st.bytes);
	}
	json__obj_end(j);
}

struct limit_warning {
	const struct site *site;
	const char *resource; /* "entries" or "bytes" */
	double limit, value, eta_s;
};

/* Steps through the forecasts that reach a limit within TOP_WARN_S; start with *i = 0. */
static bool next_warning(const struct top_frame *tf, size_t *i, struct limit_warning *w)
{
	size_t n = tf->sites ? sites__count(tf->sites) : 0;

	for (; *i < 2 * n; (*i)++) {
		const struct site *s = sites__at(tf->sites, *i / 2);
		bool bytes = *i % 2;
		enum forecast__verdict v = bytes ? s->v_bytes : s->v_entries;
		double eta = bytes ? s->eta_bytes : s->eta_entries;

		if ((v != FORECAST__ETA && v != FORECAST__REACHED) || eta > TOP_WARN_S)
			continue;
		w->site = s;
		w->resource = bytes ? "bytes" : "entries";
		w->limit = bytes ? tf->limit_bytes : tf->limit_entries;
		w->value = bytes ? (double)s->bytes : (double)s->entries;
		w->eta_s = eta;
		(*i)++;
		return true;
	}
	return false;
}

static void json_warnings(struct json *j, const struct top_frame *tf)
{
	struct limit_warning w;
	size_t i = 0;

	while (next_warning(tf, &i, &w)) {
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

static void table_warnings(FILE *out, const struct top_frame *tf)
{
	struct limit_warning w;
	size_t i = 0;

	while (next_warning(tf, &i, &w))
		fprintf(out,
			"warning: maps made at %s (%s, %s) hold %.0f %s and are forecast to reach "
			"the limit of %.0f in %.0f min\n",
			w.site->func, w.site->file, w.site->type, w.value, w.resource, w.limit,
			w.eta_s / 60);
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

/* "function file:line" of a site row, or its holder when it has no stack. */
/* "name.go:42" of a site row, as the maps' site_file. */
static const char *site_file(const struct bysite_row *s, char *buf, size_t n)
{
	struct frame f = { .func = s->func, .file = s->file, .line = s->line };

	return symbolize__file_line(&f, buf, n);
}

const char *top__site_text(const struct bysite_row *s, char *buf, size_t n)
{
	char fl[256];

	if (!s->func)
		snprintf(buf, n, "%s", s->held);
	else
		snprintf(buf, n, "%s %s", s->func, site_file(s, fl, sizeof(fl)));
	return buf;
}

static void json_sites(struct json *j, const struct gobin *gb, struct registry *r,
		       const struct top_frame *tf)
{
	struct bysite_row *v;
	char fl[256];
	size_t n;

	json__key(j, "sites");
	if (bysite__build(gb, tf->bias, r, tf->counts, tf->counts_ctx, &v, &n)) {
		json__null(j);
		return;
	}
	json__arr_begin(j);
	for (size_t i = 0; i < n; i++) {
		json__obj_begin(j);
		json__key(j, "site");
		json__str(j, v[i].func);
		json__key(j, "site_file");
		json__str(j, v[i].func ? site_file(&v[i], fl, sizeof(fl)) : NULL);
		json__key(j, "held_by");
		json__str(j, v[i].func ? NULL : v[i].held);
		json__key(j, "type");
		json__str(j, strcmp(v[i].type, "?") ? v[i].type : NULL);
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
		tf->counts ? json__uint(j, v[i].writes) : json__null(j);
		json__key(j, "reads");
		tf->counts ? json__uint(j, v[i].reads) : json__null(j);
		json__obj_end(j);
	}
	json__arr_end(j);
	free(v);
}

static int by_bytes(const void *a, const void *b);

/* With max (> 0) below the map count: the max biggest maps by bytes in *rows (free it; NULL
 * when out of memory: then every map, in the registry's order). Returns how many to list. */
static size_t sorted_maps(struct registry *r, size_t max, const struct reg_map ***rows)
{
	size_t n = registry__count(r);

	*rows = NULL;
	if (!max || max >= n)
		return n;
	*rows = calloc(n, sizeof(**rows));
	if (!*rows)
		return n;
	for (size_t i = 0; i < n; i++)
		(*rows)[i] = registry__at(r, i);
	qsort(*rows, n, sizeof(**rows), by_bytes);
	return max;
}

void top__json(FILE *out, const struct gobin *gb, struct registry *r, struct top_frame *tf)
{
	struct json *j = json__new(out);
	struct stack_tab stacks = { 0 };
	const struct reg_map **rows;
	const struct reg_growth *g;
	size_t ng, n;

	json__obj_begin(j);
	json__key(j, "time");
	json__double(j, tf->time);
	json__key(j, "pid");
	json__int(j, tf->pid);
	json__key(j, "go_version");
	json__str(j, gb->bi.version);
	json__key(j, "layout");
	json__str(j, goversion__layout_name(gb->maps));
	json__key(j, "maps");
	json__arr_begin(j);
	n = sorted_maps(r, tf->max_maps, &rows);
	for (size_t i = 0; i < n; i++)
		json_map(j, gb, rows ? rows[i] : registry__at(r, i), tf, &stacks);
	json__arr_end(j);
	free(rows);
	json__key(j, "stacks");
	json__arr_begin(j);
	for (size_t i = 0; i < stacks.n; i++)
		json_stack(j, gb, tf->bias, stacks.first[i]->stack, stacks.first[i]->nstack);
	json__arr_end(j);
	free(stacks.first);
	free(stacks.slot);
	json_sites(j, gb, r, tf);
	json__key(j, "events");
	json__arr_begin(j);
	g = registry__take_growths(r, &ng);
	for (size_t i = 0; i < ng; i++) {
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
	tf->cw_from = cwrite__count(tf->cw);
	json__arr_end(j);
	json__key(j, "stats");
	json__obj_begin(j);
	json__key(j, "dropped");
	json__uint(j, tf->dropped);
	json__key(j, "overhead_pct");
	json__double(j, tf->overhead_pct);
	json__key(j, "trap_ns");
	json__double(j, tf->trap_ns);
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

const char *top__bytes(uint64_t b, char *buf, size_t n)
{
	if (b >= (10u << 20))
		snprintf(buf, n, "%" PRIu64 "MiB", b >> 20);
	else if (b >= (10u << 10))
		snprintf(buf, n, "%" PRIu64 "KiB", b >> 10);
	else
		snprintf(buf, n, "%" PRIu64 "B", b);
	return buf;
}

const char *top__origin_note(const struct reg_map *m)
{
	static const char *const notes[] = {"", " (seen growing)", " (seen in use)",
					    " (found in heap)"};

	return notes[m->origin];
}

const char *top__no_site(const struct reg_map *m)
{
	return m->held_by ? m->held_by : "?";
}

static int by_bytes(const void *a, const void *b)
{
	const struct reg_map *x = *(const struct reg_map *const *)a;
	const struct reg_map *y = *(const struct reg_map *const *)b;

	return x->st.bytes < y->st.bytes ? 1 : x->st.bytes > y->st.bytes ? -1 : 0;
}

#define SUMMARY_MAPS 5

/* The closing words of a run, for someone who has not read the columns: where the memory is,
 * what is bloated and what growing cost. rows are sorted by bytes. */
static void summary(FILE *out, const struct gobin *gb, const struct reg_map **rows, size_t n,
		    const struct top_frame *tf)
{
	uint64_t total = 0, growths = 0, grown = 0;
	const struct reg_map *most = NULL;
	double secs = 0;
	char hb[32], fl[256];

	for (size_t i = 0; i < n; i++) {
		total += rows[i]->st.bytes;
		growths += rows[i]->growths;
		grown += rows[i]->growths > 0;
		secs += rows[i]->growth_seconds;
		if (!most || rows[i]->growths > most->growths)
			most = rows[i];
	}
	fprintf(out, "\nSummary: %zu live maps hold %s.\n", n, top__bytes(total, hb, sizeof(hb)));
	if (n)
		fprintf(out, "The biggest, and where the program made them:\n");
	for (size_t i = 0; i < n && i < SUMMARY_MAPS; i++) {
		const struct reg_map *m = rows[i];
		struct frame site;

		symbolize__site(gb, tf->bias, m->stack, m->nstack, &site);
		fprintf(out, "  %zu. %s: %s for %" PRIu64 " entries (room for %" PRIu64 "), %s %s%s\n",
			i + 1, m->ti_ok ? m->ti.name : "map of unknown type",
			top__bytes(m->st.bytes, hb, sizeof(hb)), m->st.len, m->st.capacity,
			site.func ? site.func : top__no_site(m),
			site.func ? symbolize__file_line(&site, fl, sizeof(fl)) : "",
			top__origin_note(m));
	}
	for (size_t i = 0; i < n; i++)
		if (top__is_bloated(rows[i]))
			fprintf(out,
				"Bloated: %s at 0x%" PRIx64 " keeps %s for only %" PRIu64
				" entries. Go maps never shrink after deletes; copying the entries into "
				"a new map and dropping the old one releases the memory.\n",
				rows[i]->ti_ok ? rows[i]->ti.name : "a map", rows[i]->addr,
				top__bytes(rows[i]->st.bytes, hb, sizeof(hb)), rows[i]->st.len);
	if (growths)
		fprintf(out,
			"Growth: %" PRIu64 " growths in %" PRIu64 " maps, %.1f ms spent growing; "
			"the map that grew most is %s (%" PRIu64 " times). Sizing it with "
			"make(map[K]V, n) avoids those.\n",
			growths, grown, secs * 1e3, most->ti_ok ? most->ti.name : "?", most->growths);
}

#define SITE_ROWS 10

/* The biggest sites: what a server's thousands of maps come to. */
static void table_sites(FILE *out, const struct gobin *gb, struct registry *r,
			const struct top_frame *tf)
{
	char hb[32], sb[512], wb[24];
	struct bysite_row *v;
	size_t n;

	if (bysite__build(gb, tf->bias, r, tf->counts, tf->counts_ctx, &v, &n))
		return;
	fprintf(out, "%-7s %11s %11s %8s %7s %10s  %-28s %s\n", "MAPS", "ENTRIES", "CAP", "BYTES",
		"GROW", "WRITES", "TYPE", "SITE (by creation site)");
	for (size_t i = 0; i < n && i < SITE_ROWS; i++) {
		snprintf(wb, sizeof(wb), tf->counts ? "%" PRIu64 : "-", v[i].writes);
		fprintf(out,
			"%-7" PRIu64 " %11" PRIu64 " %11" PRIu64 " %8s %7" PRIu64
			" %10s  %-28.28s %s\n",
			v[i].maps, v[i].entries, v[i].capacity,
			top__bytes(v[i].bytes, hb, sizeof(hb)), v[i].growths, wb, v[i].type,
			top__site_text(&v[i], sb, sizeof(sb)));
	}
	if (n > SITE_ROWS)
		fprintf(out, "... and %zu smaller sites (--json lists all)\n", n - SITE_ROWS);
	free(v);
}

void top__table(FILE *out, const struct gobin *gb, struct registry *r, struct top_frame *tf)
{
	size_t n = registry__count(r), ng;
	const struct reg_map **rows = calloc(n ? n : 1, sizeof(*rows));
	char hb[32], fl[256];

	if (!rows)
		return;
	for (size_t i = 0; i < n; i++)
		rows[i] = registry__at(r, i);
	qsort(rows, n, sizeof(*rows), by_bytes);
	registry__take_growths(r, &ng);
	fprintf(out, "\nmapscope top: pid %d, %s (%s maps), %zu maps, %zu growths%s\n", tf->pid,
		gb->bi.version, goversion__layout_name(gb->maps), n, ng,
		tf->exited ? " (final: the program has exited)" : tf->final ? " (final)" : "");
	/* A server's thousands of maps read first by site; a few maps, map by map. */
	if (n > TABLE_ROWS) {
		table_sites(out, gb, r, tf);
		fputc('\n', out);
	}
	fprintf(out, "%-14s %-28s %9s %9s %5s %8s %5s %10s %10s  %s\n", "ADDR", "TYPE", "LEN",
		"CAP", "LOAD", "BYTES", "GROW", "WRITES", "READS", "SITE");
	for (size_t i = 0; i < n && i < TABLE_ROWS; i++) {
		const struct reg_map *m = rows[i];
		uint64_t writes = 0, reads = 0, deletes;
		struct frame site;
		char wb[24] = "-", rb[24] = "-";

		symbolize__site(gb, tf->bias, m->stack, m->nstack, &site);
		if (tf->counts) {
			struct top_range rg;

			/* '~': sampled, the range in JSON; exact counts bare. */
			tf->counts(tf->counts_ctx, m->addr, &writes, &reads, &deletes);
			tf->ranges(tf->counts_ctx, m->addr, &rg);
			snprintf(wb, sizeof(wb), "%s%" PRIu64,
				 rg.writes_low == rg.writes_high ? "" : "~", writes);
			snprintf(rb, sizeof(rb), "%s%" PRIu64,
				 rg.reads_low == rg.reads_high ? "" : "~", reads);
		}
		fprintf(out, "0x%-12" PRIx64 " %-28.28s %9" PRIu64 " %9" PRIu64 " %5.2f %8s %5" PRIu64
			     " %10s %10s  %s %s%s\n",
			m->addr, m->ti_ok ? m->ti.name : "?", m->st.len, m->st.capacity,
			m->st.capacity ? (double)m->st.len / (double)m->st.capacity : 0,
			top__bytes(m->st.bytes, hb, sizeof(hb)), m->growths, wb, rb,
			site.func ? site.func : top__no_site(m),
			site.func ? symbolize__file_line(&site, fl, sizeof(fl)) : "",
			top__origin_note(m));
	}
	if (n > TABLE_ROWS)
		fprintf(out, "... and %zu smaller maps (--json lists all)\n", n - TABLE_ROWS);
	else if (n > 1) {
		fputc('\n', out);
		table_sites(out, gb, r, tf);
	}
	for (size_t i = 0; i < n; i++) {
		const struct reg_map *m = rows[i];

		if (!top__is_bloated(m))
			continue;
		fprintf(out,
			"bloated: 0x%" PRIx64 " (%s) holds %s for %" PRIu64 " entries (capacity %" PRIu64
			"): Go maps never shrink; copy it into a new map to release the memory.\n",
			m->addr, m->ti_ok ? m->ti.name : "?", top__bytes(m->st.bytes, hb, sizeof(hb)),
			m->st.len, m->st.capacity);
	}
	table_warnings(out, tf);
	for (size_t i = tf->cw_from; i < cwrite__count(tf->cw); i++)
		cwrite__print(tf->cw, i, out);
	tf->cw_from = cwrite__count(tf->cw);
	if (tf->dropped)
		fprintf(out, "(%" PRIu64 " events dropped: the ring buffer was full)\n", tf->dropped);
	if (tf->final)
		summary(out, gb, rows, n, tf);
	free(rows);
	fflush(out);
}
