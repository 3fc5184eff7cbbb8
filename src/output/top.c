#include "output/top.h"

#include "inspect/gobin.h"
#include "model/cwlog.h"
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

bool top__is_bloated(const struct reg_map *m)
{
	return m->st_ok && m->st.capacity >= BLOAT_RATIO * m->st.len && m->st.bytes >= BLOAT_BYTES;
}

bool top__next_warning(const struct top_frame *tf, size_t *i, struct top_warning *w)
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

static void table_warnings(FILE *out, const struct top_frame *tf)
{
	struct top_warning w;
	size_t i = 0;

	while (top__next_warning(tf, &i, &w))
		fprintf(out,
			"warning: maps made at %s (%s, %s) hold %.0f %s and are forecast to reach "
			"the limit of %.0f in %.0f min\n",
			w.site->func, w.site->file, w.site->type, w.value, w.resource, w.limit,
			w.eta_s / 60);
}

const char *top__site_file(const struct bysite_row *s, char *buf, size_t n)
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
		snprintf(buf, n, "%s %s", s->func, top__site_file(s, fl, sizeof(fl)));
	return buf;
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

const char *top__no_site(const struct reg_map *m)
{
	return m->held_by ? m->held_by : "?";
}

int top__by_bytes(const void *a, const void *b)
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
			i + 1, m->ti ? m->ti->name : "map of unknown type",
			top__bytes(m->st.bytes, hb, sizeof(hb)), m->st.len, m->st.capacity,
			site.func ? site.func : top__no_site(m),
			site.func ? symbolize__file_line(&site, fl, sizeof(fl)) : "",
			registry__origin_note(m));
	}
	for (size_t i = 0; i < n; i++)
		if (top__is_bloated(rows[i]))
			fprintf(out,
				"Bloated: %s at 0x%" PRIx64 " keeps %s for only %" PRIu64
				" entries. Go maps never shrink after deletes; copying the entries into "
				"a new map and dropping the old one releases the memory.\n",
				rows[i]->ti ? rows[i]->ti->name : "a map", rows[i]->addr,
				top__bytes(rows[i]->st.bytes, hb, sizeof(hb)), rows[i]->st.len);
	if (growths)
		fprintf(out,
			"Growth: %" PRIu64 " growths in %" PRIu64 " maps, %.1f ms spent growing; "
			"the map that grew most is %s (%" PRIu64 " times). Sizing it with "
			"make(map[K]V, n) avoids those.\n",
			growths, grown, secs * 1e3, most->ti ? most->ti->name : "?", most->growths);
}

#define SITE_ROWS 10

/* The biggest sites: what a server's thousands of maps come to. */
static void table_sites(FILE *out, const struct gobin *gb, struct registry *r,
			const struct top_frame *tf)
{
	char hb[32], sb[512], wb[24];
	struct bysite_row *v;
	size_t n;

	if (bysite__build(gb, tf->bias, r, tf->counted, &v, &n, NULL))
		return;
	fprintf(out, "%-7s %11s %11s %8s %7s %10s  %-28s %s\n", "MAPS", "ENTRIES", "CAP", "BYTES",
		"GROW", "WRITES", "TYPE", "SITE (by creation site)");
	for (size_t i = 0; i < n && i < SITE_ROWS; i++) {
		snprintf(wb, sizeof(wb), tf->counted ? "%" PRIu64 : "-", v[i].writes);
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

void top__table(FILE *out, const struct gobin *gb, struct registry *r, const struct top_frame *tf)
{
	size_t n = registry__count(r), ng = tf->ngrowths;
	const struct reg_map **rows = calloc(n ? n : 1, sizeof(*rows));
	char hb[32], fl[256];

	if (!rows)
		return;
	for (size_t i = 0; i < n; i++)
		rows[i] = registry__at(r, i);
	qsort(rows, n, sizeof(*rows), top__by_bytes);
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
		struct frame site;
		char wb[24] = "-", rb[24] = "-";

		symbolize__site(gb, tf->bias, m->stack, m->nstack, &site);
		if (tf->counted) {
			const struct reg_calls *c = &m->calls;

			/* '~': sampled, the range in JSON; exact counts bare. */
			snprintf(wb, sizeof(wb), "%s%" PRIu64,
				 c->writes_low == c->writes_high ? "" : "~", c->writes);
			snprintf(rb, sizeof(rb), "%s%" PRIu64,
				 c->reads_low == c->reads_high ? "" : "~", c->reads);
		}
		fprintf(out, "0x%-12" PRIx64 " %-28.28s %9" PRIu64 " %9" PRIu64 " %5.2f %8s %5" PRIu64
			     " %10s %10s  %s %s%s\n",
			m->addr, m->ti ? m->ti->name : "?", m->st.len, m->st.capacity,
			m->st.capacity ? (double)m->st.len / (double)m->st.capacity : 0,
			top__bytes(m->st.bytes, hb, sizeof(hb)), m->growths, wb, rb,
			site.func ? site.func : top__no_site(m),
			site.func ? symbolize__file_line(&site, fl, sizeof(fl)) : "",
			registry__origin_note(m));
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
			m->addr, m->ti ? m->ti->name : "?", top__bytes(m->st.bytes, hb, sizeof(hb)),
			m->st.len, m->st.capacity);
	}
	table_warnings(out, tf);
	for (size_t i = tf->cw_from; i < cwlog__count(tf->cw); i++)
		cwrite__print(tf->cw, i, out);
	if (tf->dropped)
		fprintf(out, "(%" PRIu64 " events dropped: the ring buffer was full)\n", tf->dropped);
	if (tf->final)
		summary(out, gb, rows, n, tf);
	free(rows);
	fflush(out);
}
