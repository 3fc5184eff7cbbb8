#include "model/taskclock.h"

#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct tc_thread {
	int tid, fd;
	uint64_t last; /* its time at the last read */
	bool seen;     /* listed in the last scan */
};

struct taskclock {
	int pid;
	uint64_t gone;  /* the final times of threads that have exited */
	uint64_t total; /* the last sum returned */
	struct tc_thread *t;
	size_t n, cap;
};

static int event_open(int tid)
{
	struct perf_event_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	fd = syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

/* The thread's time now, or its last one if the read fails (it exited): never goes down. */
static uint64_t thread_read(struct tc_thread *t)
{
	uint64_t v;

	if (read(t->fd, &v, sizeof(v)) == sizeof(v) && v > t->last)
		t->last = v;
	return t->last;
}

static struct tc_thread *thread_find(struct taskclock *tc, int tid)
{
	for (size_t i = 0; i < tc->n; i++)
		if (tc->t[i].tid == tid)
			return &tc->t[i];
	return NULL;
}

/* Adds an event for each thread not yet followed and marks the listed ones seen. Returns 0, or
 * a negative errno when the thread list is unreadable or the first event cannot be opened. */
static int scan(struct taskclock *tc)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", tc->pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int tid = atoi(de->d_name), fd;
		struct tc_thread *t;

		if (tid <= 0)
			continue;
		t = thread_find(tc, tid);
		if (t) {
			t->seen = true;
			continue;
		}
		if (tc->n == tc->cap) {
			size_t cap = tc->cap ? tc->cap * 2 : 16;
			struct tc_thread *v = realloc(tc->t, cap * sizeof(*v));

			if (!v) {
				ret = -ENOMEM;
				break;
			}
			tc->t = v;
			tc->cap = cap;
		}
		fd = event_open(tid);
		if (fd < 0) {
			/* A thread that exited since the listing is not an error. */
			if (fd != -ESRCH && !tc->n)
				ret = fd;
			continue;
		}
		tc->t[tc->n++] = (struct tc_thread){ tid, fd, 0, true };
	}
	closedir(d);
	return ret;
}

int taskclock__open(int pid, struct taskclock **out)
{
	struct taskclock *tc = calloc(1, sizeof(*tc));
	int ret;

	*out = NULL;
	if (!tc)
		return -ENOMEM;
	tc->pid = pid;
	ret = scan(tc);
	if (!ret && !tc->n)
		ret = -ESRCH;
	if (ret) {
		taskclock__free(tc);
		return ret;
	}
	*out = tc;
	return 0;
}

void taskclock__scan(struct taskclock *tc)
{
	for (size_t i = 0; i < tc->n; i++)
		tc->t[i].seen = false;
	/* Unreadable once the process is gone: every thread is then final. */
	scan(tc);
	for (size_t i = 0; i < tc->n;) {
		struct tc_thread *t = &tc->t[i];

		if (t->seen) {
			i++;
			continue;
		}
		tc->gone += thread_read(t);
		close(t->fd);
		*t = tc->t[--tc->n];
	}
}

uint64_t taskclock__read(struct taskclock *tc)
{
	uint64_t sum = tc->gone;

	for (size_t i = 0; i < tc->n; i++)
		sum += thread_read(&tc->t[i]);
	if (sum > tc->total)
		tc->total = sum;
	return tc->total;
}

void taskclock__free(struct taskclock *tc)
{
	if (!tc)
		return;
	for (size_t i = 0; i < tc->n; i++)
		close(tc->t[i].fd);
	free(tc->t);
	free(tc);
}

uint64_t taskclock__process_ns(int pid)
{
	struct timespec ts;
	clockid_t clk;

	if (clock_getcpuclockid(pid, &clk) || clock_gettime(clk, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
