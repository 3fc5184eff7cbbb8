#include "collect/hkduty.h"

#include "core/clock.h"
#include "collect/hkfold.h"
#include "collect/calib.h"
#include "collect/hotkeys.h"
#include "core/burst.h"
#include "model/taskclock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define CYCLE_NS 500000000ull /* a window opens every 500 ms: attach tails cost ~1%/s */
#define CYCLE_MAX_NS 8000000000ull /* or less often, down to every 8 s, when the tails alone
				    * (hits while attaching and detaching) exceed the budget */
#define WINDOW_MIN_NS 200000ull
#define WINDOW_WAIT 8 /* how long a window may wait for its target to run, in window lengths */
#define WINDOW_GROWTH 4.0 /* the most a window grows from one cycle to the next */
/* A due window waits at most a cycle for the program to run (a program that works steadily but
 * lightly never looks like a run), and opens at most BURST_DELAY_MAX_NS into a run
 * (core/burst.h); meanwhile its CPU clock is read every BURST_POLL_NS. */
#define BURST_WAIT_NS CYCLE_NS
#define BURST_DELAY_MAX_NS 250000000ull
#define BURST_POLL_NS 2000000ull

struct hkduty {
	struct hotkeys *hk;
	struct hkfold *fold;
	struct taskclock *tc; /* NULL: the process CPU clock instead */
	int pid;
	double budget;
	bool on, always;
	uint64_t start_ns, cycle_ns, next_cycle_ns, win_ns, on_mid_ns, probed_ns, hits_at_cycle;
	uint64_t close_ns; /* when the open window is due to close */
	uint64_t gap_ns; /* the cycle's length: CYCLE_NS, longer when the tails need it */
	uint64_t cpu_start_ns, cpu_on_ns, cpu_probed_ns, cpu_last_ns; /* the target's CPU time */
	uint64_t cpu_probed_at_cycle; /* cpu_probed_ns when the cycle began */
	struct burst burst;
	uint64_t windows;
	/* The program's runs and run time while armed: at an open, then summed over windows. */
	uint64_t run_ns_on, runs_on, armed_run_ns, armed_runs;
	bool stats_on; /* run_ns_on and runs_on were read */
	/* Unarmed hits inside the windows' CPU intervals (between a CPU read and the arming, and
	 * between the disarming and the CPU read): all hits at an open, then summed. */
	uint64_t hits_on, unarmed_in;
	/* An armed hit's cost and an unarmed one's: the trap measured on this host
	 * (collect/calib.h) plus the program's run as the kernel timed it. */
	double trap_ns, cost_ns, unarmed_cost_ns;
};

/* The first runs are cold (the program took 13.1 µs a run over its first 3, measured, against
 * 0.6 µs after): a mean means something only after many. */
#define PROG_MIN_RUNS 1000

/* The target's CPU time, exact with a task clock (else the process CPU clock, up to a tick
 * behind: taskclock.h); the last one read once it has exited.
 * scan: look for new threads first (tens of µs: not between a window's CPU read and its
 * arming, where every hit is one the window pays for but does not count). */
static uint64_t cpu_now(struct hkduty *d, bool scan)
{
	uint64_t v;

	if (d->tc && scan)
		taskclock__scan(d->tc);
	v = d->tc ? taskclock__read(d->tc) : taskclock__process_ns(d->pid);

	if (v > d->cpu_last_ns)
		d->cpu_last_ns = v;
	return d->cpu_last_ns;
}

int hkduty__open(const struct gobin *gb, int pid, const struct hkduty_cfg *c, struct hkduty **out)
{
	struct hkduty *d = calloc(1, sizeof(*d));
	int ret;

	*out = d;
	if (!d)
		return -ENOMEM;
	d->pid = pid;
	d->budget = c->budget;
	d->always = c->budget >= 100 || c->empty;
	/* The windows' CPU time is what scales their counts; budget 100 does not scale. */
	if (!d->always)
		taskclock__open(pid, &d->tc);
	ret = c->k ? hkfold__new(c->k, &d->fold) : 0;
	if (!ret)
		ret = hotkeys__open(gb, pid, c->only_map, c->samples, c->reads, &d->hk);
	/* Either way the probes attach now, so that a kernel that cannot attach them is reported
	 * before a launched program runs, not at the first window. */
	if (!ret) {
		d->trap_ns = hotkeys__trap_ns(d->hk);
		d->cost_ns = d->unarmed_cost_ns = d->trap_ns;
		ret = hotkeys__attach(d->hk, true);
	}
	if (ret)
		return ret;
	if (d->always) {
		/* Every call counted: the probes stay from before a launched program starts. */
		hotkeys__arm(d->hk, !c->empty);
		return 0;
	}
	return hotkeys__attach(d->hk, false);
}

void hkduty__start(struct hkduty *d, uint64_t now, uint64_t delay_ns)
{
	d->start_ns = now;
	d->next_cycle_ns = now + delay_ns;
	burst__init(&d->burst, BURST_WAIT_NS, BURST_DELAY_MAX_NS, now ^ (uint64_t)d->pid << 20);
	d->gap_ns = CYCLE_NS;
	d->cpu_start_ns = cpu_now(d, true);
}

/* Ends a window: disarmed first, so that the sampled interval ends now for every site. */
static void window_close(struct hkduty *d)
{
	uint64_t t = clock__ns(CLOCK_MONOTONIC), run_ns, runs, hits, maxcpu;

	hotkeys__arm(d->hk, false);
	if (d->stats_on && hotkeys__prog_stats(d->hk, &run_ns, &runs) == 0) {
		d->armed_run_ns += run_ns - d->run_ns_on;
		d->armed_runs += runs - d->runs_on;
		hotkeys__hits(d->hk, &hits, &maxcpu);
		if (hits - d->hits_on > runs - d->runs_on)
			d->unarmed_in += hits - d->hits_on - (runs - d->runs_on);
	}
	d->probed_ns += t - d->on_mid_ns;
	d->cpu_probed_ns += cpu_now(d, false) - d->cpu_on_ns;
	d->on = false;
	hotkeys__attach(d->hk, false);
}

/* A window is sized in the target's time, not the wall's: right after an attach the target can
 * be off its CPU for the whole of a short window (a 185 µs one saw no CPU time at all, measured),
 * and a window without hits measures nothing. One whose target ran less than half its length
 * stays open for the rest (hits cost only while the target runs), up to WINDOW_WAIT times
 * its length and never into the next cycle. */
static bool window_extend(struct hkduty *d, uint64_t now)
{
	uint64_t ran, cap = d->on_mid_ns + d->win_ns * WINDOW_WAIT;

	if (!d->tc || now >= cap || now >= d->cycle_ns + d->gap_ns / 2)
		return false;
	ran = cpu_now(d, false) - d->cpu_on_ns;
	if (ran >= d->win_ns / 2)
		return false;
	d->close_ns = now + (d->win_ns - ran);
	return true;
}

static uint64_t duty_next(const struct hkduty *d)
{
	if (d->always)
		return UINT64_MAX;
	if (d->on && d->win_ns < d->gap_ns && d->close_ns < d->next_cycle_ns)
		return d->close_ns;
	return d->next_cycle_ns;
}

/* Whether the due window should open now (core/burst.h), from the process CPU clock, which is
 * cheap to read; one that cannot be read leaves the window on its schedule. */
static bool window_wanted(struct hkduty *d, uint64_t now)
{
	uint64_t cpu = taskclock__process_ns(d->pid);
	bool open;

	d->burst.win_ns = d->win_ns;
	open = !cpu || burst__sample(&d->burst, now, cpu, d->next_cycle_ns);
	if (open)
		burst__opened(&d->burst);
	return open;
}

/* Every cycle the probes are attached for a window, whose length is steered by what the
 * previous cycle really cost: all its probe hits (those while attaching and detaching included)
 * times the cost of a hit, over the cycle's length. When even the shortest window costs more
 * than the budget, the attach and detach tails do: cycles get longer (up to CYCLE_MAX_NS), and
 * shorter again once a cycle costs under half the budget. */
int hkduty__tick(struct hkduty *d, uint64_t now, uint64_t *next)
{
	uint64_t hits, maxcpu;
	int ret;

	*next = duty_next(d);
	if (d->always)
		return 0;
	/* A due window waits for the program to run: a bursty one's windows would land in its
	 * idle time, see nothing, and scale nothing. */
	if (now >= d->next_cycle_ns && !d->on && !window_wanted(d, now)) {
		*next = now + BURST_POLL_NS;
		return 0;
	}
	if (now >= d->next_cycle_ns) {
		hotkeys__hits(d->hk, &hits, &maxcpu);
		if (d->cycle_ns) {
			double share = (double)(hits - d->hits_at_cycle) * d->cost_ns /
				       (double)(now - d->cycle_ns) * 100.0;
			/* No hits: grow only if the program ran in the window. One that slept
			 * through it (a bursty program) says nothing about its calls, and a window
			 * grown on its idle time would land whole in its next burst. */
			double scale = share > 0 ? d->budget / share
				       : d->cpu_probed_ns > d->cpu_probed_at_cycle ? WINDOW_GROWTH
										    : 1.0;

			scale = scale > WINDOW_GROWTH ? WINDOW_GROWTH : scale;
			if (share > d->budget && d->win_ns <= WINDOW_MIN_NS && d->gap_ns < CYCLE_MAX_NS)
				d->gap_ns *= 2;
			else if (share < d->budget / 2 && d->gap_ns > CYCLE_NS)
				d->gap_ns /= 2;
			d->win_ns = (uint64_t)((double)d->win_ns * scale);
			d->win_ns = d->win_ns < WINDOW_MIN_NS ? WINDOW_MIN_NS : d->win_ns;
		} else {
			d->win_ns = WINDOW_MIN_NS;
		}
		d->cycle_ns = now;
		d->cpu_probed_at_cycle = d->cpu_probed_ns;
		d->next_cycle_ns = now + d->gap_ns;
		d->hits_at_cycle = hits;
		if (!d->on) {
			ret = hotkeys__attach(d->hk, true);
			if (ret)
				return ret;
			d->on_mid_ns = clock__ns(CLOCK_MONOTONIC);
			/* From when it is live: an attach takes milliseconds, longer than most
			 * windows. */
			d->close_ns = d->on_mid_ns + d->win_ns;
			d->cpu_on_ns = cpu_now(d, true);
			hotkeys__hits(d->hk, &d->hits_on, &maxcpu);
			d->stats_on = hotkeys__prog_stats(d->hk, &d->run_ns_on, &d->runs_on) == 0;
			hotkeys__arm(d->hk, true);
			d->on = true;
			d->windows++;
		}
	}
	if (d->on && d->win_ns < d->gap_ns && now >= d->close_ns && !window_extend(d, now))
		window_close(d);
	*next = duty_next(d);
	return 0;
}

/* The cost of an armed hit: the trap plus the program's measured run time over the windows'
 * armed runs (unarmed ones, the attach and detach tails, return early: 160 ns against 650 here,
 * and they can be most runs), or over all runs at first (the first runs are cold, so this errs
 * high); the trap alone before the program ran. */
int hkduty__collect(struct hkduty *d)
{
	uint64_t run_ns, runs;
	bool stats = hotkeys__prog_stats(d->hk, &run_ns, &runs) == 0;

	if (d->armed_runs >= PROG_MIN_RUNS)
		d->cost_ns = d->trap_ns + (double)d->armed_run_ns / (double)d->armed_runs;
	else if (stats && runs)
		d->cost_ns = d->trap_ns + (double)run_ns / (double)runs;
	if (stats && runs - d->armed_runs >= PROG_MIN_RUNS)
		d->unarmed_cost_ns = d->trap_ns + (double)(run_ns - d->armed_run_ns) /
							  (double)(runs - d->armed_runs);
	return d->fold ? hkfold__collect(d->fold, d->hk) : 0;
}

void hkduty__close(struct hkduty *d)
{
	if (d->on && !d->always)
		window_close(d);
}

/* The share of the program's work that the windows saw, which scales their counts to the run:
 * see core/hkscale.h. fraction is the share of wall time probed; cpu_in and cpu_out are the
 * target's CPU time inside and outside windows (its wall time when it has no CPU clock). */
struct hkduty_sampling hkduty__sampling(struct hkduty *d, uint64_t now)
{
	struct hkduty_sampling r = { 0 };
	uint64_t maxcpu, armed, armed_maxcpu, cpu, elapsed = now > d->start_ns ? now - d->start_ns : 1;
	double probed, cpu_in, cpu_out, unarmed_in;

	hotkeys__armed_hits(d->hk, &armed, &armed_maxcpu);
	hotkeys__hits(d->hk, &r.hits, &maxcpu);
	r.armed_hits = armed;
	r.cost_ns = d->cost_ns;
	r.trap_ns = d->trap_ns;
	r.elapsed_s = (double)elapsed / 1e9;
	r.overhead_pct = 100.0 * (double)r.hits * d->cost_ns / (double)elapsed;
	/* One read for all three figures (each is an IPI to the target's CPUs), so that the CPU
	 * time inside and outside the windows adds up to the whole. */
	cpu = cpu_now(d, true);
	r.cpu_s = (double)(cpu - d->cpu_start_ns) / 1e9;
	r.sc = (struct hkscale){ 1, 1, 1 };
	if (d->always) {
		r.fraction = r.work_fraction = 1;
		r.windows = 1;
		r.settled = true;
		return r;
	}
	r.windows = d->windows;
	probed = (double)d->probed_ns + (d->on ? (double)(now - d->on_mid_ns) : 0);
	r.probed_s = probed / 1e9;
	r.fraction = probed / (double)elapsed;
	r.fraction = r.fraction > 1 ? 1 : r.fraction;
	cpu_in = (double)d->cpu_probed_ns + (d->on ? (double)(cpu - d->cpu_on_ns) : 0);
	r.cpu_probed_s = cpu_in / 1e9;
	cpu_out = (double)(cpu - d->cpu_start_ns) - cpu_in;
	if (cpu_in <= 0) { /* no CPU clock for the target: its wall time instead */
		cpu_in = probed;
		cpu_out = (double)elapsed - probed;
	}
	/* The unarmed hits: inside the windows' intervals (which a short window is mostly made of:
	 * 83 of 95 hits in a 145 µs one), and the attach and detach tails outside. */
	unarmed_in = (double)(d->unarmed_in < r.hits - armed ? d->unarmed_in : r.hits - armed);
	cpu_in -= unarmed_in * d->unarmed_cost_ns;
	cpu_out -= ((double)(r.hits - armed) - unarmed_in) * d->unarmed_cost_ns;
	r.sc = hkscale__work(cpu_in, cpu_out, (double)armed, d->cost_ns, calib__cold_extra());
	r.settled = d->armed_runs >= PROG_MIN_RUNS || (double)armed * d->cost_ns * 10 < cpu_in;
	r.work_fraction = 1 / r.sc.est;
	return r;
}

const struct hkfold *hkduty__fold(const struct hkduty *d)
{
	return d->fold;
}

struct hotkeys *hkduty__hotkeys(struct hkduty *d)
{
	return d->hk;
}

uint64_t hkduty__scaled(uint64_t v, double scale)
{
	return scale <= 1 ? v : (uint64_t)((double)v * scale + 0.5);
}

void hkduty__free(struct hkduty *d)
{
	if (!d)
		return;
	hotkeys__free(d->hk);
	hkfold__free(d->fold);
	taskclock__free(d->tc);
	free(d);
}
