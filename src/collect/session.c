/* session: one traced target with its inventory, registry, discovery windows and call
 * counting. */
#include "collect/session.h"

#include "collect/cwevent.h"
#include "collect/hkduty.h"
#include "collect/hotkeys.h"
#include "collect/inventory.h"
#include "core/clock.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "model/cwlog.h"
#include "model/procwatch.h"
#include "model/registry.h"
#include "model/remote.h"
#include "model/taskclock.h"
#include "shared/hotkeys.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WINDOW_GAP_NS 1000000000ull /* a discovery window opens once a second */
#define WINDOW_MIN_NS 1000000ull    /* and lasts 1 to 200 ms, sized to the budget */
#define WINDOW_MAX_NS 200000000ull
#define WINDOW_GROWTH 16.0 /* the most a window grows from one cycle to the next */
#define MAX_MISSES 3
/* A due window waits at most a cycle for the target to run (one that works steadily but lightly
 * never looks like a run), and opens at most this far into a run; meanwhile the target's CPU
 * clock is read every WINDOW_POLL_MS. */
#define WINDOW_WAIT_NS WINDOW_GAP_NS
#define WINDOW_DELAY_MAX_NS 500000000ull
#define WINDOW_POLL_MS 2
/* Heap scans: at attach, then at most every minute and at most 1 % of the time (a launched
 * program's creations are probed from the start: its first scan waits the minute). */
#define SCAN_GAP_NS 60000000000ull
#define SCAN_TIME_RATIO 100

static void on_event(const struct inv_event *e, void *ctx)
{
	inventory__apply(e, ctx);
}

static void on_cwrite(const struct hk_event *e, const struct hk_thread *t, void *ctx)
{
	struct session *s = ctx;

	cwevent__apply(s->cw, s->t.gb, s->bias, s->reg, e, t);
}

static void on_count(uint64_t map, const struct hk_mapstat *st, void *ctx)
{
	struct session_counter *c = ctx;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct session_mapcount *n = realloc(c->m, cap * sizeof(*n));

		if (!n)
			return;
		c->m = n;
		c->cap = cap;
	}
	c->m[c->n++] = (struct session_mapcount){ map, st->writes, st->deletes };
}

static int by_addr(const void *a, const void *b)
{
	const struct session_mapcount *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The kernel's per-map counts (bounded by its LRU table) and the scale, for publish_calls. */
static void take_counts(struct session *s, uint64_t now_ns)
{
	struct hkduty_sampling sm;

	for (int i = 0; i < SESSION_NCOUNTERS; i++) {
		struct session_counter *c = &s->cnt[i];
		/* Settled with something counted stays settled: the totals it let stand must not
		 * fall if the windows' cost ratio later wavers (hkduty_sampling). */
		bool kept = c->settled && c->n;

		if (!c->d)
			continue;
		hkduty__collect(c->d);
		c->n = 0;
		hotkeys__maps(hkduty__hotkeys(c->d), on_count, c);
		if (c->n)
			qsort(c->m, c->n, sizeof(*c->m), by_addr);
		sm = hkduty__sampling(c->d, now_ns);
		c->sc = sm.sc;
		c->settled = kept || sm.settled;
	}
}

static const struct session_mapcount *count_of(const struct session_counter *c, uint64_t map)
{
	const struct session_mapcount key = { .addr = map };

	return c->n ? bsearch(&key, c->m, c->n, sizeof(key), by_addr) : NULL;
}

/* Every map's calls over the run, scaled from the kernel's counts as of the last take_counts,
 * into the registry (model/registry.h: a settled total never falls). */
static void publish_calls(struct session *s)
{
	const struct session_counter *w = &s->cnt[SESSION_WRITES], *r = &s->cnt[SESSION_READS];

	if (!w->d)
		return;
	for (size_t i = 0; i < registry__count(s->reg); i++) {
		struct reg_map *m = registry__at(s->reg, i);
		const struct session_mapcount *mw = count_of(w, m->addr), *mr = count_of(r, m->addr);
		struct reg_calls c = { 0 };

		c.writes = mw ? hkduty__scaled(mw->calls, w->sc.est) : 0;
		c.deletes = mw ? hkduty__scaled(mw->deletes, w->sc.est) : 0;
		c.reads = mr ? hkduty__scaled(mr->calls, r->sc.est) : 0;
		hkscale__range(mw ? mw->calls : 0, 0, &w->sc, &c.writes_low, &c.writes_high);
		hkscale__range(mr ? mr->calls : 0, 0, &r->sc, &c.reads_low, &c.reads_high);
		registry__set_calls(m, &c, w->settled, r->settled);
	}
}

static void on_growwork(uint64_t map, uint64_t count, void *ctx)
{
	registry__growwork(ctx, map, count);
}

int session__open(struct session *s, char **argv, int pid, double budget_pct,
		  double count_budget_pct)
{
	/* Writes and reads share the budget; at 100 both count every call. */
	struct hkduty_cfg cfg = { .budget = count_budget_pct >= 100 ? 100 : count_budget_pct / 2 };
	int ret;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SESSION_NCOUNTERS; i++)
		s->cnt[i].sc = (struct hkscale){ 1, 1, 1 };
	s->launched = argv != NULL;
	s->w.budget_pct = budget_pct;
	ret = target__open(argv, pid, &s->t);
	if (ret)
		return ret;
	s->have_bias = !s->t.gb->pie;
	s->reg = registry__new(s->t.gb, s->t.pid);
	if (!s->reg) {
		err__report(-ENOMEM, NULL);
		return -ENOMEM;
	}
	ret = inventory__open(s->t.gb, s->t.pid, on_event, s->reg, &s->inv);
	if (!ret && count_budget_pct > 0) {
		ret = cwlog__new(&s->cw);
		if (!ret)
			ret = hkduty__open(s->t.gb, s->t.pid, &cfg, &s->cnt[SESSION_WRITES].d);
		cfg.reads = true;
		if (!ret)
			ret = hkduty__open(s->t.gb, s->t.pid, &cfg, &s->cnt[SESSION_READS].d);
	}
	return ret ? target__attach_failed(&s->t, ret) : 0;
}

/* One line on the terminal, rewritten in place, while the scan at attach runs over a second. */
static void scan_progress(void *ctx, double fraction, uint64_t maps, bool done)
{
	struct session *s = ctx;

	if (done)
		fprintf(stderr, "\r\033[K");
	else
		fprintf(stderr,
			"\rmapscope: finding the maps in process %d's heap: %3.0f%% (%" PRIu64
			" maps so far)\033[K",
			s->t.pid, fraction * 100, maps);
	fflush(stderr);
}

/* Finds the maps made before mapscope came, and any no probe saw since. A binary whose heap
 * cannot be scanned is not tried again; a failed read is, at the next turn. */
static void heap_scan(struct session *s, uint64_t now_ns, heapscan_progress_fn progress)
{
	struct heapscan_stats st;
	uint64_t gap;
	int ret = registry__scan(s->reg, &st, progress, s);

	if (ret == -ENOTSUP || ret == -ENOMEM) {
		s->scan_next_ns = UINT64_MAX;
		return;
	}
	gap = (uint64_t)(st.seconds * SCAN_TIME_RATIO * 1e9);
	s->scan_next_ns = now_ns + (gap > SCAN_GAP_NS ? gap : SCAN_GAP_NS);
}

static void learn_bias(struct session *s)
{
	if (!s->have_bias && remote__load_bias(s->t.pid, s->t.gb->path, s->t.gb->pie,
					       s->t.gb->first_vaddr, &s->bias) == 0) {
		s->have_bias = true;
		registry__set_bias(s->reg, s->bias);
	}
}

void session__release(struct session *s)
{
	/* The maps made before an attach are found first, before the first report, with progress
	 * on a terminal (a heap of gigabytes takes seconds); a launched program's first scan
	 * waits SCAN_GAP_NS, for maps no probe saw. */
	s->scan_next_ns = s->launched ? clock__ns(CLOCK_MONOTONIC) + SCAN_GAP_NS : 0;
	if (!s->launched) {
		learn_bias(s);
		if (s->have_bias)
			heap_scan(s, clock__ns(CLOCK_MONOTONIC),
				  isatty(STDERR_FILENO) ? scan_progress : NULL);
	}
	s->start_ns = clock__ns(CLOCK_MONOTONIC);
	s->w.next_ns = s->start_ns;
	s->w.pid = s->t.pid;
	burst__init(&s->w.burst, WINDOW_WAIT_NS, WINDOW_DELAY_MAX_NS,
		    s->start_ns ^ (uint64_t)s->t.pid << 32);
	/* Reads' windows half a cycle after writes': attaching one set while the other's window
	 * is open would lengthen that window by the attach. */
	for (int i = 0; i < SESSION_NCOUNTERS; i++)
		if (s->cnt[i].d)
			hkduty__start(s->cnt[i].d, s->start_ns, i * 250000000ull);
	if (s->launched) {
		/* Its last values are read as it exits (release_exit), not up to an interval old. */
		inventory__hold_exit(s->inv, true);
		launch__release(&s->t.l);
	}
}

/* An exec counts as an end too: the traced maps are gone with the old program's memory. A check
 * reads /proc (a stat and a kill, or waitpid): made on every step, about 300 a second while a
 * window is due, it was 8 % of mapscope's CPU, so steps check every ALIVE_EVERY_NS (now_ns 0:
 * at once). A target gone meanwhile fails a read or an attach, which is handled as before. */
#define ALIVE_EVERY_NS 50000000ull

static bool alive(struct session *s, uint64_t now_ns)
{
	if (s->exited || (now_ns && now_ns - s->alive_ns < ALIVE_EVERY_NS))
		return !s->exited;
	s->alive_ns = now_ns;
	if (target__check(&s->t, &s->status) != TARGET_RUNNING)
		s->exited = true;
	return !s->exited;
}

static void window_close(struct session_windows *w, struct inventory *inv, uint64_t now)
{
	inventory__window(inv, false);
	w->open = false;
	w->open_total_ns += now - w->open_ns;
	if (w->parts_left) {
		w->resume_ns = now + w->part_gap_ns;
		w->part_cpu_ns = taskclock__process_ns(w->pid);
		w->part_at_ns = now;
	}
}

/* A window whole, opened at one point of a run, probes the one map the run works on there (its
 * calls are trap-bound while probed: a 10 ms window is 1,600 calls of a run's 700,000): on
 * burstmaps one of its three busy maps was touched in 6 s. Cut into parts at points spread over
 * the run, it meets the maps worked on through it. A part is at least SWEEP_PART_MIN_NS (about
 * 80 hits on a 6 µs-trap host: one touches a map), and parts at least SWEEP_GAP_MIN_NS of the
 * run apart (the CPU clock is polled every WINDOW_POLL_MS). */
#define SWEEP_PARTS 4
#define SWEEP_PART_MIN_NS 500000ull
#define SWEEP_GAP_MIN_NS 2000000ull
/* How long parts left wait for a run that has not come: a first part placed by the rhythm
 * (core/burst.h) may open up to BURST_JITTER of a period early, and runs probed in part come
 * later than their rhythm said (seen 25 ms and more on a 1 s period). */
#define SWEEP_WAIT_NS 100000000ull

static unsigned int sweep_parts(const struct session_windows *w)
{
	const struct burst *b = &w->burst;
	uint64_t n = SWEEP_PARTS;

	if (!b->active_ns || b->endless)
		return 1;
	if (n > w->len_ns / SWEEP_PART_MIN_NS)
		n = w->len_ns / SWEEP_PART_MIN_NS;
	if (n > b->active_ns / SWEEP_GAP_MIN_NS)
		n = b->active_ns / SWEEP_GAP_MIN_NS;
	return n ? (unsigned int)n : 1;
}

/* The next part of a window: once its gap has passed, at a poll that finds the target running
 * (a quarter of a CPU since the last); a part opened just before a run (placed by its rhythm)
 * waits for it, and the parts left go when the run should be over. */
static void part_tick(struct session_windows *w, struct inventory *inv, uint64_t now)
{
	uint64_t cpu;
	bool ran;

	if (w->open || !w->parts_left || now < w->resume_ns)
		return;
	cpu = taskclock__process_ns(w->pid);
	ran = cpu && (cpu - w->part_cpu_ns) * BURST_BUSY_DIV >= now - w->part_at_ns;
	/* A part that cannot attach is passed over like one the target did not run for; its
	 * error is no later failure's cause. */
	if (ran && inventory__window(inv, true) != 0) {
		err__clear();
		ran = false;
	}
	if (!ran) {
		w->part_cpu_ns = cpu;
		w->part_at_ns = now;
		if (!cpu || now >= w->parts_end_ns)
			w->parts_left = 0;
		return;
	}
	w->parts_left--;
	w->open = true;
	w->open_cpu_ns = cpu;
	w->open_ns = clock__ns(CLOCK_MONOTONIC);
	w->close_ns = w->open_ns + w->part_len_ns;
}

/* Whether a window should open now: it is due, and the target runs (core/burst.h). A clock
 * that cannot be read leaves the window on its schedule. */
static bool window_wanted(struct session_windows *w, uint64_t now)
{
	uint64_t cpu;

	if (w->budget_pct <= 0 || w->open || w->parts_left || now < w->next_ns)
		return false;
	cpu = taskclock__process_ns(w->pid);
	w->burst.parts = sweep_parts(w);
	w->burst.win_ns = w->len_ns / w->burst.parts;
	return !cpu || burst__sample(&w->burst, now, cpu, w->next_ns);
}

/* A window (or part) is timed in the program's running: one opened just before a run (placed by
 * its rhythm, to catch the maps worked on first: burstmaps' 100,000 reads take its run's first
 * 1-2 ms) stays open until the program has run for half of it, or SWEEP_WAIT_NS. Idle, it costs
 * nothing. */
static bool window_extend(struct session_windows *w, uint64_t now)
{
	uint64_t len = w->part_len_ns;
	uint64_t cpu = taskclock__process_ns(w->pid), ran = cpu - w->open_cpu_ns;

	if (!cpu || ran >= len / 2 || now >= w->open_ns + SWEEP_WAIT_NS)
		return false;
	w->close_ns = now + (len - ran);
	return true;
}

/* A window's length is steered by what the previous cycle (window open to the next open) really
 * cost: every probe hit in it, including those while the probes were being attached and
 * detached, times the cost of a hit, over the cycle's length. The next window is scaled by
 * budget / measured cost. */
static void windows_tick(struct session_windows *w, struct inventory *inv, uint64_t now,
			 bool open)
{
	if (w->budget_pct <= 0)
		return;
	if (w->open && now >= w->close_ns) {
		if (!window_extend(w, now))
			window_close(w, inv, now);
	} else if (!open) {
		part_tick(w, inv, now);
	} else {
		uint64_t hits = inventory__touch_hits(inv);
		unsigned int parts = w->burst.parts; /* as the burst placed it */
		uint64_t gap = parts > 1 ? w->burst.active_ns / parts : 0;

		burst__opened(&w->burst);
		if (w->cycle_ns) {
			double cost = (double)(hits - w->hits_at_open) * inventory__hit_ns(inv);
			double share = cost / (double)(now - w->cycle_ns) * 100.0;
			/* Shrinking is immediate (safety); growth is fast but bounded, and a window
			 * that saw no call keeps its length: it may have missed a burst
			 * (core/burst.h), and a longer one would then land in the next. */
			double scale = share > 0 ? w->budget_pct / share : 1.0;

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
			now = clock__ns(CLOCK_MONOTONIC);
			w->open = true;
			w->open_ns = now;
			w->open_cpu_ns = taskclock__process_ns(w->pid);
			w->next_ns = now + WINDOW_GAP_NS;
			w->parts_left = parts - 1;
			w->part_len_ns = w->len_ns / parts;
			w->part_gap_ns = gap;
			w->parts_end_ns = now + (parts > 1 ? gap * parts + SWEEP_WAIT_NS : 0);
			w->close_ns = now + w->part_len_ns;
		} else {
			/* Tried again ten cycles on; meanwhile its error is no later failure's
			 * cause. */
			err__clear();
			w->next_ns = now + WINDOW_GAP_NS * 10;
		}
	}
}

/* Whether counting windows must wait: a discovery window is open, has parts left, or is due and
 * waiting for a bursty program's next run, which a counting window would take (its detach alone
 * blocks mapscope for 20 ms, a whole burst, seen on burstmaps: the discovery window then opened
 * after the run). A program never seen in runs (steady, light or idle) does not hold them up. */
static bool discovery_busy(const struct session_windows *w, uint64_t now)
{
	const struct burst *b = &w->burst;

	return w->open || w->parts_left ||
	       (w->budget_pct > 0 && now >= w->next_ns && b->active_ns && !b->endless);
}

/* A launched program stopped at runtime.exit (inventory__hold_exit): every map is read once
 * more, then it goes on to exit. The stop is pending when the event is seen; it is waited for
 * (at most EXIT_STOP_WAIT_MS) so that no thread still writes while the maps are read. */
#define EXIT_STOP_WAIT_MS 100

static void refresh(struct session *s, uint64_t now_ns, bool report, bool at_exit);

static void release_exit(struct session *s, uint64_t now_ns)
{
	for (int i = 0; i < EXIT_STOP_WAIT_MS && procwatch__state(s->t.pid) != 'T'; i++) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	refresh(s, now_ns, false, true);
	kill(s->t.pid, SIGCONT);
}

bool session__step(struct session *s, uint64_t now_ns)
{
	bool up = alive(s, now_ns), open;

	if (up)
		learn_bias(s);
	inventory__poll(s->inv, 0);
	if (inventory__exit_held(s->inv))
		release_exit(s, now_ns);
	if (up && s->have_bias && !s->w.open && !s->w.parts_left && now_ns >= s->scan_next_ns)
		heap_scan(s, now_ns, NULL);
	/* The two kinds of window never overlap: a write probed by both costs twice what the
	 * counting windows assume, which would skew the scale of their counts (tenfold in a
	 * write-bound program). A discovery window about to open closes the counting ones; counting
	 * windows wait while it is due, open or has parts left (discovery_busy). */
	open = up && window_wanted(&s->w, now_ns);
	if (open)
		for (int i = 0; i < SESSION_NCOUNTERS; i++)
			if (s->cnt[i].d)
				hkduty__close(s->cnt[i].d);
	if (up)
		windows_tick(&s->w, s->inv, now_ns, open);
	if (s->cnt[SESSION_WRITES].d)
		hotkeys__events(hkduty__hotkeys(s->cnt[SESSION_WRITES].d), on_cwrite, s);
	/* A failed attach leaves the window closed: the counts scale by what was seen, and its
	 * error is no later failure's cause. */
	for (int i = 0; up && !discovery_busy(&s->w, now_ns) && i < SESSION_NCOUNTERS; i++)
		if (s->cnt[i].d && hkduty__tick(s->cnt[i].d, now_ns, &s->cnt[i].next_ns))
			err__clear();
	return up;
}

void session__poll(struct session *s, int timeout_ms)
{
	uint64_t now, due, next = UINT64_MAX;
	bool busy;

	if (s->w.open && timeout_ms > 1)
		timeout_ms = 1;
	if (!s->w.open && s->w.parts_left && timeout_ms > WINDOW_POLL_MS)
		timeout_ms = WINDOW_POLL_MS;
	/* A due window watches for the target to run. */
	if (!s->w.open && s->w.budget_pct > 0 && timeout_ms > WINDOW_POLL_MS &&
	    clock__ns(CLOCK_MONOTONIC) >= s->w.next_ns)
		timeout_ms = WINDOW_POLL_MS;
	/* Counting windows wait while a discovery window is open (session__step). */
	busy = discovery_busy(&s->w, clock__ns(CLOCK_MONOTONIC));
	for (int i = 0; !busy && i < SESSION_NCOUNTERS; i++)
		if (s->cnt[i].d && s->cnt[i].next_ns < next)
			next = s->cnt[i].next_ns;
	if (next != UINT64_MAX && timeout_ms > 0) {
		now = clock__ns(CLOCK_MONOTONIC);
		due = next > now ? next - now : 0;
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
	refresh(s, now_ns, report, false);
}

/* at_exit: the launched program is stopped at runtime.exit (release_exit). */
static void refresh(struct session *s, uint64_t now_ns, bool report, bool at_exit)
{
	/* Reading (and then reporting) 100,000 maps takes seconds: a window left open meanwhile
	 * cost the target many times its budget (14 % at a 1 % budget). The window runs to its
	 * planned end first (at most WINDOW_MAX_NS), events drained meanwhile. */
	while (s->w.open) {
		uint64_t t = clock__ns(CLOCK_MONOTONIC);

		if (t >= s->w.close_ns || (s->stop && *s->stop)) {
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
	/* A counting window left open while the maps are read would cost the target far more
	 * than planned: it closes now, and the next cycle opens another. */
	for (int i = 0; i < SESSION_NCOUNTERS; i++)
		if (s->cnt[i].d)
			hkduty__close(s->cnt[i].d);
	if (report)
		take_counts(s, now_ns);
	/* A header address the program freed and reused for a new map reads as the new map, so
	 * the new map's creation event must be applied by the time its values are shown: it is
	 * sent as makemap returns, before the map is filled, so every event for what a read saw
	 * is in the ring by the read's end. Drained before the reads (most reuses) and after them
	 * (a map made meanwhile: its entry starts over, unread, instead of showing the old map's
	 * type with the new map's len, seen under 2,000 maps made a second). */
	inventory__poll(s->inv, 0);
	registry__refresh(s->reg, MAX_MISSES, at_exit);
	inventory__poll(s->inv, 0);
	/* After the reads: a map they added (or started over) gets its counts too. */
	if (report || s->finished)
		publish_calls(s);
}

void session__finish(struct session *s)
{
	inventory__poll(s->inv, 0);
	if (s->w.open)
		inventory__window(s->inv, false);
	s->w.open = false;
	s->w.parts_left = 0;
	for (int i = 0; i < SESSION_NCOUNTERS; i++)
		if (s->cnt[i].d)
			hkduty__close(s->cnt[i].d);
	if (s->cnt[SESSION_WRITES].d)
		hotkeys__events(hkduty__hotkeys(s->cnt[SESSION_WRITES].d), on_cwrite, s);
	cwlog__seal(s->cw);
	take_counts(s, clock__ns(CLOCK_MONOTONIC));
	s->finished = true;
	publish_calls(s);
	alive(s, 0);
}

double session__overhead_pct(struct session *s, uint64_t now_ns)
{
	double pct = 100.0 * (double)s->w.hits_total * inventory__hit_ns(s->inv) /
		     (double)(now_ns - s->start_ns + 1);

	for (int i = 0; i < SESSION_NCOUNTERS; i++)
		if (s->cnt[i].d)
			pct += hkduty__sampling(s->cnt[i].d, now_ns).overhead_pct;
	return pct;
}

uint64_t session__dropped(const struct session *s)
{
	return inventory__dropped(s->inv);
}

bool session__counting(const struct session *s)
{
	return s->cnt[SESSION_WRITES].d != NULL;
}

bool session__counts_settled(const struct session *s)
{
	const struct session_counter *r = &s->cnt[SESSION_READS];

	return s->cnt[SESSION_WRITES].settled && (!r->d || r->settled || !r->n);
}

void session__close(struct session *s)
{
	/* Never leave a launched program stopped at its exit, whatever ended the session: with
	 * the hold off, a stop no step has seen yet is released here (SIGCONT to a running child
	 * does nothing). */
	if (s->launched && s->inv) {
		inventory__hold_exit(s->inv, false);
		if (!s->exited)
			kill(s->t.pid, SIGCONT);
	}
	for (int i = 0; i < SESSION_NCOUNTERS; i++) {
		hkduty__free(s->cnt[i].d);
		free(s->cnt[i].m);
		memset(&s->cnt[i], 0, sizeof(s->cnt[i]));
	}
	cwlog__free(s->cw);
	s->cw = NULL;
	inventory__free(s->inv);
	s->inv = NULL;
	registry__free(s->reg);
	s->reg = NULL;
	target__close(&s->t);
}
