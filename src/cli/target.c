/* What the tracing commands (-p PID or -- PROGRAM) share: the target, stopping, time. */
#include "cli/cli.h"

#include "collect/bpferr.h"
#include "core/err.h"
#include "inspect/gobin.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	return 0;
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
