/* procwatch: whether a process mapscope attached to still runs the program it attached to, has
 * exited, or has executed another program, from /proc alone (it is not our child: no waitpid).
 * init → check ... in a loop. */
#ifndef MAPSCOPE_MODEL_PROCWATCH_H
#define MAPSCOPE_MODEL_PROCWATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum procwatch_fate { PROCWATCH_RUNNING, PROCWATCH_EXITED, PROCWATCH_EXECED };

/* How long a process must stay a zombie to have ended: an exec from a thread other than the
 * leader shows the old leader as a zombie under the PID for microseconds (measured: in every
 * such exec), until the exec'ing thread takes the PID over. */
#define PROCWATCH_ZOMBIE_NS 200000000ull

struct procwatch {
	int pid;
	/* The program's file (ino 0: unknown, only an exit is seen) and the process's start time
	 * (0: unknown): /proc/PID/exe on another file means an exec, unless the process started
	 * at another time (a new one on a reused PID). */
	dev_t dev;
	ino_t ino;
	unsigned long long start_time;
	uint64_t zombie_ns; /* when first seen a zombie in a row of checks (0: not) */
};

/* Watches pid, running the program at its /proc/PID/exe now. Returns 0 or a negative errno
 * (no such process; an exe it may not read leaves ino 0). */
int procwatch__init(struct procwatch *w, int pid);
/* What became of the process at now_ns (CLOCK_MONOTONIC): an exit is seen once the PID is gone,
 * or PROCWATCH_ZOMBIE_NS after it became a zombie, so callers check in a loop. */
enum procwatch_fate procwatch__check(struct procwatch *w, uint64_t now_ns);
/* Field 3 of /proc/PID/stat, the state letter ('R', 'S', 'T' stopped, 'Z' zombie, ...); 0 when
 * the process is gone or cannot be read. */
char procwatch__state(int pid);
/* Field 22 of /proc/PID/stat, clock ticks since boot; 0 if unknown. An exec keeps it. */
unsigned long long procwatch__start_time(int pid);

#endif
