/* target: what a tracing command traces, a launched program or a running process, and its
 * binary; what became of it, and ending it. */
#ifndef MAPSCOPE_COLLECT_TARGET_H
#define MAPSCOPE_COLLECT_TARGET_H

#include "collect/launch.h"
#include "model/procwatch.h"

#include <stdbool.h>
#include <sys/types.h>

struct gobin;

/* What became of a target: see target__check. */
enum target_fate {
	TARGET_RUNNING,
	TARGET_EXITED, /* gone, or a zombie whose memory is gone */
	TARGET_EXECED, /* still there, running another program: the traced maps are gone */
};

/* A tracing command's target: a launched program or a running process, and its binary. */
struct target {
	struct launch l; /* l.pid > 0 while a launched program has not been waited for */
	struct gobin *gb;
	int pid;
	char exe[64];
	/* A launched program's file: once its /proc/PID/exe is another file (and not mapscope's
	 * own, which it runs until its exec), it has executed another program. */
	dev_t dev;
	ino_t ino;
	struct procwatch pw; /* an attached process's */
	bool launched;
	bool leave_running;    /* a launched program still running at the end is left, not ended */
	enum target_fate fate; /* what target__check found last */
	int status;
};

/* Opens the target: argv launches a program held before its exec (launch__release lets it run
 * once the probes are attached), else pid is a running process. Fails unless its binary can be
 * traced. Every error is reported here; returns 0 or a negative errno. Close in either case. */
int target__open(char **argv, int pid, struct target *t);
/* What target__attach_failed returns for a target that ended during the attach: positive, unlike
 * every error. */
#define TARGET_ENDED_IN_ATTACH 1
/* After a failed attach: when the target has ended meanwhile (its probes' process went away
 * under the attach), says so as any end of the target is said and returns TARGET_ENDED_IN_ATTACH,
 * on which the command exits 0 as it does when its target ends; otherwise reports err once and
 * returns it.
 * Waits up to 0.4 s for an attached process that is still a zombie. */
int target__attach_failed(struct target *t, int err);
/* Whether the target has ended (t->fate, t->status say how), after a probe failed to attach: an
 * attached process is given up to 0.4 s to read as gone. */
bool target__ended(struct target *t);
/* Ends a launched program that was never released; one still running is sent SIGTERM, then
 * SIGKILL 5 s later, and reaped (or left running: leave_running); frees the binary. */
void target__close(struct target *t);
/* Never blocks. A launched program that exited is reaped here (*status: its wait status, else
 * -1). After TARGET_EXECED a launched program is no longer waited for: it keeps running. An
 * attached process's exit is seen once it is gone, or PROCWATCH_ZOMBIE_NS after it became a
 * zombie: callers check in a loop. */
enum target_fate target__check(struct target *t, int *status);
/* Says on stderr, in one line, how the target ended (fate from target__check). */
void target__gone(const struct target *t, enum target_fate fate, int status);
#endif
