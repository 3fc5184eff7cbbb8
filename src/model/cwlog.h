/* cwlog: the concurrent-write events caught in one target, two goroutines writing one map at
 * once: each writer's stack symbolized once when the event arrived (collect/cwevent.h makes
 * them from the kernel's events) and, for a fatal one, the other threads as the runtime stopped
 * them. output/cwrite.h prints them. new → append ... → seal → free. */
#ifndef MAPSCOPE_MODEL_CWLOG_H
#define MAPSCOPE_MODEL_CWLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CWLOG_FRAMES 33 /* frames kept per goroutine: the probed PC and 32 return addresses */
#define CWLOG_FRAME_TEXT 160
#define CWLOG_MSG 64

struct cwrite_side {
	uint64_t goid;
	uint32_t tid;	/* threads only */
	bool in_write;	/* threads: a frame is a map write function */
	bool holds_map; /* threads: the map's address is in its registers or top of stack */
	bool caught;	/* threads: found the flag in turn, on the runtime's fatal path too */
	size_t n;
	char frames[CWLOG_FRAMES][CWLOG_FRAME_TEXT]; /* "func file:line", or the hex PC */
};

struct cwrite {
	uint64_t map, writes_before; /* probed writes from the other goroutine's write to this */
	bool fatal;
	char msg[CWLOG_MSG];
	char type[192]; /* fatal: the map's type, from the map function's spilled arguments */
	char site[192]; /* fatal: where the map was made, or the global holding it ("": unknown) */
	struct cwrite_side g[2];
	/* fatal: the other threads as the runtime stopped them, and the one in a write to this
	 * map (-1: none was) */
	struct cwrite_side *th;
	size_t nth;
	int writer;
	/* fatal: CLOCK_MONOTONIC ns of the fatal probe, of the last thread's context and of the
	 * seal (the report), and the longest a thread's probe ran */
	uint64_t ns, last_ns, sealed_ns, run_ns_max;
};

struct cwrite_log;

int cwlog__new(struct cwrite_log **out);
/* A new event at the end, zeroed but for writer (-1), and its index in *idx; NULL on -ENOMEM.
 * Valid until the next append. */
struct cwrite *cwlog__append(struct cwrite_log *l, size_t *idx);
/* Event idx is fatal and takes the dying program's threads until the seal. */
void cwlog__hold(struct cwrite_log *l, size_t idx);
/* The fatal event still taking threads, or NULL. */
struct cwrite *cwlog__held(struct cwrite_log *l, size_t *idx);
/* A new zeroed thread of c, or NULL on -ENOMEM; c->nth is the caller's to raise. */
struct cwrite_side *cwlog__thread(struct cwrite *c);
/* The target is gone: a fatal event takes no more threads, and is counted from now on. */
void cwlog__seal(struct cwrite_log *l);
/* Events complete so far: a fatal one only once sealed (its threads come after it). NULL-safe. */
size_t cwlog__count(const struct cwrite_log *l);
/* Event i < cwlog__count. */
const struct cwrite *cwlog__at(const struct cwrite_log *l, size_t i);
/* NULL-safe. */
void cwlog__free(struct cwrite_log *l);

#endif
