/* hotkeys: per-key write counts from probes on runtime.mapassign*, aggregated in the kernel.
 * open → attach (one uprobe_multi link; detach and attach again to duty-cycle) → read → free. */
#ifndef MAPSCOPE_COLLECT_HOTKEYS_H
#define MAPSCOPE_COLLECT_HOTKEYS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct gobin;
struct hotkeys;
struct hk_key;
struct hk_mapstat;
struct hk_event;
struct hk_thread;

/* Cumulative counts since open; a key the kernel's LRU evicted starts again from zero. */
typedef void (*hotkeys_key_cb)(const struct hk_key *k, uint64_t count, void *ctx);
typedef void (*hotkeys_map_cb)(uint64_t map, const struct hk_mapstat *s, void *ctx);
/* One record of the event ring: a concurrent write (e) or, after a fatal one, another thread's
 * context at the death (t); the other is NULL. */
typedef void (*hotkeys_event_cb)(const struct hk_event *e, const struct hk_thread *t, void *ctx);
struct hk_sample;

/* Loads the BPF object for process pid; only_map (non-zero) limits the counts to that map;
 * samples (at most HK_SAMPLES_MAX) individual writes are kept in a uniform reservoir. reads:
 * the probes go on runtime.mapaccess* instead, and everything counted is reads. */
int hotkeys__open(const struct gobin *gb, pid_t pid, uint64_t only_map, unsigned samples,
		  bool reads, struct hotkeys **out);
/* Concurrent-write events so far (at most one fatal one, probe-time ones capped per map) to fn,
 * and after a fatal one the other threads' contexts. The runtime.fatal and runtime.sigtramp
 * probes stay attached from open to free, whatever the duty cycle. */
int hotkeys__events(struct hotkeys *hk, hotkeys_event_cb fn, void *ctx);
/* The reservoir's samples so far (at most the samples asked for), and the writes it drew from
 * in *seen. Returns 0 or a negative errno. */
int hotkeys__samples(struct hotkeys *hk, void (*fn)(const struct hk_sample *s, void *ctx),
		     void *ctx, uint64_t *seen);
/* Whether runtime.fatal is probed (the "concurrent map writes" crash is caught). */
bool hotkeys__fatal_probed(const struct hotkeys *hk);
/* Attaches (on) or detaches (off) the mapassign* probes: one link for all of them. */
int hotkeys__attach(struct hotkeys *hk, bool on);
/* Probe hits so far, in total and on the busiest CPU (each cost the target one probe). */
void hotkeys__hits(struct hotkeys *hk, uint64_t *total, uint64_t *max_cpu);
/* Counting on or off: attached probes count only while armed (off after open). */
void hotkeys__arm(struct hotkeys *hk, bool on);
/* The hits that came while armed (the counted ones and those filtered out). */
void hotkeys__armed_hits(struct hotkeys *hk, uint64_t *total, uint64_t *max_cpu);
/* Calls fn for every (map, key) with its count; for every map with its stats. */
int hotkeys__keys(struct hotkeys *hk, hotkeys_key_cb fn, void *ctx);
int hotkeys__maps(struct hotkeys *hk, hotkeys_map_cb fn, void *ctx);
/* Drops (map, key) from the kernel's counts, which then count it from 0 again: for keys that
 * stopped changing, when the tables fill up. A write racing the drop is lost. */
void hotkeys__forget(struct hotkeys *hk, const struct hk_key *k);
/* Writes whose key found the count tables full (HK_KEYS_MAX pairs): not counted by key. */
uint64_t hotkeys__keys_lost(struct hotkeys *hk);
/* The BPF program's total run time in ns and its runs, from the kernel's statistics (the trap
 * into the kernel and back not included); -ENODATA when the statistics are off. */
int hotkeys__prog_stats(struct hotkeys *hk, uint64_t *run_ns, uint64_t *runs);
/* The trap's cost per hit at this link's sites on this host (collect/calib.h), the program's
 * run not included: the mean over the sites' kinds. */
double hotkeys__trap_ns(const struct hotkeys *hk);
/* The number of sites probed (mapassign variants found with a probe site). */
size_t hotkeys__nsites(const struct hotkeys *hk);
void hotkeys__free(struct hotkeys *hk);

#endif
