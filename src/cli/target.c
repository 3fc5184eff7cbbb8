/* The target of a tracing command, shared by the commands that take -p PID or -- PROGRAM. */
#include "cli/cli.h"

#include "core/err.h"
#include "inspect/gobin.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>

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
		err__report(ret, "%s", path);
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
