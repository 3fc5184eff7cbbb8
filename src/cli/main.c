/* mapscope: see inside the maps of a running Go program. One dispatcher over a table of commands;
 * each command parses its own options and reports errors once through err__report(). */
#include "cli/cli.h"
#include "collect/calib.h"
#include "core/err.h"
#include "version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_cmd commands[] = {
	{ "info", cmd_info, "what mapscope sees in a Go binary: version, layout, probe sites",
	  cmd_info_usage },
	{ "top", cmd_top, "the live inventory of a program's maps", cmd_top_usage },
	{ "count", cmd_count, "exact call counts of a program's map functions (costly; short runs)",
	  cmd_count_usage },
	{ "export", cmd_export, "Prometheus metrics of programs' maps, with limit forecasts",
	  cmd_export_usage },
	{ "peek", cmd_peek, "a uniform random sample of a live map's entries", cmd_peek_usage },
	{ "hotkeys", cmd_hotkeys, "the hottest written keys of each map, under an overhead budget",
	  cmd_hotkeys_usage },
	{ "record", cmd_record, "map writes and growths by call stack, for pprof and flame graphs",
	  cmd_record_usage },
	{ "advise", cmd_advise, "the change each map needs, with the bytes or time it saves",
	  cmd_advise_usage },
	{ "calibrate", cmd_calibrate, "what one probe hit costs a traced program on this host",
	  cmd_calibrate_usage },
	{ "sim", cmd_sim, "offline simulator of Go's map layouts (occupancy, growth, planning)",
	  cmd_sim_usage },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fputs("Usage: mapscope COMMAND [OPTIONS]\n\n"
	      "See inside the maps of a running Go program: which maps exist, how big and how full\n"
	      "they are, how they grow, which keys are hottest. No code change, no restart.\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'mapscope COMMAND --help' for a command's options, or see docs/.\n"
	      "Options: -h, --help   this text;  -V, --version   print the version\n",
	      out);
}

int cli__help(const struct cli_cmd *c)
{
	fputs(c->usage, stdout);
	return MS_EXIT_OK;
}

int cli__parse_pid(const char *cmd, const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v <= 0 || v > 0x7fffffff) {
		err__usage(cmd, "invalid PID '%s': expected a positive process id", arg);
		return -1;
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	/* Into a pipe or a file, output leaves a whole report at a time (each command flushes
	 * after one), not in stdio's 4 KiB pieces: a program started with `--` shares stdout, and
	 * its lines landed inside long JSON lines between the pieces. */
	static char out_buf[1 << 20];
	const char *name;

	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));

	if (argc < 2) {
		usage(stderr);
		return MS_EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
		if (!strcmp(name, "help") && argc > 2) {
			for (size_t i = 0; i < NCOMMANDS; i++)
				if (!strcmp(commands[i].name, argv[2]))
					return cli__help(&commands[i]);
			return err__usage(NULL, "unknown command '%s'", argv[2]);
		}
		usage(stdout);
		return MS_EXIT_OK;
	}
	if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
		printf("mapscope %s\n", MAPSCOPE_VERSION);
		return MS_EXIT_OK;
	}
	if (calib__check_env())
		return err__usage(NULL, "%s", err__msg());
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return commands[i].run(argc - 1, argv + 1);
	return err__usage(NULL, "unknown command '%s'", name);
}
