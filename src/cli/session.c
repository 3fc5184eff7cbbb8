/* session: one traced target with its inventory, registry, discovery windows and write
 * counting. */
#include "cli/session.h"

#include "cli/hkduty.h"
#include "collect/hotkeys.h"
#include "collect/inventory.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "model/registry.h"
#include "model/remote.h"
#include "output/cwrite.h"
#include "shared/hotkeys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What one probe hit costs the target, for the window budget: bench/probe-cost measures 1-2 µs
 * at the chosen sites; the higher figure keeps the budget conservative. */
#define HIT_COST_NS 2000.0
#define WINDOW_GAP_NS 1000000000ull /* a discovery window opens once a second */
#define WINDOW_MIN_NS 1000000ull    /* and lasts 1 to 200 ms, sized to the budget */
#define WINDOW_MAX_NS 200000000ull
#define WINDOW_GROWTH 16.0 /* the most a window grows from one cycle to the next */
#define MAX_MISSES 3

static void on_event(const struct inv_event *e, void *ctx)
{
	registry__event(ctx, e);
}

static void on_cwrite(const struct hk_event *e, void *ctx)
{
	struct session *s = ctx;

	cwrite__add(s->cw, s->t.gb, s->bias, e);
}

static void on_wmap(uint64_t map, const struct hk_mapstat *st, void *ctx)
{
	struct session *s = ctx;

	if (s->nwm == s->capwm) {
		size_t cap = s->capwm ? s->capwm * 2 : 64;
		struct session_wmap *n = realloc(s->wm, cap * sizeof(*n));

		if (!n)
			return;
		s->wm = n;
		s->capwm = cap;
	}
	s->wm[s->nwm++] = (struct session_wmap){ map, st->writes, st->deletes };
}

static int by_addr(const void *a, const void *b)
{
	const struct session_wmap *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The kernel's per-map counts (bounded by its LRU table) and the scale, for session__writes. */
static void take_writes(struct session *s, uint64_t now_ns)
{
	hkduty__collect(s->rates);
	s->nwm = 0;
	hotkeys__maps(hkduty__hotkeys(s->rates), on_wmap, s);
	qsort(s->wm, s->nwm, sizeof(*s->wm), by_addr);
	s->write_scale = hkduty__sampling(s->rates, now_ns).sc.est;
}

static void on_growwork(uint64_t map, uint64_t count, void *ctx)
{
	registry__growwork(ctx, map, count);
}

int session__open(struct session *s, char **argv, int pid, double budget_pct,
		  double write_budget_pct)
{
	struct hkduty_cfg cfg = { .budget = write_budget_pct };
	int ret;

	memset(s, 0, sizeof(*s));
	s->launched = argv != NULL;
	s->w.budget_pct = budget_pct;
	ret = cli__target_open(argv, pid, &s->t);
	if (ret)
		return ret;
	s->have_bias = !s->t.gb->pie;
	s->reg = registry__new(s->t.gb, s->t.pid);
	if (!s->reg) {
		err__report(-ENOMEM, NULL);
		return -ENOMEM;
	}
	ret = inventory__open(s->t.gb, s->t.pid, on_event, s->reg, &s->inv);
	if (!ret && write_budget_pct > 0) {
		ret = cwrite__new(&s->cw);
		if (!ret)
			ret = hkduty__open(s->t.gb, s->t.pid, &cfg, &s->rates);
	}
	if (ret)
		err__report(ret, NULL);
	return ret;
}

void session__release(struct session *s)
{
	s->start_ns = cli__now_ns(CLOCK_MONOTONIC);
	s->w.next_ns = s->start_ns;
	if (s->rates)
		hkduty__start(s->rates, s->start_ns);
	if (s->launched)
		launch__release(&s->t.l);
}

/* An exec counts as an end too: the traced maps are gone with the old program's memory. */
static bool alive(struct session *s)
{
	if (!s->exited && cli__target_check(&s->t, &s->status) != CLI_RUNNING)
		s->exited = true;
	return !s->exited;
}

static void window_close(struct session_windows *w, struct inventory *inv, uint64_t now)
{
	inventory__window(inv, false);
	w->open = false;
	w->open_total_ns += now - w->open_ns;
	w->next_ns = w->open_ns + WINDOW_GAP_NS;
}

/* A window's length is steered by what the previous cycle (window open to the next open) really
 * cost: every probe hit in it, including those while the probes were being attached and
 * detached, times the cost of a hit, over the cycle's length. The next window is scaled by
 * budget / measured cost. */
static void windows_tick(struct session_windows *w, struct inventory *inv, uint64_t now)
{
	if (w->budget_pct <= 0)
		return;
	if (w->open && now >= w->close_ns) {
		window_close(w, inv, now);
	} else if (!w->open && now >= w->next_ns) {
		uint64_t hits = inventory__touch_hits(inv);

		if (w->cycle_ns) {
			double cost = (double)(hits - w->hits_at_open) * HIT_COST_NS;
			double share = cost / (double)(now - w->cycle_ns) * 100.0;
			/* Shrinking is immediate (safety); growth is fast but bounded, so that one
			 * idle cycle does not open a long window into a burst. */
			double scale = share > 0 ? w->budget_pct / share : WINDOW_GROWTH;

			scale = scale > WINDOW_GROWTH ? WINDOW_GROWTH : scale;
			w->len_ns = (uint64_t)((double)w->len_ns * scale);
			w->hits_total += hits - w->hits_at_open;
		} else {
			/* Open for budget x cycle: even a target that does nothing but map calls
			 * loses at most that share of its time. */
			w->len_ns = (uint64_t)(w->budget_pct / 100.0 * (double)WINDOW_GAP_NS);
		}
		w->len_ns = w->len_ns < WINDOW_MIN_NS ? WINDOW_MIN_NS
			    : w->len_ns > WINDOW_MAX_NS ? WINDOW_MAX_NS : w->len_ns;
		w->cycle_ns = now;
		w->hits_at_open = hits;
		if (inventory__window(inv, true) == 0) {
			/* Attaching can take milliseconds: the window counts from when it is live. */
			now = cli__now_ns(CLOCK_MONOTONIC);
			w->open = true;
			w->open_ns = now;
			w->close_ns = now + w->len_ns;
		} else {
			w->next_ns = now + WINDOW_GAP_NS * 10;
		}
	}
}

bool session__step(struct session *s, uint64_t now_ns)
{
	bool up = alive(s);

	if (!s->have_bias && up &&
	    remote__load_bias(s->t.pid, s->t.gb->path, s->t.gb->pie, s->t.gb->first_vaddr,
			      &s->bias) == 0) {
		s->have_bias = true;
		registry__set_bias(s->reg, s->bias);
	}
	inventory__poll(s->inv, 0);
	if (up)
		windows_tick(&s->w, s->inv, now_ns);
	if (s->rates) {
		hotkeys__events(hkduty__hotkeys(s->rates), on_cwrite, s);
		/* A failed attach leaves the window closed: the counts scale by what was seen. */
		if (up)
			hkduty__tick(s->rates, now_ns, &s->rates_next_ns);
	}
	return up;
}

void session__poll(struct session *s, int timeout_ms)
{
	uint64_t now, due;

	if (s->w.open && timeout_ms > 1)
		timeout_ms = 1;
	if (s->rates && timeout_ms > 0) {
		now = cli__now_ns(CLOCK_MONOTONIC);
		due = s->rates_next_ns > now ? s->rates_next_ns - now : 0;
		if (due < 1000000ull) {
			/* Windows last from 200 µs: sleep to the tick, then only drain. */
			struct timespec ts = { 0, (long)due };

			nanosleep(&ts, NULL);
			timeout_ms = 0;
		} else if (due < (uint64_t)timeout_ms * 1000000ull) {
			timeout_ms = (int)(due / 1000000ull);
		}
	}
	inventory__poll(s->inv, timeout_ms);
}

void session__refresh(struct session *s, uint64_t now_ns, bool report)
{
	/* Reading (and then reporting) 100,000 maps takes seconds: a window left open meanwhile
	 * cost the target many times its budget (14 % at a 1 % budget). The window runs to its
	 * planned end first (at most WINDOW_MAX_NS), events drained meanwhile. */
	while (s->w.open) {
		uint64_t t = cli__now_ns(CLOCK_MONOTONIC);

		if (t >= s->w.close_ns || cli__stop) {
			window_close(&s->w, s->inv, t);
			break;
		}
		inventory__poll(s->inv, 1);
	}
	if (report && s->t.gb->maps == GO_LAYOUT_CLASSIC) {
		uint64_t total = s->w.open_total_ns + (s->w.open ? now_ns - s->w.open_ns : 0);

		registry__growwork_begin(s->reg, (double)(total - s->w.mark_ns) / 1e9);
		s->w.mark_ns = total;
		inventory__growwork(s->inv, on_growwork, s->reg);
	}
	if (s->rates && report)
		take_writes(s, now_ns);
	registry__refresh(s->reg, MAX_MISSES);
}

void session__finish(struct session *s)
{
	inventory__poll(s->inv, 0);
	if (s->w.open)
		inventory__window(s->inv, false);
	s->w.open = false;
	if (s->rates) {
		hkduty__finish(s->rates);
		hotkeys__events(hkduty__hotkeys(s->rates), on_cwrite, s);
		take_writes(s, cli__now_ns(CLOCK_MONOTONIC));
	}
	alive(s);
}

double session__overhead_pct(struct session *s, uint64_t now_ns)
{
	double pct = 100.0 * (double)s->w.hits_total * HIT_COST_NS / (double)(now_ns - s->start_ns + 1);

	return pct + (s->rates ? hkduty__sampling(s->rates, now_ns).overhead_pct : 0);
}

uint64_t session__dropped(const struct session *s)
{
	return inventory__dropped(s->inv);
}

void session__writes(void *ctx, uint64_t map, uint64_t *writes, uint64_t *deletes)
{
	const struct session *s = ctx;
	const struct session_wmap key = { .addr = map };
	const struct session_wmap *m = s->nwm ? bsearch(&key, s->wm, s->nwm, sizeof(key), by_addr)
					      : NULL;

	*writes = m ? hkduty__scaled(m->writes, s->write_scale) : 0;
	*deletes = m ? hkduty__scaled(m->deletes, s->write_scale) : 0;
}

void session__close(struct session *s)
{
	hkduty__free(s->rates);
	s->rates = NULL;
	cwrite__free(s->cw);
	s->cw = NULL;
	free(s->wm);
	s->wm = NULL;
	s->nwm = s->capwm = 0;
	inventory__free(s->inv);
	s->inv = NULL;
	registry__free(s->reg);
	s->reg = NULL;
	cli__target_close(&s->t);
}
