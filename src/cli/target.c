/* What the tracing commands (-p PID or -- PROGRAM) share: the target, stopping, time. */
#include "cli/cli.h"

#include "collect/bpferr.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "model/procwatch.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int cli__target_open(char **argv, int pid, struct cli_target *t)
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
	t->fate = CLI_RUNNING;
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
			err__report(0, "process %d exited before mapscope could read its binary", pid);
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
	if (!t->launched) {
		switch (procwatch__check(&t->pw, cli__now_ns(CLOCK_MONOTONIC))) {
		case PROCWATCH_EXITED:
			return fated(t, CLI_EXITED, status);
		case PROCWATCH_EXECED:
			return fated(t, CLI_EXECED, status);
		default:
			return CLI_RUNNING;
		}
	}
	/* Reaped already: waitpid(0) would ask about any child instead. */
	if (t->l.pid <= 0)
		return fated(t, CLI_EXITED, status);
	if (waitpid(t->l.pid, &ws, WNOHANG) == t->l.pid) {
		t->l.pid = 0;
		t->status = ws;
		return fated(t, CLI_EXITED, status);
	}
	/* A binary we could not stat: only its exit is seen. A zombie has no exe either, and
	 * waitpid reaps it next time. */
	snprintf(path, sizeof(path), "/proc/%d/exe", t->pid);
	if (!t->ino || stat(path, &st) != 0)
		return CLI_RUNNING;
	if (st.st_dev == t->dev && st.st_ino == t->ino)
		return CLI_RUNNING;
	/* Until its exec the child runs mapscope's own binary. */
	if (stat("/proc/self/exe", &self) == 0 && st.st_dev == self.st_dev &&
	    st.st_ino == self.st_ino)
		return CLI_RUNNING;
	/* The new program is not ours to wait for: it goes on when mapscope stops. */
	t->l.pid = 0;
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

/* How long an attached process that vanished under an attach may take to read as gone: it is
 * a zombie for up to PROCWATCH_ZOMBIE_NS first. */
#define ATTACH_GONE_WAIT_NS (2 * PROCWATCH_ZOMBIE_NS)

bool cli__target_ended(struct cli_target *t)
{
	struct timespec tick = { 0, 10000000 };
	uint64_t until = cli__now_ns(CLOCK_MONOTONIC) + ATTACH_GONE_WAIT_NS;

	if (t->launched)
		return cli__target_check(t, &t->status) != CLI_RUNNING;
	while (cli__target_check(t, &t->status) == CLI_RUNNING &&
	       cli__now_ns(CLOCK_MONOTONIC) < until)
		nanosleep(&tick, NULL);
	return t->fate != CLI_RUNNING;
}

int cli__attach_failed(struct cli_target *t, int err)
{
	/* A launched program is held before its exec until the probes are in: it cannot end. */
	if (!cli__target_ended(t)) {
		err__report(err, NULL);
		return err;
	}
	err__clear();
	cli__target_gone(t, t->fate, t->status);
	return CLI_ENDED_IN_ATTACH;
}

void cli__target_close(struct cli_target *t)
{
	launch__end(&t->l, t->leave_running);
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
	*mine = c == 'p' || c == 'd' || c == 'i' || c == CLI_OPT_LEAVE;
	switch (c) {
	case CLI_OPT_LEAVE:
		t->leave_running = true;
		return 0;
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
