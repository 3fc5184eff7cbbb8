/* procwatch against what the test itself did to its children: an exec from a thread that is not
 * the leader is an exec (its old leader shows as a zombie for a moment: measured in every such
 * exec), an exit is an exit once the zombie has lasted, and a running process runs. */
#include "model/procwatch.h"
#include "t.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXECS 20

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int gate; /* the child's read end: it acts once the parent has written a byte */

static void *exec_sleep(void *arg)
{
	char c;

	(void)arg;
	if (read(gate, &c, 1) == 1)
		execl("/bin/sleep", "sleep", "5", (char *)NULL);
	_exit(1);
}

/* A child whose second thread, at the gate, execs sleep, while the leader waits. */
static pid_t exec_child(int *go)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		pthread_t th;

		close(p[1]);
		gate = p[0];
		if (pthread_create(&th, NULL, exec_sleep, NULL))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

TEST(exec_from_another_thread_is_an_exec)
{
	for (int i = 0; i < EXECS; i++) {
		enum procwatch_fate f = PROCWATCH_RUNNING;
		struct procwatch w;
		uint64_t end;
		int go = -1;
		pid_t pid = exec_child(&go);

		CHECK(pid > 0);
		CHECK_EQ(procwatch__init(&w, pid), 0);
		CHECK(w.ino != 0);
		CHECK_EQ(procwatch__check(&w, now_ns()), PROCWATCH_RUNNING);
		CHECK(write(go, "x", 1) == 1);
		/* A tight loop: the old leader is a zombie for microseconds. */
		end = now_ns() + 10000000000ull;
		while (f == PROCWATCH_RUNNING && now_ns() < end)
			f = procwatch__check(&w, now_ns());
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(go);
		if (f != PROCWATCH_EXECED)
			T_FAIL("exec %d of %d: fate %d, want PROCWATCH_EXECED (%d)", i + 1, EXECS,
			       (int)f, (int)PROCWATCH_EXECED);
	}
}

TEST(exit_is_seen_once_the_zombie_lasted_and_when_reaped)
{
	struct procwatch w;
	siginfo_t si;
	int p[2], status;
	pid_t pid;
	char c;

	CHECK(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 3 : 1);
	}
	close(p[0]);
	CHECK_EQ(procwatch__init(&w, pid), 0);
	CHECK_EQ(procwatch__check(&w, 1000), PROCWATCH_RUNNING);
	CHECK(write(p[1], "x", 1) == 1);
	close(p[1]);
	/* Exited and not reaped: a zombie from here on. */
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0);
	CHECK_EQ(procwatch__check(&w, 2000), PROCWATCH_RUNNING);
	CHECK_EQ(procwatch__check(&w, 2000 + PROCWATCH_ZOMBIE_NS - 1), PROCWATCH_RUNNING);
	CHECK_EQ(procwatch__check(&w, 2000 + PROCWATCH_ZOMBIE_NS), PROCWATCH_EXITED);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	/* Gone: at once, whatever the time. */
	CHECK_EQ(procwatch__check(&w, 3000), PROCWATCH_EXITED);
}

TEST(init_fails_for_a_missing_process)
{
	struct procwatch w;

	CHECK_EQ(procwatch__init(&w, 0x7ffffff0), -ESRCH);
}

T_MAIN()
