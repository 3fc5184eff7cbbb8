/* taskclock against the target's own truth: a child process that runs two threads and reports
 * its own CPU time (exact for a process's own clock once its other threads have ended). */
#include "model/taskclock.h"
#include "t.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SPIN_NS 30000000ull

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int gate[2]; /* the spinning threads wait on it, so that they start once seen */
static int ready[2]; /* each thread says it is up before it waits */

static void *spin(void *arg)
{
	char c = 'r';

	(void)arg;
	if (write(ready[1], &c, 1) != 1 || read(gate[0], &c, 1) != 1)
		return NULL;
	for (uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	     clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0 < SPIN_NS;)
		;
	return NULL;
}

static void say(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		_exit(1);
}

static void hear(int fd, void *p, size_t n)
{
	if (read(fd, p, n) != (ssize_t)n)
		_exit(1);
}

/* Waits for 'O', starts two threads that wait, sends its CPU time once they are up (a new
 * thread's start-up, a millisecond under ASan, runs before the scan can follow it: counted by
 * the process clock but not by the taskclock), waits for 'G', lets the threads spin, joins them,
 * sends its CPU time, then waits for the end of its input. */
static void child(int in, int out)
{
	pthread_t th[2];
	uint64_t own;
	char c;

	hear(in, &c, 1);
	if (pipe(gate) || pipe(ready))
		_exit(1);
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, spin, NULL);
	for (int i = 0; i < 2; i++)
		hear(ready[0], &c, 1);
	own = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	say(out, &own, sizeof(own));
	hear(in, &c, 1);
	say(gate[1], "xx", 2);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	own = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	say(out, &own, sizeof(own));
	while (read(in, &c, 1) > 0)
		;
	_exit(0);
}

static uint64_t diff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* A process's CPU time from when it is opened, over threads started later and ended since: what
 * the child's own clock says it ran meanwhile, but for the few system calls around its reads. */
TEST(counts_threads_started_and_ended_since_open)
{
	uint64_t own0 = 0, own1 = 0, base, mid, end, after;
	int to[2], from[2], status, ret;
	struct taskclock *tc = NULL;
	pid_t pid;

	CHECK(pipe(to) == 0 && pipe(from) == 0);
	pid = fork();
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		child(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	ret = taskclock__open(pid, &tc);
	if (ret) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		T_FAIL("taskclock__open: %d (perf events need root or CAP_PERFMON)", ret);
	}
	base = taskclock__read(tc);
	if (write(to[1], "O", 1) != 1 || read(from[0], &own0, sizeof(own0)) != sizeof(own0))
		own0 = 0;
	taskclock__scan(tc);
	mid = taskclock__read(tc);
	if (write(to[1], "G", 1) != 1 || read(from[0], &own1, sizeof(own1)) != sizeof(own1))
		own1 = 0;
	end = taskclock__read(tc);
	close(to[1]);
	waitpid(pid, &status, 0);
	taskclock__scan(tc);
	after = taskclock__read(tc);
	taskclock__free(tc);
	close(from[0]);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(own1 >= own0 + 2 * SPIN_NS);
	CHECK(base <= mid && mid <= end && end <= after);
	/* From the scan on (the child's start of its threads, 2 ms under ASan, is before it). */
	CHECK(diff(end - mid, own1 - own0) < 2000000ull);
	CHECK(after - end < 2000000ull);
}

TEST(open_fails_for_a_missing_process)
{
	struct taskclock *tc = (struct taskclock *)1;

	CHECK(taskclock__open(0x7ffffff0, &tc) < 0);
	CHECK(tc == NULL);
	taskclock__free(NULL);
}

T_MAIN()
