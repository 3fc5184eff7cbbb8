/* err: the one place where mapscope reports an error to the user.
 *
 * Functions deeper down return 0 or a negative errno and may record a message with err__set();
 * the command at the top prints it once with err__report(). Exit codes follow DESIGN.md: usage
 * errors 2, every other failure 1. */
#ifndef MAPSCOPE_CORE_ERR_H
#define MAPSCOPE_CORE_ERR_H

#include <stdbool.h>

enum {
	MS_EXIT_OK = 0,
	MS_EXIT_FAIL = 1,
	MS_EXIT_USAGE = 2,
};

/* Records a message describing the most recent failure; replaces any earlier one. */
void err__set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The recorded message, or NULL. */
const char *err__msg(void);
void err__clear(void);

/* Prints "mapscope: <message>" on stderr, one line. With no argument-supplied message, prints the
 * recorded one (or a description of -errnum). Returns MS_EXIT_FAIL so a command can
 * `return err__report(...)`. */
int err__report(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same for a usage error; returns MS_EXIT_USAGE and appends a pointer to --help. */
int err__usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* clang's static analyzer (clang-tidy) sees one file at a time and would otherwise assume that
 * `return err__usage(...)` may return 0, then report the success path of every caller's
 * argument parsing; for it, and only for it, the two return their constant. */
#if defined(__clang_analyzer__) && !defined(MAPSCOPE_ERR_DEFINES)
#define err__report(...) (err__report(__VA_ARGS__), MS_EXIT_FAIL)
#define err__usage(...) (err__usage(__VA_ARGS__), MS_EXIT_USAGE)
#endif

#endif
