/* cli: the command table and helpers shared by the cmd_<name>.c files. */
#ifndef MAPSCOPE_CLI_CLI_H
#define MAPSCOPE_CLI_CLI_H

#include <stdbool.h>

struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;
	const char *usage; /* full --help text */
};

int cmd_info(int argc, char **argv);
extern const char cmd_info_usage[];
int cmd_sim(int argc, char **argv);
extern const char cmd_sim_usage[];
int cmd_top(int argc, char **argv);
extern const char cmd_top_usage[];
int cmd_count(int argc, char **argv);
extern const char cmd_count_usage[];

/* Parses a PID argument; returns it, or -1 with a usage error reported. */
int cli__parse_pid(const char *cmd, const char *arg);
/* Prints the help text of a command to stdout; returns 0. */
int cli__help(const struct cli_cmd *c);

#endif
