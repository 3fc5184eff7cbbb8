/* What the tracing commands (-p PID or -- PROGRAM) share: their options, stopping. */
#include "cli/cli.h"
#include "core/err.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
