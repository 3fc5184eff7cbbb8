/* cli: the command table and helpers shared by the cmd_<name>.c files. */
#ifndef MAPSCOPE_CLI_CLI_H
#define MAPSCOPE_CLI_CLI_H

#include "collect/target.h"
#include "core/clock.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

struct cli_level;

struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;
	const char *usage;           /* full --help text */
	const struct cli_level *sub; /* instead of run and usage: subcommands, run the same way */
};

/* One level of commands: mapscope's own, or a command's subcommands. Its --help text is head,
 * one line per command (name, summary), foot. */
struct cli_level {
	const char *name; /* the command these are the subcommands of ("sim"); NULL at the top */
	const struct cli_cmd *cmds;
	size_t n;
	int width; /* of the name column in --help */
	const char *head, *foot;
};

/* The one dispatcher, at every level (as bpftool's cmd_select): argv[1] names a command of lv,
 * which runs with argc - 1, argv + 1, so that argv[0] is its name. -h and --help print lv's
 * usage to stdout. Returns the command's exit status, or MS_EXIT_USAGE with the error reported
 * when argv[1] is missing or names no command of lv. */
int cli__select(const struct cli_level *lv, int argc, char **argv);
/* The command of lv named name, or NULL. */
const struct cli_cmd *cli__find(const struct cli_level *lv, const char *name);
/* Writes lv's --help text to out. */
void cli__usage(const struct cli_level *lv, FILE *out);

int cmd_info(int argc, char **argv);
extern const char cmd_info_usage[];
extern const struct cli_level cmd_sim_level;
int cmd_top(int argc, char **argv);
extern const char cmd_top_usage[];
int cmd_count(int argc, char **argv);
extern const char cmd_count_usage[];
int cmd_export(int argc, char **argv);
extern const char cmd_export_usage[];
int cmd_hotkeys(int argc, char **argv);
extern const char cmd_hotkeys_usage[];
int cmd_peek(int argc, char **argv);
extern const char cmd_peek_usage[];
int cmd_record(int argc, char **argv);
extern const char cmd_record_usage[];
int cmd_advise(int argc, char **argv);
extern const char cmd_advise_usage[];
int cmd_calibrate(int argc, char **argv);
extern const char cmd_calibrate_usage[];

/* Parses a PID argument; returns it, or -1 with a usage error reported. */
int cli__parse_pid(const char *cmd, const char *arg);
struct gobin;

/* What every tracing command takes: -p PID or -- PROGRAM ARGS, -d SECONDS, -i SECONDS. */
struct cli_trace {
	int pid;
	char **argv;     /* -- PROGRAM ARGS; NULL with -p */
	double duration; /* -d; 0 runs until stopped */
	double interval; /* -i */
	bool leave_running; /* --leave-running: a launched program outlives -d */
};

/* The long option every tracing command takes besides -p, -d and -i: its getopt value. */
#define CLI_OPT_LEAVE 0x4c56
#define CLI_TRACE_LONGOPTS { "leave-running", no_argument, NULL, CLI_OPT_LEAVE }
/* The usage line for it. */
#define CLI_TRACE_LEAVE_USAGE                                                                 \
	"      --leave-running  with -- and -d: leave the program running at the end (default:\n" \
	"                       SIGTERM, then SIGKILL 5 s later)\n"
/* Parses getopt's option c when it is -p, -d, -i or --leave-running (*mine says whether it was). Returns 0, or
 * MS_EXIT_USAGE with the error reported for a bad value. */
int cli__trace_opt(const char *cmd, int c, const char *arg, struct cli_trace *t, bool *mine);
/* After getopt: takes PROGRAM ARGS from argv + optind and requires exactly one of -p and --.
 * Returns 0, or MS_EXIT_USAGE with the error reported. */
int cli__trace_target(const char *cmd, int argc, char **argv, struct cli_trace *t);

/* Set by SIGINT or SIGTERM once cli__catch_stop() ran: a tracing loop ends, reports, detaches. */
extern volatile sig_atomic_t cli__stop;
void cli__catch_stop(void);
/* A positive number of seconds; returns 0, or -1 for anything else. */
int cli__parse_seconds(const char *arg, double *out);
/* A positive number, at most 1e18; with size, an optional K, M, G or T suffix (powers of 1024,
 * "Ki" and "KiB" accepted too). Returns 0, or -1 for anything else. */
int cli__parse_amount(const char *arg, double *out, bool size);
/* A percentage from 0 to 100 (--budget, --count-budget). Returns 0 or -EINVAL. */
int cli__parse_pct(const char *arg, double *out);
/* Prints the help text of a command (its subcommands' for one that has them) to stdout;
 * returns 0. */
int cli__help(const struct cli_cmd *c);

#endif
