/* registry: every map mapscope knows in one target, keyed by header address, with what the
 * probes said about it (type, creation stack, growths) and what the last memory read found. */
#ifndef MAPSCOPE_MODEL_REGISTRY_H
#define MAPSCOPE_MODEL_REGISTRY_H

#include "model/gotype.h"
#include "model/heapscan.h"
#include "model/mapread.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define REG_STACK_DEPTH 24

enum reg_origin {
	REG_CREATED, /* creation seen: stack is the creation stack */
	REG_GREW,    /* first seen growing: stack is where it grew */
	REG_TOUCHED, /* first seen in a discovery window: stack is that access */
	REG_SCANNED, /* found by a heap scan: no stack */
};

/* A map's calls over the run, scaled from what the counting windows counted (collect/session.c):
 * the truth of writes and reads lies in their [low, high] (core/hkscale.h), ends equal when
 * every call was counted. All 0 for a map no window saw. */
struct reg_calls {
	uint64_t writes, reads, deletes;
	uint64_t writes_low, writes_high, reads_low, reads_high;
};

struct reg_map {
	uint64_t addr;
	uint64_t type; /* runtime address of the map type, 0 while unknown */
	const struct maptype_info *ti; /* the type's details, NULL while unknown (kept once a type) */
	enum reg_origin origin;
	const uint64_t *stack; /* see origin; interned (one copy a site), NULL: none */
	uint32_t nstack;
	uint64_t created_ns, created_g;
	uint64_t growths, same_size_growths;
	double growth_seconds;
	uint64_t grow_start_ns, grow_old_cap, grow_new_cap; /* classic growth in progress */
	bool grow_same_size;
	const uint64_t *grow_stack; /* where the classic growth in progress started (interned) */
	uint32_t grow_nstack;
	uint64_t growwork_calls; /* classic growWork* calls seen in discovery windows */
	double growwork_per_sec; /* in the last interval's windows; < 0 when not measured */
	uint64_t peak_len;
	/* Reads that found it refilled: at most 1/8 full at the last read, over 1/4 now (a map
	 * emptied and filled again, a reused buffer: rebuilding it would only regrow it). */
	uint32_t refills;
	struct map_stats st;
	bool st_ok;
	unsigned int misses; /* consecutive failed reads */
	unsigned int bad_reads; /* consecutive implausible reads */
	struct reg_calls calls; /* registry__set_calls */
	uint64_t writes_seen; /* its writes already added to its site's counter (sites.h) */
	/* From a heap scan: the map types that fit while the type is unknown (NULL when none
	 * or one did), and the global variable that holds it. */
	const struct heapscan_cands *cands;
	const char *held_by;
	uint64_t array; /* the array of maps holding it (heapscan.h): its type is theirs */
};

/* A growth that finished, for the interval's event list. */
struct reg_growth {
	uint64_t addr, ts_ns, old_capacity, new_capacity;
	double seconds; /* < 0: not measured */
	const char *how; /* "doubling", "same_size", "to_table", "grow", "split" */
	const uint64_t *stack; /* interned: valid as long as the registry */
	uint32_t nstack;
	uint64_t type; /* the map's type and its stack (where it was created): a freed map's */
	const uint64_t *map_stack; /* growths still count for its creation site */
	uint32_t map_nstack;
};

struct registry;
struct gobin;

struct registry *registry__new(const struct gobin *gb, pid_t pid);
/* The load bias of a PIE target, once known; type descriptors resolve only after it is set. */
void registry__set_bias(struct registry *r, uint64_t load_bias);
void registry__free(struct registry *r);
/* The map at addr, or NULL. */
struct reg_map *registry__find(struct registry *r, uint64_t addr);
/* The index (registry__at) of the map at addr, or -1. The maps live in chunks: a map's index
 * is not its distance from registry__at(r, 0). */
long registry__index(const struct registry *r, uint64_t addr);
/* What a site adds when m's stack is not its creation stack: "", " (seen growing)",
 * " (seen in use)" or " (found in heap)". */
const char *registry__origin_note(const struct reg_map *m);
/* Sets m's calls to c. Where the scale they rest on is settled (collect/hkduty.h: writes' for
 * writes and deletes, reads' for reads), a run's total cannot fall: one below the one already
 * set keeps that (its range's high end then rises to it). Before that, early scales can be off
 * tenfold and are taken as they come. */
void registry__set_calls(struct reg_map *m, const struct reg_calls *c, bool writes_settled,
			 bool reads_settled);

/* What a probe saw of a map at one moment (collect/inventory.h turns the kernel's events into
 * these): when, which map, its type descriptor (runtime address, 0: not known), the goroutine
 * (its g pointer) and its stack (runtime PCs, innermost first), valid for the call only. */
struct reg_seen {
	uint64_t ts, map, type, g;
	const uint64_t *stack;
	uint32_t nstack;
};

/* How a Swiss map grew (registry__swiss_grew). */
enum reg_swiss_growth {
	REG_SWISS_TO_SMALL, /* growToSmall: its first group */
	REG_SWISS_TO_TABLE, /* growToTable: the small group became a table of 16 */
	REG_SWISS_GROW,     /* one table rehashed into one twice as large */
	REG_SWISS_SPLIT,    /* one table split into two of its size */
};

/* A map was made at e->map: a new map there, unless it is the second probe of the same
 * creation (Swiss builds see NewMap's and makemap's returns). */
void registry__created(struct registry *r, const struct reg_seen *e);
/* A classic map of count entries and 2^B buckets started growing (runtime.hashGrow): doubling,
 * or same-size when it is not over its load factor. */
void registry__grow_started(struct registry *r, const struct reg_seen *e, uint64_t count,
			    uint8_t B);
/* Its evacuation completed at ts: the growth is recorded with its duration. */
void registry__grow_ended(struct registry *r, uint64_t map, uint64_t ts);
/* A Swiss map grew; old_cap and dur_ns (the rehash's) for REG_SWISS_GROW and REG_SWISS_SPLIT. */
void registry__swiss_grew(struct registry *r, const struct reg_seen *e, enum reg_swiss_growth how,
			  uint64_t old_cap, uint64_t dur_ns);
/* A map was called (a window's first touch): a map not known yet is added, a scanned one gets
 * this stack as its site. */
void registry__touched(struct registry *r, const struct reg_seen *e);
/* Finds every live map in the heap (model/heapscan.h) and adds those not yet known; a known
 * map gains the type and holder the scan found when it had none. Needs the load bias. Returns
 * 0, -ENOTSUP when this binary's heap cannot be scanned, or the scan's error. progress (NULL:
 * none) is told how far a long scan is (heapscan__set_progress). */
int registry__scan(struct registry *r, struct heapscan_stats *st, heapscan_progress_fn progress,
		   void *ctx);
/* How many scans ran, and the last one's figures. */
unsigned int registry__scans(const struct registry *r, struct heapscan_stats *last);
/* Maps dropped because a read of their header no longer held together (memory reused). */
uint64_t registry__invalid(const struct registry *r);
/* Re-reads every map; a map unreadable for `max_misses` refreshes in a row is dropped, and so
 * is, at once, a map whose header the Go heap says is free (garbage collected; model/goheap.h)
 * or whose header reads implausible (registry__invalid counts those). at_exit: the process is
 * stopped at runtime.exit; maps outside the heap (on stacks) keep their last read. */
void registry__refresh(struct registry *r, unsigned int max_misses, bool at_exit);
size_t registry__count(const struct registry *r);
struct reg_map *registry__at(struct registry *r, size_t i);
/* Classic growWork* totals per map (from the windows' counters): each map's growwork_per_sec
 * becomes its calls since the previous update over window_secs, the time windows were open
 * since then; window_secs <= 0 marks every rate unmeasured. Unknown addresses are ignored. */
void registry__growwork_begin(struct registry *r, double window_secs);
void registry__growwork(struct registry *r, uint64_t addr, uint64_t total);
/* The details of the map type at runtime address type, read once and kept (NULL: unreadable,
 * or the load bias is not known yet). */
const struct maptype_info *registry__type_info(struct registry *r, uint64_t type);
/* Growths finished since the last call (the array is reused). */
const struct reg_growth *registry__take_growths(struct registry *r, size_t *n);

#endif
