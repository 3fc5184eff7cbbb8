/* cli: the command table and helpers shared by the cmd_<name>.c files. */
#ifndef MAPSCOPE_CLI_CLI_H
#define MAPSCOPE_CLI_CLI_H

#include "collect/launch.h"
#include "model/procwatch.h"

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

/* What became of a target: see cli__target_check. */
enum cli_fate {
	CLI_RUNNING,
	CLI_EXITED, /* gone, or a zombie whose memory is gone */
	CLI_EXECED, /* still there, running another program: the traced maps are gone */
};

/* A tracing command's target: a launched program or a running process, and its binary. */
struct cli_target {
	struct launch l; /* l.pid > 0 while a launched program has not been waited for */
	struct gobin *gb;
	int pid;
	char exe[64];
	/* A launched program's file: once its /proc/PID/exe is another file (and not mapscope's
	 * own, which it runs until its exec), it has executed another program. */
	dev_t dev;
	ino_t ino;
	struct procwatch pw; /* an attached process's */
	bool launched;
	bool leave_running; /* a launched program still running at the end is left, not ended */
	enum cli_fate fate; /* what cli__target_check found last */
	int status;
};

/* Opens the target: argv launches a program held before its exec (launch__release lets it run
 * once the probes are attached), else pid is a running process. Fails unless its binary can be
 * traced. Every error is reported here; returns 0 or a negative errno. Close in either case. */
int cli__target_open(char **argv, int pid, struct cli_target *t);
/* What cli__attach_failed returns for a target that ended during the attach: positive, unlike
 * every error. */
#define CLI_ENDED_IN_ATTACH 1
/* After a failed attach: when the target has ended meanwhile (its probes' process went away
 * under the attach), says so as any end of the target is said and returns CLI_ENDED_IN_ATTACH,
 * on which the command exits 0 as it does when its target ends; otherwise reports err once and
 * returns it.
 * Waits up to 0.4 s for an attached process that is still a zombie. */
int cli__attach_failed(struct cli_target *t, int err);
/* Whether the target has ended (t->fate, t->status say how), after a probe failed to attach: an
 * attached process is given up to 0.4 s to read as gone. */
bool cli__target_ended(struct cli_target *t);
/* Ends a launched program that was never released; one still running is sent SIGTERM, then
 * SIGKILL 5 s later, and reaped (or left running: leave_running); frees the binary. */
void cli__target_close(struct cli_target *t);
/* Never blocks. A launched program that exited is reaped here (*status: its wait status, else
 * -1). After CLI_EXECED a launched program is no longer waited for: it keeps running. An
 * attached process's exit is seen once it is gone, or PROCWATCH_ZOMBIE_NS after it became a
 * zombie: callers check in a loop. */
enum cli_fate cli__target_check(struct cli_target *t, int *status);
/* Says on stderr, in one line, how the target ended (fate from cli__target_check). */
void cli__target_gone(const struct cli_target *t, enum cli_fate fate, int status);
/* Set by SIGINT or SIGTERM once cli__catch_stop() ran: a tracing loop ends, reports, detaches. */
extern volatile sig_atomic_t cli__stop;
void cli__catch_stop(void);
/* Clock c in nanoseconds. */
uint64_t cli__now_ns(clockid_t c);
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
