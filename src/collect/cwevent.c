#include "collect/cwevent.h"

#include "inspect/gobin.h"
#include "model/cwlog.h"
#include "model/gotype.h"
#include "model/registry.h"
#include "model/symbolize.h"
#include "shared/hotkeys.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

_Static_assert(CWLOG_FRAMES >= HK_STACK + 1,
	       "a thread's PCs: its interrupted PC, a caller, the chain");
_Static_assert(CWLOG_MSG == HK_MSG, "the runtime's message as the probe copied it");

static void side_fill(struct cwrite_side *s, const struct gobin *gb, uint64_t bias, uint64_t goid,
		      const unsigned long long *pcs, size_t n)
{
	s->goid = goid;
	s->n = 0;
	for (size_t i = 0; i < n && i < HK_STACK + 1; i++) {
		struct frame fr = {0};
		char fl[96];

		if (!pcs[i])
			break;
		/* stack[0] is the probed PC itself; the rest are return addresses. */
		if (symbolize__pc(gb, bias, pcs[i], i > 0, &fr) == 0 && fr.func)
			snprintf(s->frames[s->n], CWLOG_FRAME_TEXT, "%s %s", fr.func,
				 symbolize__file_line(&fr, fl, sizeof(fl)));
		else
			snprintf(s->frames[s->n], CWLOG_FRAME_TEXT, "0x%" PRIx64, (uint64_t)pcs[i]);
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

/* A second fatal while one is open: the other writer found the flag in turn and is dying on
 * its own thread too. It joins the first as its other writer, caught in its write. */
static int second_fatal(struct cwrite *c, const struct gobin *gb, uint64_t bias,
			const struct hk_event *e)
{
	struct cwrite_side *s = cwlog__thread(c);

	if (!s)
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
			 symbolize__file_line(&f, fl, sizeof(fl)), registry__origin_note(m));
	else if (m->held_by)
		snprintf(c->site, sizeof(c->site), "%s", m->held_by);
	if (!c->type[0] && m->ti)
		snprintf(c->type, sizeof(c->type), "%s", m->ti->name);
}

static int add(struct cwrite_log *l, const struct gobin *gb, uint64_t bias,
	       const struct hk_event *e, struct registry *r)
{
	struct cwrite *c;
	size_t i;

	c = e->fatal ? cwlog__held(l, &i) : NULL;
	if (c)
		return second_fatal(c, gb, bias, e) ? -ENOMEM : (int)i;
	c = cwlog__append(l, &i);
	if (!c)
		return -ENOMEM;
	c->map = e->map;
	c->fatal = e->fatal != 0;
	c->writes_before = e->goid[1] && e->stamp > e->other_stamp ? e->stamp - e->other_stamp : 0;
	memcpy(c->msg, e->msg, sizeof(c->msg));
	c->msg[CWLOG_MSG - 1] = 0;
	side_fill(&c->g[0], gb, bias, e->goid[0], e->stack[0], e->nframes[0]);
	if (e->goid[1])
		side_fill(&c->g[1], gb, bias, e->goid[1], e->stack[1], e->nframes[1]);
	if (c->fatal) {
		fatal_map(c, gb, bias, e);
		map_site(c, gb, bias, r);
		c->ns = e->ns;
		cwlog__hold(l, i);
	}
	return (int)i;
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

static int thread(struct cwrite_log *l, const struct gobin *gb, uint64_t bias,
		  const struct hk_thread *t)
{
	unsigned long long pcs[HK_STACK + 1];
	struct cwrite *c;
	struct cwrite_side *s;
	size_t n, i;

	c = cwlog__held(l, &i);
	if (!c)
		return 0;
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
	} else if (!(s = cwlog__thread(c))) {
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

int cwevent__apply(struct cwrite_log *l, const struct gobin *gb, uint64_t bias, struct registry *r,
		   const struct hk_event *e, const struct hk_thread *t)
{
	return e ? add(l, gb, bias, e, r) : thread(l, gb, bias, t) ? -ENOMEM : -1;
}
