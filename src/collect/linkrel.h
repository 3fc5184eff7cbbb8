/* linkrel: BPF links destroyed off the caller's thread.
 *
 * Destroying a uprobe or uprobe_multi link removes its breakpoints at once, then waits for the
 * kernel's grace periods: 20-24 ms measured on Linux 6.18 for about 30 sites (attaching takes
 * 0.1-0.3 ms). A tracer that opens and closes short windows on a bursty program would lose a
 * whole burst (burstmaps': 13 ms) to every close. Links handed here are destroyed by a thread,
 * up to LINKREL_THREADS at a time (beyond, the caller waits for the oldest). */
#ifndef MAPSCOPE_COLLECT_LINKREL_H
#define MAPSCOPE_COLLECT_LINKREL_H

#include <stddef.h>

#define LINKREL_THREADS 8

struct bpf_link;
struct linkrel;

struct linkrel *linkrel__new(void);
/* Takes the n links (NULL entries skipped): their probes stop firing within the call's
 * microseconds, and the links are gone once linkrel__free returns. Never fails: without memory
 * or a thread they are destroyed here. */
void linkrel__release(struct linkrel *lr, struct bpf_link *const *links, size_t n);
/* Waits for every release handed to it. NULL-safe. */
void linkrel__free(struct linkrel *lr);

#endif
