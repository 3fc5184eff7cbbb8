/* launch: starts a program stopped before exec, so that probes can be attached (filtered to its
 * pid) before its first instruction runs. fork → child waits on a pipe → caller attaches →
 * launch__release() → child execs. */
#ifndef MAPSCOPE_COLLECT_LAUNCH_H
#define MAPSCOPE_COLLECT_LAUNCH_H

#include <limits.h>
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
/* Waits for the child; returns its exit status (128+signal if killed), or -errno. */
int launch__wait(struct launch *l);

#endif
