#include "collect/target.h"

#include "collect/bpferr.h"
#include "core/clock.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "model/procwatch.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int target__open(char **argv, int pid, struct target *t)
{
	const char *path;
	int ret;

	t->gb = NULL;
	t->l.pid = 0;
	t->l.go_fd = -1;
	t->leave_running = false;
	if (argv) {
		ret = launch__start(argv, &t->l);
		if (ret) {
			err__report(ret, NULL);
			return ret;
		}
		t->pid = t->l.pid;
		path = t->l.path;
	} else {
		t->pid = pid;
		snprintf(t->exe, sizeof(t->exe), "/proc/%d/exe", pid);
		if (procwatch__init(&t->pw, pid)) {
			err__report(0, "no process with PID %d", pid);
			return -ESRCH;
		}
		path = t->exe;
	}
	t->launched = argv != NULL;
	t->fate = TARGET_RUNNING;
	t->status = -1;
	t->dev = 0;
	t->ino = 0;
	ret = gobin__open(path, NULL, &t->gb);
	if (ret) {
		/* Another user's program: its /proc/PID/exe (and memory) need CAP_SYS_PTRACE; say
		 * every capability tracing needs, once, rather than fail again at the next one. */
		if (!argv && (ret == -EACCES || ret == -EPERM)) {
			bpferr__explain(ret, path);
			err__report(ret, NULL);
		} else if (!argv && ret == -ENOENT) {
			/* Its exe goes with it: a process that exited (or is a zombie). */
			err__report(0, "process %d exited before mapscope could read its binary",
				    pid);
		} else {
			err__report(ret, "%s", path);
		}
		return ret;
	}
	if (!t->gb->supported) {
		err__report(0, "%s: cannot trace: %s", t->gb->path, t->gb->reason);
		return -ENOTSUP;
	}
	if (argv) {
		struct stat st;

		if (stat(path, &st) == 0) {
			t->dev = st.st_dev;
			t->ino = st.st_ino;
		}
	}
	return 0;
}

static enum target_fate fated(struct target *t, enum target_fate fate, int *status)
{
	t->fate = fate;
	*status = t->status;
	return fate;
}

enum target_fate target__check(struct target *t, int *status)
{
	struct stat st, self;
	char path[64];
	int ws;

	*status = t->status;
	if (t->fate != TARGET_RUNNING)
		return t->fate;
	if (!t->launched) {
		switch (procwatch__check(&t->pw, clock__ns(CLOCK_MONOTONIC))) {
		case PROCWATCH_EXITED:
			return fated(t, TARGET_EXITED, status);
		case PROCWATCH_EXECED:
			return fated(t, TARGET_EXECED, status);
		default:
			return TARGET_RUNNING;
		}
	}
	/* Reaped already: waitpid(0) would ask about any child instead. */
	if (t->l.pid <= 0)
		return fated(t, TARGET_EXITED, status);
	if (waitpid(t->l.pid, &ws, WNOHANG) == t->l.pid) {
		t->l.pid = 0;
		t->status = ws;
		return fated(t, TARGET_EXITED, status);
	}
	/* A binary we could not stat: only its exit is seen. A zombie has no exe either, and
	 * waitpid reaps it next time. */
	snprintf(path, sizeof(path), "/proc/%d/exe", t->pid);
	if (!t->ino || stat(path, &st) != 0)
		return TARGET_RUNNING;
	if (st.st_dev == t->dev && st.st_ino == t->ino)
		return TARGET_RUNNING;
	/* Until its exec the child runs mapscope's own binary. */
	if (stat("/proc/self/exe", &self) == 0 && st.st_dev == self.st_dev &&
	    st.st_ino == self.st_ino)
		return TARGET_RUNNING;
	/* The new program is not ours to wait for: it goes on when mapscope stops. */
	t->l.pid = 0;
	return fated(t, TARGET_EXECED, status);
}

void target__gone(const struct target *t, enum target_fate fate, int status)
{
	char who[64], exe[PATH_MAX], path[64];
	ssize_t n;

	if (t->launched)
		snprintf(who, sizeof(who), "the program (PID %d)", t->pid);
	else
		snprintf(who, sizeof(who), "process %d", t->pid);
	if (fate == TARGET_EXECED) {
		snprintf(path, sizeof(path), "/proc/%d/exe", t->pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = 0;
		fprintf(stderr, "mapscope: %s executed another program (%s): its maps are gone%s\n",
			who, n > 0 ? exe : "?", t->launched ? "; it keeps running" : "");
	} else if (fate == TARGET_EXITED && status != -1 && WIFSIGNALED(status)) {
		const char *name = sigabbrev_np(WTERMSIG(status));

		fprintf(stderr, "mapscope: %s was killed by signal %d (SIG%s)\n", who,
			WTERMSIG(status), name ? name : "?");
	} else if (fate == TARGET_EXITED && status != -1) {
		fprintf(stderr, "mapscope: %s exited with status %d\n", who, WEXITSTATUS(status));
	} else if (fate == TARGET_EXITED) {
		fprintf(stderr, "mapscope: %s exited\n", who);
	}
}

/* How long an attached process that vanished under an attach may take to read as gone: it is
 * a zombie for up to PROCWATCH_ZOMBIE_NS first. */
#define ATTACH_GONE_WAIT_NS (2 * PROCWATCH_ZOMBIE_NS)

bool target__ended(struct target *t)
{
	struct timespec tick = { 0, 10000000 };
	uint64_t until = clock__ns(CLOCK_MONOTONIC) + ATTACH_GONE_WAIT_NS;

	if (t->launched)
		return target__check(t, &t->status) != TARGET_RUNNING;
	while (target__check(t, &t->status) == TARGET_RUNNING && clock__ns(CLOCK_MONOTONIC) < until)
		nanosleep(&tick, NULL);
	return t->fate != TARGET_RUNNING;
}

int target__attach_failed(struct target *t, int err)
{
	/* A launched program is held before its exec until the probes are in: it cannot end. */
	if (!target__ended(t)) {
		err__report(err, NULL);
		return err;
	}
	err__clear();
	target__gone(t, t->fate, t->status);
	return TARGET_ENDED_IN_ATTACH;
}

void target__close(struct target *t)
{
	launch__end(&t->l, t->leave_running);
	gobin__free(t->gb);
	t->gb = NULL;
}
