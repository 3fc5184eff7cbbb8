#include "core/burst.h"

#include <string.h>

void burst__init(struct burst *b, uint64_t wait_ns, uint64_t max_delay_ns, uint64_t seed)
{
	memset(b, 0, sizeof(*b));
	b->wait_ns = wait_ns;
	b->max_delay_ns = max_delay_ns ? max_delay_ns : 1;
	b->phase = (double)(seed % 1000003) / 1000003.0;
	b->parts = 1;
}

/* The part of an active period of length len where a window's first part opens. */
static uint64_t first_part(const struct burst *b, uint64_t len)
{
	return b->parts > 1 ? len / b->parts : len;
}

/* A point of [0, n): the windows' points step by the golden ratio from a random start, so that
 * a few of them cover a run evenly, where independent draws would leave gaps. */
static uint64_t next_point(struct burst *b, uint64_t n)
{
	b->phase += 0.6180339887498949;
	b->phase -= (double)(uint64_t)b->phase;
	return n ? (uint64_t)(b->phase * (double)n) % n : 0;
}

/* A point of the active period that began at onset, spread over its learnt length; now in a
 * program that never stops, where any point is in a run. */
static uint64_t pick(struct burst *b, uint64_t now)
{
	if (b->endless)
		return now;
	uint64_t len = b->active_ns < b->max_delay_ns ? b->active_ns : b->max_delay_ns;

	return b->onset_ns + next_point(b, first_part(b, len));
}

/* An onset a whole number of periods after the previous one, within the jitter, confirms the
 * rhythm; any other starts a new guess. Only onsets after BURST_IDLE_NS of watched idleness
 * count: one first seen mid-run (after a gap in the samples) is late by an unknown amount. */
/* Whether a is a whole multiple of p, within the jitter. */
static bool multiple(uint64_t a, uint64_t p)
{
	uint64_t k = p ? (a + p / 2) / p : 0, d;

	if (!k)
		return false;
	d = a > k * p ? a - k * p : k * p - a;
	return (double)d <= BURST_JITTER * (double)p;
}

static void beat(struct burst *b)
{
	uint64_t gap = b->onset_ns - b->prev_onset_ns, p = b->period_ns, d;

	if (!b->idle_seen)
		return;
	if (b->prev_onset_ns && p && multiple(gap, p)) {
		b->period_ns = (p * 3 + gap / ((gap + p / 2) / p)) / 4;
		b->rhythm = true;
	} else if (b->prev_onset_ns && p) {
		/* Runs are watched only while a window is due, so gaps are multiples of the
		 * period: two that disagree have it as their difference, or as the smaller. */
		d = gap > p ? gap - p : p - gap;
		if (multiple(gap > p ? gap : p, gap < p ? gap : p))
			b->period_ns = gap < p ? gap : p;
		else
			b->period_ns = d && multiple(gap, d) && multiple(p, d) ? d : gap;
		b->rhythm = b->period_ns != gap;
	} else {
		b->period_ns = b->prev_onset_ns ? gap : 0;
		b->rhythm = false;
	}
	b->beat_ns = b->onset_ns;
	b->prev_onset_ns = b->onset_ns;
}

/* A point from a window's length and BURST_LEAD_NS before a predicted onset to the end of that
 * run, in the earliest run not over yet. */
static uint64_t on_beat(struct burst *b, uint64_t now)
{
	uint64_t lead = BURST_LEAD_NS + b->win_ns, next = b->beat_ns, at;
	uint64_t len = b->active_ns < b->max_delay_ns ? b->active_ns : b->max_delay_ns;

	len = len > BURST_LEAD_NS ? len : BURST_LEAD_NS; /* not learnt yet: its start at least */
	if (next + len <= now)
		next += ((now - next - len) / b->period_ns + 1) * b->period_ns;
	/* A window in parts opens its first before the onset (it stays open until the program
	 * runs, collect/session.c): the maps a run works on first are seen, and the later parts cover
	 * the rest. */
	at = next - lead + next_point(b, b->parts > 1 ? lead : len + lead);
	/* A point already past is taken in the next run: clamping it to now would pile every
	 * window at the same late point. */
	return at > now ? at : at + b->period_ns;
}

/* Whether a point planned on the beat misses the run under way though the beat meant it: past
 * the run's learnt end, yet less than half a period after its onset (a point meant for the next
 * run, when the window fell due mid-run, is a period on). */
static bool beat_missed(const struct burst *b, uint64_t t)
{
	return t > b->onset_ns + b->active_ns && t - b->onset_ns < b->period_ns / 2;
}

/* Starts, ends or gives up an active period from one fresh sample. */
static void track(struct burst *b, uint64_t now, bool active, bool due)
{
	if (active) {
		b->ran_ns = now;
		b->quiet_ns = 0;
	} else if (!b->quiet_ns) {
		b->quiet_ns = now;
	}
	/* Idle for good, not between two ticks of a run. */
	if (b->quiet_ns && now - b->quiet_ns >= BURST_IDLE_NS)
		b->idle_seen = true;
	if (active && !b->onset_ns) {
		b->onset_ns = b->last_ns; /* it began after the previous sample */
		if (!b->rhythm)
			b->fire_ns = 0; /* a point planned on the rhythm stands */
		b->learning = due && !b->active_ns;
		beat(b);
	} else if (!active && b->onset_ns && now - b->ran_ns >= BURST_IDLE_NS) {
		/* Its onset and its last tick of CPU time are both seen up to a tick late. */
		if (b->learning) {
			b->active_ns = b->ran_ns - b->onset_ns;
			b->endless = false;
		}
		b->onset_ns = 0;
		if (!b->rhythm)
			b->fire_ns = 0;
		b->learning = false;
	}
	/* A program that never stops: its period is as long as any delay. */
	if (b->learning && now - b->onset_ns >= BURST_LEARN_MAX_NS) {
		b->active_ns = now - b->onset_ns;
		b->endless = true;
		b->learning = false;
	}
}

bool burst__sample(struct burst *b, uint64_t now_ns, uint64_t cpu_ns, uint64_t due_ns)
{
	bool fresh = b->last_ns && now_ns > b->last_ns && now_ns - b->last_ns <= BURST_FRESH_NS;
	bool due = now_ns >= due_ns, open = false;

	if (fresh) {
		/* Running at least a quarter of a CPU: the runtime's own wakeups (sysmon, a few µs
		 * every 10 ms) are not a run. */
		track(b, now_ns,
		      cpu_ns > b->last_cpu &&
			      (cpu_ns - b->last_cpu) * BURST_BUSY_DIV >= now_ns - b->last_ns,
		      due);
	} else {
		b->onset_ns = 0; /* lost track */
		if (!b->rhythm)
			b->fire_ns = 0;
		b->learning = false;
		b->idle_seen = false;
		b->quiet_ns = 0;
	}
	if (due && now_ns - due_ns >= b->wait_ns && !(b->fire_ns > now_ns)) {
		open = true;
	} else if (due && b->rhythm && b->active_ns && !b->learning) {
		if (!b->fire_ns)
			b->fire_ns = on_beat(b, now_ns);
		/* A run seen now that the beat's point misses gets a point of its own: the rhythm
		 * drifts (a run slowed by a window ends late, and the program's next one starts
		 * late: 25 ms and more on a 1 s period). */
		if (b->onset_ns && beat_missed(b, b->fire_ns))
			b->fire_ns = pick(b, now_ns);
		open = now_ns >= b->fire_ns;
	} else if (due && b->onset_ns && !b->learning) {
		if (!b->fire_ns)
			b->fire_ns = pick(b, now_ns);
		open = now_ns >= b->fire_ns;
	}
	b->last_ns = now_ns;
	b->last_cpu = cpu_ns;
	return open;
}

void burst__opened(struct burst *b)
{
	b->fire_ns = 0;
	/* Programs change their rhythm: the period is watched whole again now and then. */
	if (++b->opened % BURST_RELEARN == 0)
		b->active_ns = 0;
}
