/* mapscope info: what mapscope sees in a Go binary. */
#include "cli/cli.h"
#include "core/err.h"
#include "core/json.h"
#include "inspect/gobin.h"
#include "inspect/pclntab.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>
#include <inttypes.h>
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

static void print_json(const struct gobin *gb)
{
	struct json *j = json__new(stdout);

	json__obj_begin(j);
	json__key(j, "path");
	json__str(j, gb->path);
	json__key(j, "go_version");
	json__str(j, gb->bi.version);
	json__key(j, "layout");
	json__str(j, goversion__layout_name(gb->maps));
	json__key(j, "stripped");
	json__bool(j, gb->stripped);
	json__key(j, "pie");
	json__bool(j, gb->pie);
	json__key(j, "cgo");
	json__bool(j, gb->cgo);
	json__key(j, "symbols_from");
	json__str(j, gb->symbols_from);
	json__key(j, "text_start");
	json__hex(j, pclntab__text_start(gb->pcln));
	json__key(j, "text_start_from");
	json__str(j, pclntab__text_source(gb->pcln));
	json__key(j, "functions");
	json__arr_begin(j);
	for (size_t i = 0; i < gb->nfuncs; i++) {
		const struct gobin_func *f = &gb->funcs[i];

		json__obj_begin(j);
		json__key(j, "name");
		json__str(j, f->name);
		json__key(j, "role");
		json__str(j, gobin__role_name(f->role));
		json__key(j, "addr");
		json__hex(j, f->addr);
		json__key(j, "file_offset");
		json__hex(j, f->file_offset);
		json__key(j, "size");
		json__uint(j, f->size);
		json__key(j, "probe_offset");
		if (f->probe.insn == PROBE_NONE)
			json__null(j);
		else
			json__uint(j, f->probe.offset);
		json__key(j, "probe_insn");
		if (f->probe.insn == PROBE_NONE)
			json__null(j);
		else
			json__str(j, prologue__insn_name(f->probe.insn));
		json__key(j, "ret_offsets");
		json__arr_begin(j);
		for (size_t k = 0; k < f->nrets; k++)
			json__uint(j, f->rets[k]);
		json__arr_end(j);
		if (f->done_offset) {
			json__key(j, "done_offset");
			json__uint(j, f->done_offset);
		}
		json__obj_end(j);
	}
	json__arr_end(j);
	json__key(j, "supported");
	json__bool(j, gb->supported);
	if (!gb->supported) {
		json__key(j, "reason");
		json__str(j, gb->reason);
	}
	json__obj_end(j);
	json__free(j);
}

static void print_text(const struct gobin *gb)
{
	size_t probed = 0;

	printf("%s\n", gb->path);
	printf("  Go version:  %s (%s maps)\n", gb->bi.version, goversion__layout_name(gb->maps));
	printf("  build:       %s, %s, %s\n", gb->stripped ? "stripped" : "with symbols",
	       gb->pie ? "PIE" : "not PIE", gb->cgo ? "cgo" : "no cgo");
	printf("  symbols:     %s (runtime.text 0x%" PRIx64 " from the %s)\n", gb->symbols_from,
	       pclntab__text_start(gb->pcln),
	       strcmp(pclntab__text_source(gb->pcln), "header") == 0 ? "pclntab header"
								     : "module data");
	printf("  map functions:\n");
	for (size_t i = 0; i < gb->nfuncs; i++) {
		const struct gobin_func *f = &gb->funcs[i];

		printf("    %-46s 0x%-8" PRIx64 " %-6s", f->name, f->addr, gobin__role_name(f->role));
		if (f->probe.insn == PROBE_NONE) {
			printf(" no probe site (no stack-check prologue)\n");
			continue;
		}
		probed++;
		printf(" probe +%-3u %-4s", f->probe.offset, prologue__insn_name(f->probe.insn));
		if (f->nrets)
			printf("  %zu ret%s", f->nrets, f->nrets == 1 ? "" : "s");
		if (f->done_offset)
			printf("  growth done +%u", f->done_offset);
		putchar('\n');
	}
	printf("  %zu functions, %zu with a probe site\n", gb->nfuncs, probed);
	if (gb->supported)
		printf("  supported:   yes\n");
	else
		printf("  supported:   no: %s\n", gb->reason);
}

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
		print_json(gb);
	else
		print_text(gb);
	gobin__free(gb);
	return MS_EXIT_OK;
}
