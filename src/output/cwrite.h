/* cwrite: concurrent-write events (two goroutines writing one map at once), symbolized once
 * when they arrive, printed as text and as the "events" of hotkeys' and top's JSON. */
#ifndef MAPSCOPE_OUTPUT_CWRITE_H
#define MAPSCOPE_OUTPUT_CWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gobin;
struct json;
struct hk_event;
struct hk_thread;
struct cwrite_log;
struct registry;

int cwrite__new(struct cwrite_log **out);
/* Records e, its PCs resolved against gb at load bias (runtime PCs minus bias = file PCs); a
 * fatal one's map is looked up in r (NULL: none) for its creation site. Returns the new event's
 * index, or a negative errno. */
int cwrite__add(struct cwrite_log *l, const struct gobin *gb, uint64_t bias,
		const struct hk_event *e, struct registry *r);
/* Another thread's context at a fatal event's death (struct hk_thread): joins the open fatal
 * event, and names it its other writer when it was inside a map write (ignored when no fatal
 * event is open). Returns 0 or -ENOMEM. */
int cwrite__thread(struct cwrite_log *l, const struct gobin *gb, uint64_t bias,
		   const struct hk_thread *t);
/* One record of the hotkeys event ring (collect/hotkeys.h: e or t): cwrite__add's index for an
 * event, -1 for a thread, or -ENOMEM. */
int cwrite__event(struct cwrite_log *l, const struct gobin *gb, uint64_t bias,
		  struct registry *r, const struct hk_event *e, const struct hk_thread *t);
/* The target is gone: a fatal event takes no more threads, and is counted from now on. */
void cwrite__seal(struct cwrite_log *l);
/* Events complete so far: a fatal one only once sealed (its threads come after it). */
size_t cwrite__count(const struct cwrite_log *l);
/* Event i as text: which map, both goroutines and their stacks. */
void cwrite__print(const struct cwrite_log *l, size_t i, FILE *f);
/* Event i in one line of at most n - 1 bytes: the map, and each goroutine with the frame that
 * called into the runtime (its first frame outside package runtime). */
void cwrite__line(const struct cwrite_log *l, size_t i, char *buf, size_t n);
/* Event i's site for a counter: the caught goroutine's function (its first frame outside the
 * runtime) in func, and the map's type ("" when unknown). */
void cwrite__site(const struct cwrite_log *l, size_t i, char *func, size_t n, const char **type);
/* Event i's map (0: unknown) and its two writers' frames, "func file:line" (*b NULL when the
 * other writer was not seen); valid while l lives. */
uint64_t cwrite__writers(const struct cwrite_log *l, size_t i, const char **a, const char **b);
/* Every event as a JSON array of {"kind": "concurrent_write", ...}. */
void cwrite__json(const struct cwrite_log *l, struct json *j);
/* Events from index from on as elements of the JSON array open in j (NULL l: none). */
void cwrite__json_items(const struct cwrite_log *l, size_t from, struct json *j);
void cwrite__free(struct cwrite_log *l);

#endif
