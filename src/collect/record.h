/* record: runtime.mapassign* calls counted per user call stack in the kernel, for
 * `mapscope record`. open → attach (one uprobe_multi link) → arm → read → free. */
#ifndef MAPSCOPE_COLLECT_RECORD_H
#define MAPSCOPE_COLLECT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct gobin;
struct record;

/* With keys: the map's type (a runtime address), the key's full length and its first bytes
 * (captured of them; little-endian for the integer variants). */
struct record_key {
	uint64_t type;
	uint32_t len, captured;
	const unsigned char *bytes;
};

/* One stack, leaf first: pcs[0] is the probed PC in runtime.mapassign*, the rest are return
 * addresses (runtime addresses, load bias included). key is NULL unless opened with keys. */
typedef void (*record_stack_cb)(const uint64_t *pcs, size_t n, const struct record_key *key,
				uint64_t count, void *ctx);

/* Loads the BPF object for process pid (nothing attached yet). with_keys: each write's key is
 * counted with its stack (--export-keys). */
int record__open(const struct gobin *gb, pid_t pid, bool with_keys, struct record **out);
/* Attaches (on) or detaches (off) the mapassign* probes: one link for all of them. */
int record__attach(struct record *rc, bool on);
/* Counting on or off: attached probes count only while armed (off after open). */
void record__arm(struct record *rc, bool on);
/* Probe hits so far, in total and on the busiest CPU (each cost the target one probe). */
void record__hits(struct record *rc, uint64_t *total, uint64_t *max_cpu);
/* Counted calls whose stack did not fit in the kernel's count map. */
uint64_t record__lost(struct record *rc);
/* Calls fn for every stack with its count since open. */
int record__stacks(struct record *rc, record_stack_cb fn, void *ctx);
/* What one hit costs the target: the trap measured on this host (collect/calib.h) plus the
 * program's mean run by the kernel's statistics (the trap alone before it ran). */
double record__hit_ns(struct record *rc);
size_t record__nsites(const struct record *rc);
void record__free(struct record *rc);

#endif
