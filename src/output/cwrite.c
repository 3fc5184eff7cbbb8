#include "output/cwrite.h"

#include "core/json.h"
#include "inspect/gobin.h"
#include "model/gotype.h"
#include "model/registry.h"
#include "model/symbolize.h"
#include "output/top.h"
#include "shared/hotkeys.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FRAME_TEXT 160

struct side {
	uint64_t goid;
	uint32_t tid;      /* threads only */
	bool in_write;     /* threads: a frame is a map write function */
	bool holds_map;    /* threads: the map's address is in its registers or top of stack */
	bool caught;       /* threads: found the flag in turn, on the runtime's fatal path too */
	size_t n;
	char frames[HK_STACK + 1][FRAME_TEXT]; /* "func file:line", or the hex PC when unknown */
};

struct cwrite {
	uint64_t map, writes_before; /* probed writes from the other goroutine's write to this */
	bool fatal;
	char msg[HK_MSG];
	char type[192]; /* fatal: the map's type, from the map function's spilled arguments */
	char site[192]; /* fatal: where the map was made, or the global holding it ("": unknown) */
	struct side g[2];
	/* fatal: the other threads as the runtime stopped them, and the one in a write to this
	 * map (-1: none was) */
	struct side *th;
	size_t nth;
	int writer;
	/* fatal: CLOCK_MONOTONIC ns of the fatal probe, of the last thread's context and of the
	 * seal (the report), and the longest a thread's probe ran */
	uint64_t ns, last_ns, sealed_ns, run_ns_max;
};

struct cwrite_log {
	struct cwrite *ev;
	size_t n, cap;
	size_t open; /* index of a fatal event still taking its threads (SIZE_MAX: none) */
};

int cwrite__new(struct cwrite_log **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->open = SIZE_MAX;
	return 0;
}

static void side_fill(struct side *s, const struct gobin *gb, uint64_t bias, uint64_t goid,
		      const unsigned long long *pcs, size_t n)
{
	s->goid = goid;
	s->n = 0;
	for (size_t i = 0; i < n && i < HK_STACK + 1; i++) {
		struct frame fr = { 0 };
		char fl[96];

		if (!pcs[i])
			break;
		/* stack[0] is the probed PC itself; the rest are return addresses. */
		if (symbolize__pc(gb, bias, pcs[i], i > 0, &fr) == 0 && fr.func)
			snprintf(s->frames[s->n], FRAME_TEXT, "%s %s", fr.func,
				 symbolize__file_line(&fr, fl, sizeof(fl)));
		else
			snprintf(s->frames[s->n], FRAME_TEXT, "0x%" PRIx64, (uint64_t)pcs[i]);
		s->n++;
	}
}

/* The map and type a fatal came from: the first frame above runtime.fatal that is a map
 * function, whose spilled arguments args[i] hold them (runtime.map*: type, map; a method of
 * Swiss maps' Map: map, type). Iterators' fatals name no map here. */
static void fatal_map(struct cwrite *c, const struct gobin *gb, uint64_t bias,
		      const struct hk_event *e)
{
	uint64_t map = 0, type = 0;
	struct maptype_info ti;

	for (int i = 0; i < 2 && (size_t)i + 1 < e->nframes[0]; i++) {
		struct frame fr;

		if (symbolize__pc(gb, bias, e->stack[0][i + 1], true, &fr) || !fr.func)
			break;
		if (!strncmp(fr.func, "runtime.mapiter", 15) || strstr(fr.func, "(*Iter)."))
			break;
		if (!strncmp(fr.func, "runtime.map", 11)) {
			type = e->args[i][0];
			map = e->args[i][1];
			break;
		}
		if (!strncmp(fr.func, "internal/runtime/maps.(*Map).", 29)) {
			map = e->args[i][0];
			type = e->args[i][1];
			break;
		}
	}
	if (!c->map)
		c->map = map;
	if (type > bias && c->map == map && gotype__maptype(gb, type - bias, &ti) == 0)
		snprintf(c->type, sizeof(c->type), "%s", ti.name);
}

static int grow(struct cwrite_log *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct cwrite *n = realloc(l->ev, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->ev = n;
		l->cap = cap;
	}
	return 0;
}

static int add_thread(struct cwrite *c, struct side **out)
{
	struct side *th = realloc(c->th, (c->nth + 1) * sizeof(*th));

	if (!th)
		return -ENOMEM;
	c->th = th;
	*out = &th[c->nth];
	memset(*out, 0, sizeof(**out));
	return 0;
}

/* A second fatal while one is open: the other writer found the flag in turn and is dying on
 * its own thread too. It joins the first as its other writer, caught in its write. */
static int second_fatal(struct cwrite *c, const struct gobin *gb, uint64_t bias,
			const struct hk_event *e)
{
	struct side *s;

	if (add_thread(c, &s))
		return -ENOMEM;
	side_fill(s, gb, bias, e->goid[0], e->stack[0], e->nframes[0]);
	s->tid = e->tid; /* its signal, later, finds it on the fatal path: ignored */
	s->in_write = true;
	s->caught = true;
	s->holds_map = !e->map || e->map == c->map;
	if (c->writer < 0 || !c->th[c->writer].holds_map)
		c->writer = (int)c->nth;
	c->nth++;
	return 0;
}

/* The map's creation site (or holder) and, when still unknown, type, from the registry. */
static void map_site(struct cwrite *c, const struct gobin *gb, uint64_t bias, struct registry *r)
{
	struct reg_map *m = r && c->map ? registry__find(r, c->map) : NULL;
	struct frame f;
	char fl[96];

	if (!m)
		return;
	if (symbolize__site(gb, bias, m->stack, m->nstack, &f) >= 0 && f.func)
		snprintf(c->site, sizeof(c->site), "%s %s%s", f.func,
			 symbolize__file_line(&f, fl, sizeof(fl)), top__origin_note(m));
	else if (m->held_by)
		snprintf(c->site, sizeof(c->site), "%s", m->held_by);
	if (!c->type[0] && m->ti)
		snprintf(c->type, sizeof(c->type), "%s", m->ti->name);
}

int cwrite__add(struct cwrite_log *l, const struct gobin *gb, uint64_t bias,
		const struct hk_event *e, struct registry *r)
{
	struct cwrite *c;

	if (e->fatal && l->open != SIZE_MAX)
		return second_fatal(&l->ev[l->open], gb, bias, e) ? -ENOMEM : (int)l->open;
	if (grow(l))
		return -ENOMEM;
	c = &l->ev[l->n];
	memset(c, 0, sizeof(*c));
	c->writer = -1;
	c->map = e->map;
	c->fatal = e->fatal != 0;
	c->writes_before = e->goid[1] && e->stamp > e->other_stamp ? e->stamp - e->other_stamp : 0;
	memcpy(c->msg, e->msg, sizeof(c->msg));
	c->msg[HK_MSG - 1] = 0;
	side_fill(&c->g[0], gb, bias, e->goid[0], e->stack[0], e->nframes[0]);
	if (e->goid[1])
		side_fill(&c->g[1], gb, bias, e->goid[1], e->stack[1], e->nframes[1]);
	if (c->fatal) {
		fatal_map(c, gb, bias, e);
		map_site(c, gb, bias, r);
		c->ns = e->ns;
		l->open = l->n;
	}
	return (int)l->n++;
}

/* Whether runtime PC pc (a return address after the first) is in one of the map write
 * functions of gb's catalogue: mapassign*, mapdelete*, mapclear, and Swiss Map's Delete and
 * Clear (a Swiss write's helpers are called from these, so one is always in the chain). */
static bool in_write_func(const struct gobin *gb, uint64_t bias, uint64_t pc, bool return_addr)
{
	uint64_t v = pc - bias - (return_addr ? 1 : 0);

	for (size_t i = 0; pc > bias && i < gb->nfuncs; i++) {
		const struct gobin_func *f = &gb->funcs[i];

		if ((f->role == MF_ASSIGN || f->role == MF_DELETE || f->role == MF_CLEAR) &&
		    v >= f->addr && v < f->addr + f->size)
			return true;
	}
	return false;
}

/* The interrupted PC, its function's caller when that function had not set up its frame yet
 * (bp is then still the caller's: its return address is at sp + the PC's SP delta), then the
 * frame-pointer chain. */
static size_t thread_pcs(const struct gobin *gb, uint64_t bias, const struct hk_thread *t,
			 unsigned long long *pcs)
{
	size_t n = 0;
	int32_t d;

	pcs[n++] = t->ip;
	if (symbolize__spdelta(gb, bias, t->ip, &d) == 0 && d >= 0 && d % 8 == 0 &&
	    t->bp != t->sp + (uint64_t)d - 8 && (size_t)d / 8 < HK_WORDS && t->words[d / 8])
		pcs[n++] = t->words[d / 8];
	for (size_t i = 1; i < t->nframes && i < HK_STACK; i++)
		pcs[n++] = t->stack[i];
	return n;
}

int cwrite__thread(struct cwrite_log *l, const struct gobin *gb, uint64_t bias,
		   const struct hk_thread *t)
{
	unsigned long long pcs[HK_STACK + 1];
	struct cwrite *c;
	struct side *s;
	size_t n;

	if (l->open == SIZE_MAX)
		return 0;
	c = &l->ev[l->open];
	if (t->ns > c->last_ns)
		c->last_ns = t->ns;
	if (t->run_ns > c->run_ns_max)
		c->run_ns_max = t->run_ns;
	/* A thread's park after its signal is the goroutine's own context, where the signal may
	 * have found only the scheduler: it replaces the signal's unless that was in a write. */
	for (s = c->th; s < c->th + c->nth && s->tid != t->tid; s++)
		;
	if (s < c->th + c->nth) {
		if (t->sig || s->in_write || s - c->th == c->writer)
			return 0;
		memset(s, 0, sizeof(*s));
	} else if (add_thread(c, &s)) {
		return -ENOMEM;
	} else {
		c->nth++;
	}
	n = thread_pcs(gb, bias, t, pcs);
	side_fill(s, gb, bias, t->goid < (1ull << 48) ? t->goid : 0, pcs, n);
	s->tid = t->tid;
	for (size_t k = 0; k < n && !s->in_write; k++)
		s->in_write = in_write_func(gb, bias, pcs[k], k > 0);
	for (size_t k = 0; c->map && k < HK_WORDS && !s->holds_map; k++)
		s->holds_map = t->words[k] == c->map || (k < 4 && t->regs[k] == c->map);
	/* The writer: in a map write, best with this map in hand. */
	if (s->in_write && (c->writer < 0 || (s->holds_map && !c->th[c->writer].holds_map)))
		c->writer = (int)(s - c->th);
	return 0;
}

int cwrite__event(struct cwrite_log *l, const struct gobin *gb, uint64_t bias,
		  struct registry *r, const struct hk_event *e, const struct hk_thread *t)
{
	return e ? cwrite__add(l, gb, bias, e, r) : cwrite__thread(l, gb, bias, t) ? -ENOMEM : -1;
}

void cwrite__seal(struct cwrite_log *l)
{
	struct timespec ts;

	if (!l || l->open == SIZE_MAX)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	l->ev[l->open].sealed_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	l->open = SIZE_MAX;
}

/* ms from the fatal probe to ns (0 when either is unknown). */
static double after_fatal_ms(const struct cwrite *c, uint64_t ns)
{
	return c->ns && ns > c->ns ? (double)(ns - c->ns) / 1e6 : 0;
}

size_t cwrite__count(const struct cwrite_log *l)
{
	return !l ? 0 : l->open == SIZE_MAX ? l->n : l->open;
}

static void print_side(const struct side *g, FILE *f)
{
	for (size_t k = 0; k < g->n; k++)
		fprintf(f, "    %s\n", g->frames[k]);
}

void cwrite__print(const struct cwrite_log *l, size_t i, FILE *f)
{
	const struct cwrite *c = &l->ev[i];

	if (c->map)
		fprintf(f, "\n%s on 0x%" PRIx64 "%s%s%s\n%s%s%s",
			c->msg[0] ? c->msg : "concurrent map writes", c->map, c->type[0] ? " " : "",
			c->type, c->fatal ? " (the runtime is killing the program)" : "",
			c->site[0] ? "  the map: made at " : "", c->site, c->site[0] ? "\n" : "");
	else
		fprintf(f, "\n%s (map unknown)\n", c->msg[0] ? c->msg : "concurrent map writes");
	fprintf(f, "  goroutine %" PRIu64 ", %s:\n", c->g[0].goid,
		c->fatal ? "caught by the runtime" : "wrote while the map was being written");
	print_side(&c->g[0], f);
	if (c->writer >= 0) {
		const struct side *w = &c->th[c->writer];

		if (w->caught)
			fprintf(f,
				"  goroutine %" PRIu64 ", the other writer, caught by the runtime "
				"in turn:\n",
				w->goid);
		else
			fprintf(f,
				"  goroutine %" PRIu64 " (thread %u), the other writer: inside a "
				"map write%s when the runtime stopped it:\n",
				w->goid, w->tid, w->holds_map ? " with this map in hand" : "");
		print_side(w, f);
	}
	if (c->g[1].goid) {
		fprintf(f,
			"  goroutine %" PRIu64 ", the map's last other writer seen by the write "
			"probes (%" PRIu64 " probed writes earlier):\n",
			c->g[1].goid, c->writes_before);
		print_side(&c->g[1], f);
	} else if (c->writer < 0 && !c->nth) {
		fprintf(f, "  no other writer of this map seen\n");
	}
	if (c->writer < 0 && c->nth) {
		fprintf(f, "  no other thread was inside a map write when the runtime stopped them "
			   "(the other writer had left it); each thread was in:\n");
		for (size_t k = 0; k < c->nth; k++) {
			fprintf(f, "  goroutine %" PRIu64 " (thread %u):\n", c->th[k].goid,
				c->th[k].tid);
			print_side(&c->th[k], f);
		}
	}
	if (c->fatal && c->nth)
		fprintf(f,
			"  (%zu other threads read %.2f ms after the fatal, each by a probe run of "
			"at most %.1f us plus its trap; reported %.1f ms after)\n",
			c->nth, after_fatal_ms(c, c->last_ns), (double)c->run_ns_max / 1e3,
			after_fatal_ms(c, c->sealed_ns));
	fflush(f);
}

/* The writer's own frame: the first outside the runtime, else the first. */
static const char *writer_frame(const struct side *g)
{
	for (size_t k = 0; k < g->n; k++)
		if (strncmp(g->frames[k], "runtime.", 8) &&
		    strncmp(g->frames[k], "internal/runtime/", 17))
			return g->frames[k];
	return g->n ? g->frames[0] : "?";
}

/* The other writer: found inside a map write at the death, else the probes' last one. */
static const struct side *other_side(const struct cwrite *c)
{
	if (c->writer >= 0)
		return &c->th[c->writer];
	return c->g[1].goid ? &c->g[1] : NULL;
}

void cwrite__site(const struct cwrite_log *l, size_t i, char *func, size_t n, const char **type)
{
	const struct cwrite *c = &l->ev[i];
	const char *f = writer_frame(&c->g[0]);

	snprintf(func, n, "%.*s", (int)strcspn(f, " "), f);
	*type = c->type;
}

uint64_t cwrite__writers(const struct cwrite_log *l, size_t i, const char **a, const char **b)
{
	const struct cwrite *c = &l->ev[i];
	const struct side *o = other_side(c);

	*a = writer_frame(&c->g[0]);
	*b = o ? writer_frame(o) : NULL;
	return c->map;
}

void cwrite__line(const struct cwrite_log *l, size_t i, char *buf, size_t n)
{
	const struct cwrite *c = &l->ev[i];
	const struct side *o = other_side(c);
	int w;

	if (c->map)
		w = snprintf(buf, n, "0x%-12" PRIx64 " goroutine %" PRIu64 " %s", c->map,
			     c->g[0].goid, writer_frame(&c->g[0]));
	else
		w = snprintf(buf, n, "%-14s goroutine %" PRIu64 " %s", "map unknown", c->g[0].goid,
			     writer_frame(&c->g[0]));
	if (w < 0 || (size_t)w >= n)
		return;
	if (o)
		w += snprintf(buf + w, n - (size_t)w, "  and goroutine %" PRIu64 " %s", o->goid,
			      writer_frame(o));
	else
		w += snprintf(buf + w, n - (size_t)w, "  (no other writer seen)");
	if (c->fatal && w >= 0 && (size_t)w < n)
		snprintf(buf + w, n - (size_t)w, "  [the runtime is killing the program]");
}

static void json_side(struct json *j, const struct side *g, const char *role, bool thread)
{
	json__obj_begin(j);
	json__key(j, "goid");
	json__uint(j, g->goid);
	json__key(j, "role");
	json__str(j, role);
	if (thread) {
		if (g->tid) {
			json__key(j, "tid");
			json__uint(j, g->tid);
		}
		json__key(j, "caught");
		json__bool(j, g->caught);
		json__key(j, "in_map_write");
		json__bool(j, g->in_write);
		json__key(j, "holds_map");
		json__bool(j, g->holds_map);
	}
	json__key(j, "stack");
	json__arr_begin(j);
	for (size_t k = 0; k < g->n; k++)
		json__str(j, g->frames[k]);
	json__arr_end(j);
}

void cwrite__json_items(const struct cwrite_log *l, size_t from, struct json *j)
{
	for (size_t i = from; i < cwrite__count(l); i++) {
		const struct cwrite *c = &l->ev[i];

		json__obj_begin(j);
		json__key(j, "kind");
		json__str(j, "concurrent_write");
		json__key(j, "map");
		if (c->map)
			json__hex(j, c->map);
		else
			json__null(j);
		if (c->type[0]) {
			json__key(j, "type");
			json__str(j, c->type);
		}
		if (c->fatal) {
			json__key(j, "site");
			json__str(j, c->site[0] ? c->site : NULL);
		}
		json__key(j, "fatal");
		json__bool(j, c->fatal);
		if (c->msg[0]) {
			json__key(j, "message");
			json__str(j, c->msg);
		}
		/* caught (or writer), the other writer found at the death, the probes' last one */
		json__key(j, "goroutines");
		json__arr_begin(j);
		json_side(j, &c->g[0], c->fatal ? "caught" : "writer", false);
		json__obj_end(j);
		if (c->writer >= 0) {
			json_side(j, &c->th[c->writer], "other_writer", true);
			json__obj_end(j);
		}
		if (c->g[1].goid) {
			json_side(j, &c->g[1], "last_other_writer", false);
			json__key(j, "writes_before");
			json__uint(j, c->writes_before);
			json__obj_end(j);
		}
		json__arr_end(j);
		if (c->fatal) {
			json__key(j, "timing");
			json__obj_begin(j);
			json__key(j, "threads_ms");
			json__double(j, after_fatal_ms(c, c->last_ns));
			json__key(j, "report_ms");
			json__double(j, after_fatal_ms(c, c->sealed_ns));
			json__key(j, "probe_run_us_max");
			json__double(j, (double)c->run_ns_max / 1e3);
			json__obj_end(j);
			/* every other thread as the runtime stopped it */
			json__key(j, "threads");
			json__arr_begin(j);
			for (size_t k = 0; k < c->nth; k++) {
				bool w = (int)k == c->writer;

				json_side(j, &c->th[k], w ? "other_writer" : "running", true);
				json__obj_end(j);
			}
			json__arr_end(j);
		}
		json__obj_end(j);
	}
}

void cwrite__json(const struct cwrite_log *l, struct json *j)
{
	json__arr_begin(j);
	cwrite__json_items(l, 0, j);
	json__arr_end(j);
}

void cwrite__free(struct cwrite_log *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->ev[i].th);
	free(l->ev);
	free(l);
}
