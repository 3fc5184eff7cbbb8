/* What the tracing commands (-p PID or -- PROGRAM) share: the target, stopping, time. */
#include "cli/cli.h"

#include "collect/bpferr.h"
#include "core/err.h"
#include "inspect/gobin.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot (0 if
 * unknown). An exec keeps it; a new process on a reused PID has another. */
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

static unsigned long long start_time(int pid)
{
	unsigned long long v;
	char state;

	proc_stat(pid, &state, &v);
	return v;
}

int cli__target_open(char **argv, int pid, struct cli_target *t)
{
	const char *path;
	int ret;

	t->gb = NULL;
	t->l.pid = 0;
	t->l.go_fd = -1;
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
		if (kill(pid, 0) != 0 && errno == ESRCH) {
			err__report(0, "no process with PID %d", pid);
			return -ESRCH;
		}
		path = t->exe;
	}
	t->launched = argv != NULL;
	t->fate = CLI_RUNNING;
	t->status = -1;
	t->dev = 0;
	t->ino = 0;
	t->zombie_ns = 0;
	t->start_time = argv ? 0 : start_time(pid);
	ret = gobin__open(path, NULL, &t->gb);
	if (ret) {
		/* Another user's program: its /proc/PID/exe (and memory) need CAP_SYS_PTRACE; say
		 * every capability tracing needs, once, rather than fail again at the next one. */
		if (!argv && (ret == -EACCES || ret == -EPERM)) {
			bpferr__explain(ret, path);
			err__report(ret, NULL);
		} else {
			err__report(ret, "%s", path);
		}
		return ret;
	}
	if (!t->gb->supported) {
		err__report(0, "%s: cannot trace: %s", t->gb->path, t->gb->reason);
		return -ENOTSUP;
	}
	{
		struct stat st;

		if (stat(path, &st) == 0) {
			t->dev = st.st_dev;
			t->ino = st.st_ino;
		}
	}
	return 0;
}

static enum cli_fate fated(struct cli_target *t, enum cli_fate fate, int *status)
{
	t->fate = fate;
	*status = t->status;
	return fate;
}

enum cli_fate cli__target_check(struct cli_target *t, int *status)
{
	struct stat st, self;
	char path[64];
	int ws;

	*status = t->status;
	if (t->fate != CLI_RUNNING)
		return t->fate;
	if (t->launched) {
		/* Reaped already: waitpid(0) would ask about any child instead. */
		if (t->l.pid <= 0)
			return fated(t, CLI_EXITED, status);
		if (waitpid(t->l.pid, &ws, WNOHANG) == t->l.pid) {
			t->l.pid = 0;
			t->status = ws;
			return fated(t, CLI_EXITED, status);
		}
	} else if (kill(t->pid, 0) != 0 && errno == ESRCH) {
		return fated(t, CLI_EXITED, status);
	}
	/* Not a process we may look at, or a binary we could not stat: only its exit is seen. */
	snprintf(path, sizeof(path), "/proc/%d/exe", t->pid);
	if (!t->ino || stat(path, &st) != 0) {
		/* A zombie has no memory and so no exe; waitpid reaps a launched one next time.
		 * A process in the middle of an exec has none either, for a moment, and when a
		 * thread other than the leader execs, the old leader is even a zombie under the
		 * PID until that thread takes it over (measured: in every such exec, with any
		 * thread count). So a zombie is the end only once it has stayed one a while. */
		if (!t->launched && t->ino && errno == ENOENT && is_zombie(t->pid)) {
			uint64_t now = cli__now_ns(CLOCK_MONOTONIC);

			if (!t->zombie_ns)
				t->zombie_ns = now;
			if (now - t->zombie_ns >= CLI_ZOMBIE_NS)
				return fated(t, CLI_EXITED, status);
			return CLI_RUNNING;
		}
		t->zombie_ns = 0;
		return CLI_RUNNING;
	}
	t->zombie_ns = 0;
	if (st.st_dev == t->dev && st.st_ino == t->ino)
		return CLI_RUNNING;
	if (t->launched) {
		/* Until its exec the child runs mapscope's own binary. */
		if (stat("/proc/self/exe", &self) == 0 && st.st_dev == self.st_dev &&
		    st.st_ino == self.st_ino)
			return CLI_RUNNING;
		/* The new program is not ours to wait for: it goes on when mapscope stops. */
		t->l.pid = 0;
	} else if (t->start_time && start_time(t->pid) != t->start_time) {
		return fated(t, CLI_EXITED, status);
	}
	return fated(t, CLI_EXECED, status);
}

void cli__target_gone(const struct cli_target *t, enum cli_fate fate, int status)
{
	char who[64], exe[PATH_MAX], path[64];
	ssize_t n;

	if (t->launched)
		snprintf(who, sizeof(who), "the program (PID %d)", t->pid);
	else
		snprintf(who, sizeof(who), "process %d", t->pid);
	if (fate == CLI_EXECED) {
		snprintf(path, sizeof(path), "/proc/%d/exe", t->pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = 0;
		fprintf(stderr, "mapscope: %s executed another program (%s): its maps are gone%s\n",
			who, n > 0 ? exe : "?", t->launched ? "; it keeps running" : "");
	} else if (fate == CLI_EXITED && status != -1 && WIFSIGNALED(status)) {
		const char *name = sigabbrev_np(WTERMSIG(status));

		fprintf(stderr, "mapscope: %s was killed by signal %d (SIG%s)\n", who,
			WTERMSIG(status), name ? name : "?");
	} else if (fate == CLI_EXITED && status != -1) {
		fprintf(stderr, "mapscope: %s exited with status %d\n", who, WEXITSTATUS(status));
	} else if (fate == CLI_EXITED) {
		fprintf(stderr, "mapscope: %s exited\n", who);
	}
}

void cli__target_close(struct cli_target *t)
{
	launch__abort(&t->l);
	gobin__free(t->gb);
	t->gb = NULL;
}

volatile sig_atomic_t cli__stop;

static void on_stop(int sig)
{
	(void)sig;
	cli__stop = 1;
}

void cli__catch_stop(void)
{
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
}

uint64_t cli__now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int cli__parse_seconds(const char *arg, double *out)
{
	char *end;

	*out = strtod(arg, &end);
	return end != arg && !*end && *out > 0 ? 0 : -1;
}

int cli__parse_pct(const char *arg, double *out)
{
	char *end;

	*out = strtod(arg, &end);
	return end == arg || *end || !(*out >= 0 && *out <= 100) ? -EINVAL : 0;
}

int cli__parse_amount(const char *arg, double *out, bool size)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || errno || !(v > 0) || v > 1e18)
		return -1;
	if (size && *end) {
		const char *units = "KMGT";
		const char *u = strchr(units, *end);

		if (!u)
			return -1;
		for (const char *k = units; k <= u; k++)
			v *= 1024;
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B')
			end++;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int cli__trace_opt(const char *cmd, int c, const char *arg, struct cli_trace *t, bool *mine)
{
	*mine = c == 'p' || c == 'd' || c == 'i';
	switch (c) {
	case 'p':
		t->pid = cli__parse_pid(cmd, arg);
		return t->pid < 0 ? MS_EXIT_USAGE : 0;
	case 'd':
		if (cli__parse_seconds(arg, &t->duration))
			return err__usage(cmd, "-d takes a positive number of seconds");
		return 0;
	case 'i':
		if (cli__parse_seconds(arg, &t->interval))
			return err__usage(cmd, "-i takes a positive number of seconds");
		return 0;
	}
	return 0;
}

int cli__trace_target(const char *cmd, int argc, char **argv, struct cli_trace *t)
{
	if (optind < argc)
		t->argv = argv + optind;
	if (!t->pid == !t->argv)
		return err__usage(cmd, "give either -p PID or -- PROGRAM [ARGS...]");
	return 0;
}
