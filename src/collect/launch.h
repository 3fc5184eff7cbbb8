/* launch: starts a program stopped before exec, so that probes can be attached (filtered to its
 * pid) before its first instruction runs. fork → child waits on a pipe → caller attaches →
 * launch__release() → child execs. */
#ifndef MAPSCOPE_COLLECT_LAUNCH_H
#define MAPSCOPE_COLLECT_LAUNCH_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct launch {
	pid_t pid;
	int go_fd; /* write end: closing it lets the child exec */
	char path[PATH_MAX]; /* the resolved executable */
};

/* Resolves argv[0] on PATH and forks. Returns 0, or a negative errno with a message recorded. */
int launch__start(char **argv, struct launch *l);
/* Lets the child exec. */
void launch__release(struct launch *l);
/* Kills a child that was never released (attach failed). */
void launch__abort(struct launch *l);
/* How long a released child has between SIGTERM and SIGKILL in launch__end. */
#define LAUNCH_TERM_NS 5000000000ull
/* Ends the launch when mapscope stops before its program did (-d, a signal): a child never
 * released is aborted; a released one that still runs is left running (leave) or sent SIGTERM,
 * then SIGKILL if it has not exited LAUNCH_TERM_NS later, and reaped. Returns within that. */
void launch__end(struct launch *l, bool leave);
/* Waits for the child; returns its exit status (128+signal if killed), or -errno. */
int launch__wait(struct launch *l);

#endif
