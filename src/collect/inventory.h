/* inventory: the always-on probes of `top` (creation and growth) plus attachable discovery
 * windows (first touch of each map by assign/access/delete). open → attach → poll → free. */
#ifndef MAPSCOPE_COLLECT_INVENTORY_H
#define MAPSCOPE_COLLECT_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct gobin;
struct inventory;
struct inv_event;
struct registry;

typedef void (*inventory_cb)(const struct inv_event *e, void *ctx);
typedef void (*inventory_count_cb)(uint64_t map, uint64_t count, void *ctx);

/* Loads the BPF object and attaches creation and growth probes to gb for process pid. */
int inventory__open(const struct gobin *gb, pid_t pid, inventory_cb cb, void *ctx,
		    struct inventory **out);
/* On: the process stops (SIGSTOP) at runtime.exit, after an INV_EV_EXIT event, until the
 * caller sends SIGCONT: for a launched program's last read. Only for a process the caller
 * started, and only by a caller that sends SIGCONT whatever happens. */
void inventory__hold_exit(struct inventory *inv, bool on);
/* Whether the process stopped at runtime.exit since the last call (seen by inventory__poll):
 * the caller reads what it needs, then sends SIGCONT. */
bool inventory__exit_held(struct inventory *inv);
/* Attaches (on) or detaches (off) the per-call touch probes: a discovery window. */
int inventory__window(struct inventory *inv, bool on);
/* Waits up to timeout_ms, then delivers every pending event to the callback. */
int inventory__poll(struct inventory *inv, int timeout_ms);
/* Events the kernel could not queue (ring buffer full). */
uint64_t inventory__dropped(struct inventory *inv);
/* What one hit of the window's probes costs the target on this host: the trap measured at
 * start (collect/calib.h) plus the program's mean run, when the kernel's statistics are on. */
double inventory__hit_ns(const struct inventory *inv);
/* Probe hits at touch sites so far (each cost the target about one probe's time). */
uint64_t inventory__touch_hits(struct inventory *inv);
/* Calls fn for every map with its total growWork* calls seen in windows so far (classic). */
int inventory__growwork(struct inventory *inv, inventory_count_cb fn, void *ctx);
void inventory__free(struct inventory *inv);
/* Tells r what event e says happened to a map (model/registry.h's typed calls); an exit event
 * says nothing about maps. */
void inventory__apply(const struct inv_event *e, struct registry *r);

#endif
