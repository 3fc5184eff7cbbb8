/* mapscope count: exact call counts of a Go program's map functions, by function. */
#include "cli/cli.h"
#include "collect/callcount.h"
#include "collect/launch.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "output/countreport.h"
#include "shared/callcount.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char cmd_count_usage[] =
	"Usage: mapscope count (-p PID | -- PROGRAM [ARGS...]) [-d SECONDS] [--role ROLES]\n"
	"                      [--at probe|entry] [--json]\n"
	"\n"
	"Counts every call to the program's map functions (runtime.mapassign_fast64 and friends)\n"
	"with uprobes at the sites `mapscope info` lists, and prints the counts by function.\n"
	"With -- PROGRAM, the probes are in place before the program's first instruction and the\n"
	"report follows its exit. With -p, counting stops after -d SECONDS or on Ctrl-C, and the\n"
	"target keeps running.\n"
	"\n"
	"Every call costs the target about 1 us: this is an exact, expensive count for short runs\n"
	"and experiments, not for production traffic.\n"
	"\n"
	"  -p, --pid PID        attach to a running process\n"
	"  -d, --duration S     stop after S seconds (attach mode)\n"
	"      --role ROLES     comma-separated: create,assign,access,delete,clear,iter,grow\n"
	"                       (default: all of them)\n"
	"      --at SITE        probe (default): the emulated instruction after the stack check;\n"
	"                       entry: the first instruction (single-stepped, ~10x dearer; for\n"
	"                       measuring what the probe site saves)\n"
	"      --json           one JSON object\n"
	"  -h, --help           this text\n"
	"\n"
	"Needs root, or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE. See docs/count.md.\n";

struct count_opts {
	struct cli_trace t; /* -p or --, -d */
	unsigned roles;
	bool at_entry, json;
};

static int parse_roles(const char *arg, unsigned *roles)
{
	char buf[128], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", arg);
	*roles = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int r;

		for (r = MF_CREATE; r < MF_FATAL; r++)
			if (!strcmp(tok, gobin__role_name(r)))
				break;
		if (r == MF_FATAL)
			return err__usage("count", "unknown role '%s'", tok);
		*roles |= 1u << r;
	}
	return *roles ? 0 : err__usage("count", "--role needs at least one role");
}

static int parse_args(int argc, char **argv, struct count_opts *o)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },  { "duration", required_argument, NULL, 'd' },
		{ "role", required_argument, NULL, 'r' }, { "at", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },       { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->roles = (1u << MF_FATAL) - 1; /* the map functions' roles come first */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:d:h", opts, NULL)) != -1) {
		bool mine;
		int r = cli__trace_opt("count", c, optarg, &o->t, &mine);

		if (r)
			return r;
		if (mine)
			continue;
		switch (c) {
		case 'r':
			if (parse_roles(optarg, &o->roles))
				return MS_EXIT_USAGE;
			break;
		case 'a':
			if (strcmp(optarg, "probe") && strcmp(optarg, "entry"))
				return err__usage("count", "--at takes probe or entry, not '%s'", optarg);
			o->at_entry = !strcmp(optarg, "entry");
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			fputs(cmd_count_usage, stdout);
			return -1;
		case ':':
			return err__usage("count", "option '%s' needs a value", argv[optind - 1]);
		default:
			return err__usage("count", "unknown option '%s'", argv[optind - 1]);
		}
	}
	return cli__trace_target("count", argc, argv, &o->t);
}

/* Attaches one probe per selected function; index i of gb->funcs is site i. */
static int attach_all(struct callcount *cc, const struct gobin *gb, const struct count_opts *o,
		      pid_t pid)
{
	size_t n = 0;

	for (size_t i = 0; i < gb->nfuncs && i < CALLCOUNT_MAX_SITES; i++) {
		const struct gobin_func *f = &gb->funcs[i];
		uint64_t off = f->file_offset;
		int ret;

		if (!(o->roles & (1u << f->role)) || f->probe.insn == PROBE_NONE)
			continue;
		if (!o->at_entry)
			off += f->probe.offset;
		ret = callcount__attach(cc, gb->path, pid, off,
					!o->at_entry && f->probe.insn == PROBE_JCC, (unsigned)i);
		if (ret)
			return ret;
		n++;
	}
	if (!n) {
		err__set("no map function of the selected roles has a probe site in %s", gb->path);
		return -ENOENT;
	}
	return 0;
}

/* The counts of the functions attach_all probed, in the binary's order; a counter that cannot
 * be read is left out, as if it had never been attached. */
static void report(struct callcount *cc, const struct gobin *gb, const struct count_opts *o,
		   int pid)
{
	struct countreport_row rows[CALLCOUNT_MAX_SITES];
	struct countreport v = {
		.pid = pid,
		.go_version = gb->bi.version,
		.at_entry = o->at_entry,
		.rows = rows,
	};

	callcount__morestack(cc, &v.morestack);
	for (size_t i = 0; i < gb->nfuncs && i < CALLCOUNT_MAX_SITES; i++) {
		const struct gobin_func *f = &gb->funcs[i];
		struct countreport_row *r = &rows[v.nrows];

		if (!(o->roles & (1u << f->role)) || f->probe.insn == PROBE_NONE ||
		    callcount__read(cc, (unsigned)i, &r->calls))
			continue;
		r->name = f->name;
		r->role = gobin__role_name(f->role);
		v.nrows++;
	}
	if (o->json)
		countreport__json(stdout, &v);
	else
		countreport__plain(stdout, &v);
	fflush(stdout);
}

static void wait_attached(const struct count_opts *o)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	uint64_t t0 = clock__ns(CLOCK_MONOTONIC);

	while (!cli__stop && kill(o->t.pid, 0) == 0) {
		nanosleep(&tick, NULL);
		if (o->t.duration > 0 &&
		    (double)(clock__ns(CLOCK_MONOTONIC) - t0) / 1e9 >= o->t.duration)
			break;
	}
}

int cmd_count(int argc, char **argv)
{
	struct count_opts o;
	struct callcount *cc = NULL;
	struct target t;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	ret = target__open(o.t.argv, o.t.pid, &t);
	if (ret)
		goto cleanup;
	ret = callcount__open(&cc);
	if (!ret)
		ret = attach_all(cc, t.gb, &o, t.pid);
	if (ret) {
		err__report(ret, NULL);
		goto cleanup;
	}
	cli__catch_stop();
	if (o.t.argv) {
		launch__release(&t.l);
		ret = launch__wait(&t.l);
		ret = ret < 0 ? ret : 0;
	} else {
		wait_attached(&o);
	}
	report(cc, t.gb, &o, t.pid);
cleanup:
	callcount__free(cc);
	target__close(&t);
	return ret ? MS_EXIT_FAIL : MS_EXIT_OK;
}
