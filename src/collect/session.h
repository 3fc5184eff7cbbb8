/* session: one traced target as the inventory commands (top, export) see it: the process, its
 * binary, the always-on inventory probes, the registry of its maps, the discovery windows
 * whose cost is held under a budget, and the call-counting windows (collect/hkduty.h) under
 * another.
 *
 * open → release (a launched program starts running) → step in a loop, refresh when a report is
 * due → close. Every call is non-blocking but session__poll, which waits up to its timeout. */
#ifndef MAPSCOPE_COLLECT_SESSION_H
#define MAPSCOPE_COLLECT_SESSION_H

#include "collect/target.h"
#include "core/burst.h"
#include "core/hkscale.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct inventory;
struct registry;
struct hkduty;
struct cwrite_log;

/* Discovery windows: once a second the per-call probes are attached for a window, sized so that
 * their measured cost stays under the budget (see session.c). */
struct session_windows {
	double budget_pct; /* 0: no windows */
	bool open;
	uint64_t next_ns, open_ns, close_ns, len_ns, hits_at_open, hits_total;
	uint64_t cycle_ns;      /* when the previous cycle's window opened, 0 before the first */
	uint64_t open_total_ns; /* time windows were open, closed ones only */
	uint64_t mark_ns;       /* open time already handed to the growWork rates */
	/* A due window waits for the target to run, and opens at a random point of that (see
	 * core/burst.h), from its CPU clock. */
	struct burst burst;
	int pid;
	/* A window opened in a run of known length comes in parts spread over the run: those
	 * left, each one's length, the gap between them, when the next may open, when the run
	 * should be over, and the target's CPU time at the last look. */
	unsigned int parts_left;
	uint64_t part_len_ns, part_gap_ns, resume_ns, parts_end_ns, part_cpu_ns, part_at_ns;
	uint64_t open_cpu_ns; /* the target's CPU time when the window (or part) opened */
};

/* Call counting: hotkeys' probes on mapassign* and mapdelete* (SESSION_WRITES) or mapaccess*
 * (SESSION_READS), duty-cycled, and the kernel's per-map counts at the last report's refresh. */
enum { SESSION_WRITES, SESSION_READS, SESSION_NCOUNTERS };

struct session_mapcount {
	uint64_t addr, calls, deletes;
};

struct session_counter {
	struct hkduty *d; /* NULL when not counting */
	struct session_mapcount *m; /* sorted by address */
	size_t n, cap;
	struct hkscale sc; /* counted calls → the run's, and the bracket */
	bool settled; /* hkduty_sampling's */
	uint64_t next_ns; /* when its duty cycle wants the next tick */
};

struct session {
	struct target t;
	struct inventory *inv;
	struct registry *reg;
	struct session_windows w;
	/* Call counting (NULL d when off) and the concurrent writes the write probes caught. */
	struct session_counter cnt[SESSION_NCOUNTERS];
	struct cwrite_log *cw;
	bool launched;  /* -- PROGRAM: the session ends when it exits */
	bool have_bias; /* the load bias is known (always, for a non-PIE binary) */
	uint64_t bias;
	uint64_t start_ns; /* CLOCK_MONOTONIC at release */
	uint64_t scan_next_ns; /* the next heap scan (UINT64_MAX: none; model/heapscan.h) */
	int status;        /* a launched program's wait status once it exited */
	bool exited;
	uint64_t alive_ns; /* when the target was last checked (alive() in session.c) */
	/* Set by the caller (a signal handler's flag): a refresh waiting for a window's end stops
	 * waiting once it is non-zero. */
	const volatile sig_atomic_t *stop;
	bool finished; /* session__finish ran: every refresh from now on hands over the counts */
};

/* Opens the target (argv launches it held before exec, else pid), loads the inventory probes
 * and the registry. budget_pct sizes the discovery windows, count_budget_pct the call-counting
 * windows (0 disables either; writes and reads get half of it each). Every error is reported
 * here; returns 0 or a negative errno. Close in either case. */
int session__open(struct session *s, char **argv, int pid, double budget_pct,
		  double count_budget_pct);
/* Lets a launched program run (probes are in place) and starts the clock. */
void session__release(struct session *s);
/* One turn of the loop: learns the load bias, drains probe events, opens or closes a window.
 * Returns false once the target has exited (s->exited; s->status for a launched one). */
bool session__step(struct session *s, uint64_t now_ns);
/* Waits up to timeout_ms for probe events (1 ms while a window is open), less when a
 * call-counting window is due to open or close sooner. */
void session__poll(struct session *s, int timeout_ms);
/* Re-reads every map (and, when a report is due, the windows' growWork rates and the call
 * counts). */
void session__refresh(struct session *s, uint64_t now_ns, bool report);
/* Closes an open window; after this only session__refresh and session__close. */
void session__finish(struct session *s);
/* The target's slowdown from both kinds of windows so far, in percent (hits x the cost of
 * one). */
double session__overhead_pct(struct session *s, uint64_t now_ns);
uint64_t session__dropped(const struct session *s);
/* Whether calls are counted: each map's reg_map.calls holds its writes, reads and deletes as of
 * the last refresh for a report (or the finish). */
bool session__counting(const struct session *s);
/* Whether the scales of the last refresh are settled (hkduty_sampling): writes', and reads'
 * unless no read was counted. From then on no map's total falls (each count's own scale settled
 * sooner or later), and export's counters take writes. */
bool session__counts_settled(const struct session *s);
/* Detaches, frees, and ends a launched program that never ran. NULL-safe, idempotent. */
void session__close(struct session *s);

#endif
