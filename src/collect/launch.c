#include "collect/launch.h"

#include "core/err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int resolve(const char *cmd, char *out, size_t n)
{
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(cmd, '/')) {
		if (access(cmd, X_OK) != 0)
			return -errno;
		snprintf(out, n, "%s", cmd);
		return 0;
	}
	for (p = path ? path : "/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		snprintf(out, n, "%.*s/%s", (int)(end - p), p, cmd);
		if (end > p && access(out, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

int launch__start(char **argv, struct launch *l)
{
	int fds[2], ret;
	char c;

	memset(l, 0, sizeof(*l));
	ret = resolve(argv[0], l->path, sizeof(l->path));
	if (ret) {
		err__set("cannot run '%s': %s", argv[0], strerror(-ret));
		return ret;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	l->pid = fork();
	if (l->pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (l->pid == 0) {
		close(fds[1]);
		/* EOF (parent released or died) with no byte: exec only if released. */
		if (read(fds[0], &c, 1) != 1)
			_exit(127);
		execv(l->path, argv);
		fprintf(stderr, "mapscope: cannot exec '%s': %s\n", l->path, strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	l->go_fd = fds[1];
	return 0;
}

void launch__release(struct launch *l)
{
	char c = 'g';

	if (l->go_fd > 0) {
		if (write(l->go_fd, &c, 1) != 1)
			err__set("cannot release the launched program");
		close(l->go_fd);
		l->go_fd = -1;
	}
}

void launch__abort(struct launch *l)
{
	if (l->go_fd > 0) {
		close(l->go_fd); /* child reads EOF and exits without exec */
		l->go_fd = -1;
	}
	if (l->pid > 0)
		waitpid(l->pid, NULL, 0);
	l->pid = 0;
}

void launch__end(struct launch *l, bool leave)
{
	struct timespec tick = { 0, 10000000 };

	if (leave && l->go_fd <= 0)
		l->pid = 0; /* released and left: not ours to wait for any more */
	if (l->go_fd > 0 || l->pid <= 0) {
		launch__abort(l);
		return;
	}
	kill(l->pid, SIGTERM);
	for (uint64_t waited = 0; waited < LAUNCH_TERM_NS; waited += 10000000ull) {
		if (waitpid(l->pid, NULL, WNOHANG) == l->pid) {
			l->pid = 0;
			return;
		}
		nanosleep(&tick, NULL);
	}
	kill(l->pid, SIGKILL);
	launch__abort(l);
}

int launch__wait(struct launch *l)
{
	int status;

	while (waitpid(l->pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	l->pid = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
