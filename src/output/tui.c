#include "output/tui.h"

#include "core/err.h"
#include "inspect/gobin.h"
#include "model/cwlog.h"
#include "model/registry.h"
#include "model/symbolize.h"
#include "output/bysite.h"
#include "output/cwrite.h"
#include "output/top.h"

#include <curses.h>
#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HIST_LEN 30	  /* intervals of len kept per map, one sparkline cell each */
#define RECENT_GROWTHS 64 /* growths kept for the bottom pane, across intervals */
#define TYPE_W 28

/* Columns: the numbers are printf-aligned; the sparkline's glyphs are several bytes wide in
 * UTF-8, so everything after it is placed by column rather than by byte count. */
#define X_SPARK 104
#define SPARK_MIN 8
#define FLAG_W 7
#define SITE_MIN 48

enum tui_sort { SORT_BYTES, SORT_LEN, SORT_GROWTHS, SORT_WRITES };

static const char *const sort_names[] = {"bytes", "len", "growths", "writes"};

/* A map's row: its calls so far, as top's table and JSON count them (0 when counting is off). */
struct row {
	const struct reg_map *m;
	uint64_t writes, reads;
};

struct hist {
	uint64_t addr, created_ns;
	uint64_t len[HIST_LEN]; /* ring: len[(head + i) % HIST_LEN], oldest first */
	unsigned int n, head;
	size_t idx; /* in the registry, valid only while a frame is being built */
};

struct recent {
	uint64_t addr, unix_ns, old_cap, new_cap, frame;
	double seconds;
	const char *how;
	char type[64];
	char site[192];
};

struct tui {
	SCREEN *scr;
	bool utf8, color;
	enum tui_sort sort;
	bool by_site; /* rows are creation sites ('s' toggles) */
	int spark_w, x_flag, x_site; /* from the terminal's width, at each draw */
	struct hist *hist; /* sorted by addr: one per map in the registry at the last frame */
	size_t nhist;
	struct recent recent[RECENT_GROWTHS]; /* ring, newest at recent_head - 1 */
	size_t nrecent, recent_head;
	uint64_t frames;
	size_t interval_growths;
	const struct gobin *gb;
	struct registry *r;
	const struct top_frame *f;
	char *note; /* 'a': the advice, shown in the bottom pane until 'a' again */
};

static int by_addr(const void *a, const void *b)
{
	const struct hist *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static struct hist *hist_find(struct hist *h, size_t n, uint64_t addr)
{
	struct hist key = {.addr = addr};

	return n ? bsearch(&key, h, n, sizeof(*h), by_addr) : NULL;
}

/* Rebuilt every frame from the registry, so that a map that left it loses its history and a new
 * map at a reused address (another created_ns) starts a fresh one. */
static int hist_update(struct tui *t, struct registry *r)
{
	size_t n = registry__count(r);
	struct hist *nh = calloc(n ? n : 1, sizeof(*nh));

	if (!nh)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct reg_map *m = registry__at(r, i);
		struct hist *old = hist_find(t->hist, t->nhist, m->addr);

		if (old && old->created_ns == m->created_ns)
			nh[i] = *old;
		nh[i].addr = m->addr;
		nh[i].idx = i;
		nh[i].created_ns = m->created_ns;
		if (!m->st_ok)
			continue;
		nh[i].len[nh[i].head] = m->st.len;
		nh[i].head = (nh[i].head + 1) % HIST_LEN;
		if (nh[i].n < HIST_LEN)
			nh[i].n++;
	}
	qsort(nh, n, sizeof(*nh), by_addr);
	free(t->hist);
	t->hist = nh;
	t->nhist = n;
	return 0;
}

static void take_growths(struct tui *t, const struct gobin *gb, struct registry *r,
			 const struct top_frame *f)
{
	size_t ng = f->ngrowths;
	const struct reg_growth *g = f->growths;
	char fl[256];

	t->interval_growths = ng;
	/* Only the newest fit the ring; skipping the rest saves symbolizing them. */
	for (size_t i = ng > RECENT_GROWTHS ? ng - RECENT_GROWTHS : 0; i < ng; i++) {
		struct recent *e = &t->recent[t->recent_head];
		const struct hist *h = hist_find(t->hist, t->nhist, g[i].addr);
		const struct reg_map *m = h ? registry__at(r, h->idx) : NULL;
		struct frame site;

		*e = (struct recent){.addr = g[i].addr,
				     .unix_ns = g[i].ts_ns + f->boot_to_unix_ns,
				     .old_cap = g[i].old_capacity,
				     .new_cap = g[i].new_capacity,
				     .frame = t->frames,
				     .seconds = g[i].seconds,
				     .how = g[i].how};
		snprintf(e->type, sizeof(e->type), "%.*s", (int)sizeof(e->type) - 1,
			 m && m->ti ? m->ti->name : "?");
		if (symbolize__site(gb, f->bias, g[i].stack, g[i].nstack, &site) < 0 || !site.func)
			snprintf(e->site, sizeof(e->site), "?");
		else
			snprintf(e->site, sizeof(e->site), "%s %s", site.func,
				 symbolize__file_line(&site, fl, sizeof(fl)));
		t->recent_head = (t->recent_head + 1) % RECENT_GROWTHS;
		if (t->nrecent < RECENT_GROWTHS)
			t->nrecent++;
	}
}

/* Descending, ties by address so that rows do not swap places between frames. */
#define CMP_DESC(a, b) ((a) < (b) ? 1 : (a) > (b) ? -1 : 0)

static int tie(const struct reg_map *x, const struct reg_map *y)
{
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_bytes(const void *a, const void *b)
{
	const struct reg_map *x = ((const struct row *)a)->m, *y = ((const struct row *)b)->m;
	int c = CMP_DESC(x->st.bytes, y->st.bytes);

	return c ? c : tie(x, y);
}

static int cmp_len(const void *a, const void *b)
{
	const struct reg_map *x = ((const struct row *)a)->m, *y = ((const struct row *)b)->m;
	int c = CMP_DESC(x->st.len, y->st.len);

	return c ? c : tie(x, y);
}

static int cmp_growths(const void *a, const void *b)
{
	const struct reg_map *x = ((const struct row *)a)->m, *y = ((const struct row *)b)->m;
	int c = CMP_DESC(x->growths, y->growths);

	return c ? c : tie(x, y);
}

static int cmp_writes(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = CMP_DESC(x->writes, y->writes);

	return c ? c : tie(x->m, y->m);
}

static void put(int y, int x, const char *s)
{
	if (y >= 0 && y < LINES && x < COLS)
		mvaddnstr(y, x, s, COLS - x);
}

/* Scaled to the map's own peak in the window, from 0: a map that only grows climbs to the right,
 * a steady one is a flat full bar, and an emptied one drops to the floor. */
static void sparkline(const struct tui *t, int y, const struct hist *h)
{
	static const char *const blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	static const char ascii[] = ".:-=+*#%@";
	unsigned int levels = t->utf8 ? 8 : sizeof(ascii) - 1;
	char buf[HIST_LEN * 4 + 1], *p = buf;
	uint64_t max = 0;
	unsigned int n;

	if (!h || !h->n)
		return;
	n = h->n < (unsigned int)t->spark_w ? h->n : (unsigned int)t->spark_w;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t v = h->len[(h->head + HIST_LEN - n + i) % HIST_LEN];

		max = v > max ? v : max;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint64_t v = h->len[(h->head + HIST_LEN - n + i) % HIST_LEN];
		/* Rounded up, so that any non-empty map stands above an empty one. */
		unsigned int lv = max ? (unsigned int)((v * (levels - 1) + max - 1) / max) : 0;

		if (t->utf8) {
			size_t bl = strlen(blocks[lv]);

			memcpy(p, blocks[lv], bl);
			p += bl;
		} else {
			*p++ = ascii[lv];
		}
	}
	*p = 0;
	put(y, X_SPARK + t->spark_w - (int)n, buf);
}

/* A call count in at most 7 columns: exact below ten million, then 12.3M, 1.23G. */
static void fmt_count(uint64_t v, char *buf, size_t n)
{
	if (v < 10000000)
		snprintf(buf, n, "%" PRIu64, v);
	else if (v < 1000000000)
		snprintf(buf, n, "%.1fM", (double)v / 1e6);
	else
		snprintf(buf, n, "%.2fG", (double)v / 1e9);
}

static void draw_map(struct tui *t, int y, const struct row *r)
{
	const struct reg_map *m = r->m;
	bool bloated = top__is_bloated(m);
	attr_t attr = bloated ? A_BOLD | (t->color ? COLOR_PAIR(1) : 0) : A_NORMAL;
	char buf[512], hb[32], fl[256], wb[24] = "-", rb[24] = "-";
	struct frame site;

	if (t->f->counted) {
		fmt_count(r->writes, wb, sizeof(wb));
		fmt_count(r->reads, rb, sizeof(rb));
	}
	attron(attr);
	snprintf(buf, sizeof(buf),
		 "0x%-12" PRIx64 " %-*.*s %9" PRIu64 " %9" PRIu64 " %5.2f %8s %7" PRIu64
		 " %7s %7s",
		 m->addr, TYPE_W, TYPE_W, m->ti ? m->ti->name : "?", m->st.len, m->st.capacity,
		 m->st.capacity ? (double)m->st.len / (double)m->st.capacity : 0,
		 top__bytes(m->st.bytes, hb, sizeof(hb)), m->growths, wb, rb);
	put(y, 0, buf);
	sparkline(t, y, hist_find(t->hist, t->nhist, m->addr));
	put(y, t->x_flag,
	    bloated	    ? "BLOATED"
	    : m->st.growing ? "growing"
	    : !m->st_ok	    ? "unread"
			    : "");
	if (symbolize__site(t->gb, t->f->bias, m->stack, m->nstack, &site) < 0 || !site.func)
		snprintf(buf, sizeof(buf), "%s%s", top__no_site(m), registry__origin_note(m));
	else
		snprintf(buf, sizeof(buf), "%s %s%s", site.func,
			 symbolize__file_line(&site, fl, sizeof(fl)), registry__origin_note(m));
	put(y, t->x_site, buf);
	attroff(attr);
}

static void fmt_seconds(double s, char *buf, size_t n)
{
	if (s < 0)
		snprintf(buf, n, "-");
	else if (s < 1e-3)
		snprintf(buf, n, "%.0fus", s * 1e6);
	else if (s < 1)
		snprintf(buf, n, "%.2fms", s * 1e3);
	else
		snprintf(buf, n, "%.2fs", s);
}

/* Concurrent writes, newest first, in at most rows lines under a title; returns the lines used
 * (none when there were none: growths have the pane). */
static int draw_races(struct tui *t, int y, int rows)
{
	size_t n = cwlog__count(t->f->cw);
	attr_t attr = A_BOLD | (t->color ? COLOR_PAIR(1) : 0);
	char buf[512];
	int i;

	if (!n || rows < 2)
		return 0;
	attron(attr);
	snprintf(buf, sizeof(buf), "CONCURRENT WRITES  %zu, newest first: two goroutines wrote one "
		 "map at once (mapscope top --json has both stacks)", n);
	put(y, 0, buf);
	for (i = 0; i < rows - 1 && (size_t)i < n; i++) {
		cwrite__line(t->f->cw, n - 1 - (size_t)i, buf, sizeof(buf));
		put(y + 1 + i, 0, buf);
	}
	attroff(attr);
	return i + 1;
}

static void draw_growths(struct tui *t, int y, int rows)
{
	char buf[512], hms[16], dur[32];

	if (rows < 1)
		return;
	attron(A_BOLD);
	snprintf(buf, sizeof(buf), "GROWTHS  %zu this interval, newest first (earlier ones dimmed)",
		 t->interval_growths);
	put(y, 0, buf);
	attroff(A_BOLD);
	for (int i = 0; i < rows - 1 && (size_t)i < t->nrecent; i++) {
		const struct recent *e =
			&t->recent[(t->recent_head + RECENT_GROWTHS - 1 - (size_t)i) %
				   RECENT_GROWTHS];
		time_t sec = (time_t)(e->unix_ns / 1000000000ull);
		attr_t attr = e->frame == t->frames ? A_NORMAL : A_DIM;
		struct tm tm;

		localtime_r(&sec, &tm);
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
		fmt_seconds(e->seconds, dur, sizeof(dur));
		snprintf(buf, sizeof(buf),
			 "%s.%03u  0x%-12" PRIx64 " %-*.*s %-10s %9" PRIu64 " -> %-9" PRIu64
			 " %9s  %s",
			 hms, (unsigned int)(e->unix_ns / 1000000 % 1000), e->addr, TYPE_W, TYPE_W,
			 e->type, e->how ? e->how : "?", e->old_cap, e->new_cap, dur, e->site);
		attron(attr);
		put(y + 1 + i, 0, buf);
		attroff(attr);
	}
}

/* Sites sort by the same keys as maps: bytes, entries, growths, writes. */
static int cmp_site(const void *pa, const void *pb, void *arg)
{
	const struct bysite_row *a = pa, *b = pb;
	uint64_t x, y;

	switch (*(const enum tui_sort *)arg) {
	case SORT_LEN:
		x = a->entries, y = b->entries;
		break;
	case SORT_GROWTHS:
		x = a->growths, y = b->growths;
		break;
	case SORT_WRITES:
		x = a->writes, y = b->writes;
		break;
	default:
		x = a->bytes, y = b->bytes;
	}
	if (x != y)
		return x < y ? 1 : -1;
	return a->bytes < b->bytes ? 1 : a->bytes > b->bytes ? -1 : 0;
}

/* The sites view: nrows rows from y on, under its own header at y - 1. */
static void draw_sites(struct tui *t, int y, int nrows)
{
	char buf[512], hb[32], sb[512], wb[24] = "-";
	struct bysite_row *v;
	size_t n;

	attron(A_BOLD);
	snprintf(buf, sizeof(buf), "%-7s %11s %11s %8s %7s %7s  %-*s %s", "MAPS", "ENTRIES", "CAP",
		 "BYTES", "GROWTHS", "WRITES", TYPE_W, "TYPE", "SITE (by creation site)");
	put(y - 1, 0, buf);
	attroff(A_BOLD);
	if (bysite__build(t->gb, t->f->bias, t->r, t->f->counted, &v, &n, NULL))
		return;
	qsort_r(v, n, sizeof(*v), cmp_site, &t->sort);
	for (int i = 0; i < nrows && (size_t)i < n; i++) {
		if (i == nrows - 1 && n > (size_t)nrows) {
			snprintf(buf, sizeof(buf), "... and %zu more sites", n - (size_t)i);
			put(y + i, 0, buf);
			break;
		}
		if (t->f->counted)
			fmt_count(v[i].writes, wb, sizeof(wb));
		snprintf(buf, sizeof(buf),
			 "%-7" PRIu64 " %11" PRIu64 " %11" PRIu64 " %8s %7" PRIu64 " %7s  %-*.*s %s",
			 v[i].maps, v[i].entries, v[i].capacity,
			 top__bytes(v[i].bytes, hb, sizeof(hb)), v[i].growths, wb, TYPE_W, TYPE_W,
			 v[i].type, top__site_text(&v[i], sb, sizeof(sb)));
		put(y + i, 0, buf);
	}
	free(v);
}

static void draw_footer(struct tui *t, int y, const struct row *rows, size_t n)
{
	const struct reg_map *first = NULL;
	uint64_t bytes = 0;
	size_t nb = 0;
	char buf[512], hb[32];

	for (size_t i = 0; i < n; i++) {
		if (!top__is_bloated(rows[i].m))
			continue;
		first = first ? first : rows[i].m;
		bytes += rows[i].m->st.bytes;
		nb++;
	}
	if (!nb)
		return;
	if (nb == 1)
		snprintf(buf, sizeof(buf),
			 "BLOATED 0x%" PRIx64 " holds %s for %" PRIu64
			 " entries: Go maps never shrink; copy it into a new map to release the "
			 "memory",
			 first->addr, top__bytes(bytes, hb, sizeof(hb)), first->st.len);
	else
		snprintf(buf, sizeof(buf),
			 "%zu BLOATED maps hold %s: Go maps never shrink; copy each into a new map "
			 "to release the memory",
			 nb, top__bytes(bytes, hb, sizeof(hb)));
	attron(A_BOLD | (t->color ? COLOR_PAIR(1) : 0));
	put(y, 0, buf);
	attroff(A_BOLD | (t->color ? COLOR_PAIR(1) : 0));
}

static void draw_legend(struct tui *t, int y)
{
	static const char *const keys[] = {"b bytes", "l len", "g growths", "w writes"};
	int x = 0;

	put(y, x, "sort:");
	x += 6;
	for (int i = 0; i < 4; i++) {
		attr_t attr = (int)t->sort == i ? A_REVERSE : A_NORMAL;

		attron(attr);
		put(y, x, keys[i]);
		attroff(attr);
		x += (int)strlen(keys[i]) + 2;
	}
	put(y, x + 2, t->by_site ? "s maps" : "s sites");
	put(y, x + 10, t->note ? "a hide advice" : "a advice");
	put(y, x + 25, "q quit (the last table stays on screen)");
}

/* The advice in the pane's lines from y: a title, then the text's lines as they fit. */
static void draw_note(struct tui *t, int y, int rows)
{
	const char *p = t->note;

	attron(A_BOLD);
	put(y, 0, "ADVICE (a hides it; mapscope advise lists all, with the numbers behind each)");
	attroff(A_BOLD);
	for (int i = 1; i < rows && p && *p; i++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		put(y + i, 0, line);
		p = nl ? nl + 1 : NULL;
	}
}

/* On a narrow terminal the sparkline gives up its oldest cells before SITE is cut: where a map
 * was made is what one acts on. */
static void layout(struct tui *t)
{
	int w = COLS - X_SPARK - 2 - FLAG_W - 2 - SITE_MIN;

	t->spark_w = w > HIST_LEN ? HIST_LEN : w < SPARK_MIN ? SPARK_MIN : w;
	t->x_flag = X_SPARK + t->spark_w + 2;
	t->x_site = t->x_flag + FLAG_W + 2;
}

static void draw(struct tui *t)
{
	static int (*const cmp[])(const void *, const void *) = {cmp_bytes, cmp_len, cmp_growths,
								 cmp_writes};
	const struct top_frame *f = t->f;
	struct row *rows;
	char buf[512];
	size_t n;
	int pane, y_pane, nrows, races;

	if (!t->r) {
		erase();
		put(0, 0, "mapscope top: waiting for the first interval...");
		refresh();
		return;
	}
	n = registry__count(t->r);
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows)
		return; /* the last frame stays up */
	erase();
	layout(t);
	for (size_t i = 0; i < n; i++) {
		rows[i].m = registry__at(t->r, i);
		if (f->counted) {
			rows[i].writes = rows[i].m->calls.writes;
			rows[i].reads = rows[i].m->calls.reads;
		}
	}
	qsort(rows, n, sizeof(*rows), cmp[t->sort]);

	snprintf(buf, sizeof(buf),
		 " mapscope top   pid %d   %s (%s maps)   %zu maps   dropped %" PRIu64
		 "   overhead %.2f%%   sorted by %s",
		 f->pid, t->gb->bi.version, goversion__layout_name(t->gb->maps), n, f->dropped,
		 f->overhead_pct, sort_names[t->sort]);
	attron(A_REVERSE);
	mvhline(0, 0, ' ', COLS);
	put(0, 0, buf);
	attroff(A_REVERSE);
	if (!t->by_site) {
		snprintf(buf, sizeof(buf), "%-14s %-*s %9s %9s %5s %8s %7s %7s %7s", "ADDR",
			 TYPE_W, "TYPE", "LEN", "CAP", "LOAD", "BYTES", "GROWTHS", "WRITES",
			 "READS");
		attron(A_BOLD);
		put(1, 0, buf);
		snprintf(buf, sizeof(buf), "LEN, LAST %d INTERVALS", t->spark_w);
		if ((int)strlen(buf) > t->spark_w)
			snprintf(buf, sizeof(buf), "LEN, LAST %d", t->spark_w);
		put(1, X_SPARK, buf);
		put(1, t->x_site, "SITE");
		attroff(A_BOLD);
	}

	/* Bottom up: legend, bloat footer, growth pane; the maps get what is left. */
	pane = LINES / 5 < 3 ? 3 : LINES / 5 > 10 ? 10 : LINES / 5;
	/* On a short terminal the maps keep at least half of what is left. */
	if (pane > (LINES - 5) / 2)
		pane = (LINES - 5) / 2 > 0 ? (LINES - 5) / 2 : 0;
	y_pane = LINES - 3 - pane;
	nrows = y_pane - 2;
	if (t->by_site)
		draw_sites(t, 2, nrows);
	for (int i = 0; !t->by_site && i < nrows && (size_t)i < n; i++) {
		if (i == nrows - 1 && n > (size_t)nrows) {
			snprintf(buf, sizeof(buf), "... and %zu more maps", n - (size_t)i);
			put(2 + i, 0, buf);
			break;
		}
		draw_map(t, 2 + i, &rows[i]);
	}
	/* The pane's pane + 1 lines: concurrent writes take up to half, above the growths. */
	if (t->note) {
		draw_note(t, y_pane, pane + 1);
	} else {
		races = draw_races(t, y_pane, (pane + 1) / 2 > 2 ? (pane + 1) / 2 : 2);
		draw_growths(t, y_pane + races, pane + 1 - races);
	}
	draw_footer(t, LINES - 2, rows, n);
	draw_legend(t, LINES - 1);
	free(rows);
	refresh();
}

int tui__open(struct tui **out)
{
	struct tui *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	setlocale(LC_ALL, "");
	/* The plain table printed after the view closes, and any JSON, keep their decimal point
	 * whatever the user's locale. */
	setlocale(LC_NUMERIC, "C");
	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	/* newterm, not initscr: initscr exits the program when the terminal is unknown. */
	t->scr = newterm(NULL, stdout, stdin);
	if (!t->scr) {
		free(t);
		err__set("cannot drive this terminal (TERM=%s); use --no-tui for the plain table",
			 getenv("TERM") ? getenv("TERM") : "");
		return -ENOTTY;
	}
	cbreak();
	noecho();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	curs_set(0);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(1, COLOR_RED, -1);
		t->color = true;
	}
	draw(t);
	*out = t;
	return 0;
}

void tui__frame(struct tui *t, const struct gobin *gb, struct registry *r,
		const struct top_frame *f)
{
	t->gb = gb;
	t->r = r;
	t->f = f;
	t->frames++;
	/* Without memory for the history the rows still draw, only without sparklines. */
	hist_update(t, r);
	take_growths(t, gb, r, f);
	draw(t);
}

int tui__key(struct tui *t)
{
	bool redraw = false;
	int c;

	while ((c = getch()) != ERR) {
		switch (c) {
		case 'q':
		case 'Q':
			return TUI_QUIT;
		case 'a':
			if (!t->note)
				return TUI_ADVICE;
			free(t->note);
			t->note = NULL;
			redraw = true;
			break;
		case 'b':
			t->sort = SORT_BYTES;
			redraw = true;
			break;
		case 'l':
			t->sort = SORT_LEN;
			redraw = true;
			break;
		case 'g':
			t->sort = SORT_GROWTHS;
			redraw = true;
			break;
		case 'w':
			t->sort = SORT_WRITES;
			redraw = true;
			break;
		case 's':
			t->by_site = !t->by_site;
			redraw = true;
			break;
		case 'L' & 0x1f:
			/* Output of a launched program can land on the screen behind curses' back.
			 */
			clearok(curscr, TRUE);
			redraw = true;
			break;
		case KEY_RESIZE:
			redraw = true;
			break;
		default:
			break;
		}
	}
	if (redraw)
		draw(t);
	return TUI_NONE;
}

void tui__note(struct tui *t, const char *text)
{
	free(t->note);
	t->note = strdup(text && *text ? text : "no advice: nothing wastes 64 KiB or more\n");
	draw(t);
}

void tui__free(struct tui *t)
{
	if (!t)
		return;
	endwin();
	delscreen(t->scr);
	free(t->note);
	free(t->hist);
	free(t);
}
