/* cwrite: the concurrent-write events of a target's log (model/cwlog.h) as text, one line (the
 * live view) and the "events" of hotkeys' and top's JSON. Reads only. */
#ifndef MAPSCOPE_OUTPUT_CWRITE_H
#define MAPSCOPE_OUTPUT_CWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json;
struct cwrite_log;

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

#endif
