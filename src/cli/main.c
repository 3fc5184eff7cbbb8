/* mapscope: see inside the maps of a running Go program. One dispatcher (cli__select) over a
 * table of commands, at every level: a command with subcommands (sim) is a table of its own.
 * Each command parses its own options and reports errors once through err__report(). */
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
	{ "sim", NULL, "offline simulator of Go's map layouts (occupancy, growth, planning)", NULL,
	  &cmd_sim_level },
};

static const char top_head[] =
	"Usage: mapscope COMMAND [OPTIONS]\n\n"
	"See inside the maps of a running Go program: which maps exist, how big and how full\n"
	"they are, how they grow, which keys are hottest. No code change, no restart.\n\n"
	"Commands:\n";

static const char top_foot[] =
	"\nRun 'mapscope COMMAND --help' for a command's options, or see docs/.\n"
	"Options: -h, --help   this text;  -V, --version   print the version\n";

static const struct cli_level top = {
	.cmds = commands,
	.n = sizeof(commands) / sizeof(commands[0]),
	.width = 10,
	.head = top_head,
	.foot = top_foot,
};

void cli__usage(const struct cli_level *lv, FILE *out)
{
	fputs(lv->head, out);
	for (size_t i = 0; i < lv->n; i++)
		fprintf(out, "  %-*s %s\n", lv->width, lv->cmds[i].name, lv->cmds[i].summary);
	fputs(lv->foot, out);
}

int cli__help(const struct cli_cmd *c)
{
	if (c->sub)
		cli__usage(c->sub, stdout);
	else
		fputs(c->usage, stdout);
	return MS_EXIT_OK;
}

const struct cli_cmd *cli__find(const struct cli_level *lv, const char *name)
{
	for (size_t i = 0; i < lv->n; i++)
		if (!strcmp(lv->cmds[i].name, name))
			return &lv->cmds[i];
	return NULL;
}

/* "a, b or c": lv's command names, for the error that asks for one. */
static void names(const struct cli_level *lv, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < lv->n && len < size; i++) {
		const char *sep = !i ? "" : i + 1 < lv->n ? ", " : " or ";
		int w = snprintf(buf + len, size - len, "%s%s", sep, lv->cmds[i].name);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

int cli__select(const struct cli_level *lv, int argc, char **argv)
{
	const char *kind = lv->name ? "subcommand" : "command";
	const struct cli_cmd *c;
	char list[256];

	if (argc < 2) {
		names(lv, list, sizeof(list));
		return err__usage(lv->name, "give a %s: %s", kind, list);
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		cli__usage(lv, stdout);
		return MS_EXIT_OK;
	}
	c = cli__find(lv, argv[1]);
	if (!c)
		return err__usage(lv->name, "unknown %s '%s'", kind, argv[1]);
	return c->sub ? cli__select(c->sub, argc - 1, argv + 1) : c->run(argc - 1, argv + 1);
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
	const struct cli_cmd *c;
	const char *name;

	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));

	if (argc < 2) {
		cli__usage(&top, stderr);
		return MS_EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
		if (!strcmp(name, "help") && argc > 2) {
			c = cli__find(&top, argv[2]);
			return c ? cli__help(c) : err__usage(NULL, "unknown command '%s'", argv[2]);
		}
		cli__usage(&top, stdout);
		return MS_EXIT_OK;
	}
	if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
		printf("mapscope %s\n", MAPSCOPE_VERSION);
		return MS_EXIT_OK;
	}
	if (calib__check_env())
		return err__usage(NULL, "%s", err__msg());
	return cli__select(&top, argc, argv);
}
