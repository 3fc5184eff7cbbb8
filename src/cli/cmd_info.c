/* mapscope info: what mapscope sees in a Go binary. */
#include "cli/cli.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "output/info.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

const char cmd_info_usage[] =
	"Usage: mapscope info (BINARY | -p PID) [--json] [--assume-go VERSION] [--symbols SRC]\n"
	"\n"
	"Shows what mapscope sees in a Go binary: its Go version and map layout (classic or\n"
	"Swiss), whether it is stripped, PIE or cgo, where function addresses come from, every\n"
	"map function with its probe site (the first kernel-emulated instruction after the stack\n"
	"check: push %rbp, or the jbe) and, for growth functions, their RET offsets. Ends with\n"
	"whether mapscope can trace it, and why not.\n"
	"\n"
	"  -p, --pid PID          inspect the executable of a running process\n"
	"      --json             one JSON object instead of text\n"
	"      --assume-go VER    treat a binary newer than mapscope knows as VER (e.g. go1.27)\n"
	"      --symbols SRC      auto (default), symtab or pclntab: where addresses come from\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 when the binary was read (even if unsupported), 1 if it is not a readable\n"
	"Go program, 2 for a usage error. See docs/info.md.\n";

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "assume-go", required_argument, NULL, 'a' },
		{ "symbols", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gobin_opts gopts = { 0 };
	char procexe[64];
	const char *path = NULL;
	struct gobin *gb;
	bool json = false;
	int pid = 0, c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pid = cli__parse_pid("info", optarg);
			if (pid < 0)
				return MS_EXIT_USAGE;
			break;
		case 'j':
			json = true;
			break;
		case 'a':
			gopts.assume_go = optarg;
			break;
		case 's':
			if (!strcmp(optarg, "auto"))
				gopts.syms = GOBIN_SYMS_AUTO;
			else if (!strcmp(optarg, "symtab"))
				gopts.syms = GOBIN_SYMS_SYMTAB;
			else if (!strcmp(optarg, "pclntab"))
				gopts.syms = GOBIN_SYMS_PCLNTAB;
			else
				return err__usage("info", "--symbols takes auto, symtab or pclntab, not '%s'",
						  optarg);
			break;
		case 'h':
			fputs(cmd_info_usage, stdout);
			return MS_EXIT_OK;
		case ':':
			return err__usage("info", "option '%s' needs a value", argv[optind - 1]);
		default:
			return err__usage("info", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		path = argv[optind++];
	if (optind < argc)
		return err__usage("info", "unexpected argument '%s'", argv[optind]);
	if (!path == !pid)
		return err__usage("info", "give either a BINARY or -p PID");
	if (pid) {
		snprintf(procexe, sizeof(procexe), "/proc/%d/exe", pid);
		if (access(procexe, F_OK) != 0 && kill(pid, 0) != 0 && errno == ESRCH)
			return err__report(0, "no process with PID %d", pid);
		path = procexe;
	}
	ret = gobin__open(path, &gopts, &gb);
	if (ret)
		return err__report(ret, "%s", pid ? procexe : path);
	if (pid) {
		ssize_t n = readlink(procexe, gb->path, sizeof(gb->path) - 1);

		if (n > 0)
			gb->path[n] = '\0';
	}
	if (json)
		info__json(stdout, gb);
	else
		info__plain(stdout, gb);
	gobin__free(gb);
	return MS_EXIT_OK;
}
