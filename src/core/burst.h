/* burst: when to open a discovery window on a program that works in bursts.
 *
 * A window opened on the clock lands in the program's idle time when it is busy 2 % of the
 * time. Fed samples of the program's CPU clock every few ms while a window is due, this says
 * when the program is running, and opens the window at a point of its active period
 * (its length learnt from an earlier period watched whole), so that maps worked on late in a
 * burst are seen too, not only the first one. A CPU clock moves in scheduler ticks, so a run is
 * seen up to a tick late: when runs come at a steady rhythm (an onset a whole number of periods
 * after the one before, within BURST_JITTER of a period), the window is placed by the rhythm
 * instead, opening from its own length plus BURST_LEAD_NS before the predicted onset to the run's
 * end, so that the start of a run is covered too. A program that never stops running gets its
 * window at once; one that never runs gets it after `wait_ns` anyway. Pure logic: time and CPU are
 * inputs. */
#ifndef MAPSCOPE_CORE_BURST_H
#define MAPSCOPE_CORE_BURST_H

#include <stdbool.h>
#include <stdint.h>

/* Samples further apart than this say nothing about whether the program runs now. */
#define BURST_FRESH_NS 50000000ull
/* An active period is learnt again every this many windows. */
#define BURST_RELEARN 8
/* How early a run is seen at worst (a 4 ms scheduler tick and a 2 ms poll), and how far two
 * periods may differ to make a rhythm. */
#define BURST_LEAD_NS 6000000ull
#define BURST_JITTER 0.05
/* A run watched longer than this counts as endless. */
#define BURST_LEARN_MAX_NS 100000000ull
/* A sample sees a run when the program used at least 1/BURST_BUSY_DIV of a CPU since the one
 * before. */
#define BURST_BUSY_DIV 4
/* A run ends after this long with no CPU time: a running thread's clock moves only at a tick. */
#define BURST_IDLE_NS 12000000ull

struct burst {
	uint64_t wait_ns; /* the longest a due window waits for activity */
	uint64_t win_ns;  /* how long the next window stays open (the caller keeps it current) */
	uint64_t max_delay_ns;	    /* the latest point of an active period a window is put at */
	uint64_t last_ns, last_cpu; /* the previous sample; last_ns 0 before the first */
	uint64_t onset_ns;	    /* the current active period's start, 0 while idle */
	uint64_t ran_ns;	    /* the last sample that saw it run */
	uint64_t quiet_ns;	    /* the first sample of the idleness since, 0 while running */
	uint64_t active_ns;	    /* the last active period watched whole, 0 until one was */
	uint64_t fire_ns;	/* when the due window opens in this period, 0 when not chosen */
	uint64_t prev_onset_ns; /* the last onset seen after an idle sample, 0 before one */
	uint64_t period_ns;	/* the gap between the last two such onsets, or the rhythm */
	uint64_t beat_ns;	/* an onset on it */
	bool rhythm;		/* period_ns confirmed: an onset came on its beat */
	bool idle_seen; /* the program was watched idle BURST_IDLE_NS since the last lost track */
	bool learning;	/* watching a period whole: no window in it */
	bool endless;	/* the last period watched never ended */
	unsigned int opened;
	double phase; /* of the windows' points in their runs, in [0, 1) */
	/* The caller's window opens in this many parts spread over the run (1 from init; the
	 * caller keeps it current): its first part is placed in the first 1/parts of the run. */
	unsigned int parts;
};

void burst__init(struct burst *b, uint64_t wait_ns, uint64_t max_delay_ns, uint64_t seed);
/* One sample of the program's CPU time (any monotonic ns count of its running) at now, with
 * `due_ns` when the next window is due (may be in the future). True: open the window now.
 * Call burst__opened when it did open. */
bool burst__sample(struct burst *b, uint64_t now_ns, uint64_t cpu_ns, uint64_t due_ns);
void burst__opened(struct burst *b);

#endif
