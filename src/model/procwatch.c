#include "model/procwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads /proc/PID/stat: the state letter (0 if unknown) and the start time (0 if unknown). */
static void proc_stat(int pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	*state = 0;
	*start = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	/* The command name (field 2) may hold spaces and parentheses: count from its end. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return;
	*state = p[2];
	for (int f = 2; p && f < 22; f++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, "%llu", start) != 1)
		*start = 0;
}

/* True for a zombie, and for a process that is gone or cannot be read. */
static bool is_zombie(int pid)
{
	unsigned long long v;
	char state;

	proc_stat(pid, &state, &v);
	return state == 0 || state == 'Z' || state == 'X';
}

char procwatch__state(int pid)
{
	unsigned long long v;
	char state;

	proc_stat(pid, &state, &v);
	return state;
}

unsigned long long procwatch__start_time(int pid)
{
	unsigned long long v;
	char state;

	proc_stat(pid, &state, &v);
	return v;
}

int procwatch__init(struct procwatch *w, int pid)
{
	char path[64];
	struct stat st;

	memset(w, 0, sizeof(*w));
	w->pid = pid;
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return -ESRCH;
	w->start_time = procwatch__start_time(pid);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (stat(path, &st) == 0) {
		w->dev = st.st_dev;
		w->ino = st.st_ino;
	}
	return 0;
}

enum procwatch_fate procwatch__check(struct procwatch *w, uint64_t now_ns)
{
	char path[64];
	struct stat st;

	if (kill(w->pid, 0) != 0 && errno == ESRCH)
		return PROCWATCH_EXITED;
	snprintf(path, sizeof(path), "/proc/%d/exe", w->pid);
	if (!w->ino || stat(path, &st) != 0) {
		/* A zombie has no memory and so no exe. A process in the middle of an exec has
		 * none either, for a moment, and may even show as a zombie then (procwatch.h). */
		if (w->ino && errno == ENOENT && is_zombie(w->pid)) {
			if (!w->zombie_ns)
				w->zombie_ns = now_ns;
			return now_ns - w->zombie_ns >= PROCWATCH_ZOMBIE_NS ? PROCWATCH_EXITED
									    : PROCWATCH_RUNNING;
		}
		w->zombie_ns = 0;
		return PROCWATCH_RUNNING;
	}
	w->zombie_ns = 0;
	if (st.st_dev == w->dev && st.st_ino == w->ino)
		return PROCWATCH_RUNNING;
	if (w->start_time && procwatch__start_time(w->pid) != w->start_time)
		return PROCWATCH_EXITED;
	return PROCWATCH_EXECED;
}
