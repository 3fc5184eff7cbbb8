/* mapscope advise: the change each map needs, with the bytes or time it saves. */
#include "cli/advising.h"
#include "cli/cli.h"
#include "collect/session.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "model/registry.h"
#include "output/advice.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_SECONDS 10
#define DEFAULT_MIN_BYTES (64u << 10)
#define READ_EVERY_NS 250000000ull

const char cmd_advise_usage[] =
	"Usage: mapscope advise (-p PID | -- PROGRAM [ARGS...]) [-d SECONDS] [--json]\n"
	"                       [--min-bytes SIZE] [-o FILE]\n"
	"\n"
	"The change each map of a Go program needs, with what it saves: watches the program for\n"
	"-d seconds (or until a launched program exits), then prints, by creation site and ranked\n"
	"by what they save:\n"
	"  guard       concurrent writes were seen: both writers, and a lock to add\n"
	"  rebuild     a map whose len is far below its capacity (maps never shrink)\n"
	"  slice       integer keys dense in [0, n): a slice indexed by the key\n"
	"  set         map[K]bool whose values are all true: map[K]struct{}\n"
	"  small_maps  thousands of maps of a few entries each\n"
	"  presize     maps that grew again and again to a size they kept: the make() hint\n"
	"Every byte figure is the simulator's memory model of the program's Go version for the\n"
	"map's key and value types (not a rule of thumb); presize saves the growth time measured.\n"
	"\n"
	"  -p, --pid PID        attach to a running process (it keeps running)\n"
	"  -- PROGRAM ARGS      start PROGRAM under mapscope (growth history is only seen so)\n"
	"  -d, --duration S     watch for S seconds (default 10)\n" CLI_TRACE_LEAVE_USAGE
	"      --json           one JSON object {\"advice\": [...]}, see docs/advise.md\n"
	"      --min-bytes SIZE leave out advice that saves less (default 64K; K, M, G)\n"
	"  -o, --output FILE    write the advice to FILE\n"
	"  -h, --help           this text\n"
	"\n"
	"Needs root, or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE. See docs/advise.md.\n";

struct advise_opts {
	struct cli_trace t;
	bool json;
	double min_bytes;
	const char *output;
};

static int parse_args(int argc, char **argv, struct advise_opts *o)
{
	static const struct option opts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"duration", required_argument, NULL, 'd'},
		CLI_TRACE_LONGOPTS,
		{"json", no_argument, NULL, 'j'},
		{"min-bytes", required_argument, NULL, 'm'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->t.duration = DEFAULT_SECONDS;
	o->t.interval = 1;
	o->min_bytes = DEFAULT_MIN_BYTES;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:d:o:h", opts, NULL)) != -1) {
		bool mine;
		int r = cli__trace_opt("advise", c, optarg, &o->t, &mine);

		if (r)
			return r;
		if (mine)
			continue;
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'm':
			if (cli__parse_amount(optarg, &o->min_bytes, true))
				return err__usage("advise",
						  "--min-bytes takes a size such as 64K or 1M");
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'h':
			fputs(cmd_advise_usage, stdout);
			return -1;
		case ':':
			return err__usage("advise", "option '%s' needs a value", argv[optind - 1]);
		default:
			return err__usage("advise", "unknown option '%s'", argv[optind - 1]);
		}
	}
	return cli__trace_target("advise", argc, argv, &o->t);
}

/* Watches until -d or the program's end. The maps are read 4 times a second (a batched read:
 * tens of ms for a server's 35,000 maps), often enough to see a map emptied and filled again
 * (a reused buffer is no rebuild). */
static void watch(const struct advise_opts *o, struct session *s)
{
	uint64_t next = s->start_ns + READ_EVERY_NS;

	while (!cli__stop) {
		uint64_t now = clock__ns(CLOCK_MONOTONIC);

		if (!session__step(s, now))
			break;
		if (now - s->start_ns >= (uint64_t)(o->t.duration * 1e9))
			break;
		if (now >= next) {
			session__refresh(s, now, true);
			next += READ_EVERY_NS;
		}
		session__poll(s, 10);
	}
	session__finish(s);
	if (s->exited)
		target__gone(&s->t, s->t.fate, s->status);
	else
		session__refresh(s, clock__ns(CLOCK_MONOTONIC), false);
}

int cmd_advise(int argc, char **argv)
{
	struct advising *a = NULL;
	struct advise_opts o;
	struct session s;
	FILE *out = stdout;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	if (o.output && !(out = fopen(o.output, "we")))
		return err__report(0, "cannot write %s: %s", o.output, strerror(errno));
	ret = session__open(&s, o.t.argv, o.t.pid, 1, 1);
	s.stop = &cli__stop;
	if (ret)
		goto cleanup;
	s.t.leave_running = o.t.leave_running;
	cli__catch_stop();
	session__release(&s);
	watch(&o, &s);
	ret = advising__run(&s, (uint64_t)o.min_bytes, &a);
	if (ret) {
		err__report(ret, "cannot work out the advice");
	} else {
		struct advice_frame f = {
			.pid = s.t.pid,
			.go_version = s.t.gb->bi.version,
			.maps = registry__count(s.reg),
			.seconds = (double)(clock__ns(CLOCK_MONOTONIC) - s.start_ns) / 1e9,
			.exited = s.exited,
			.min_bytes = (uint64_t)o.min_bytes,
		};

		o.json ? advice__json(out, &f, advising__list(a))
		       : advice__plain(out, &f, advising__list(a));
	}
cleanup:
	advising__free(a);
	session__close(&s);
	if (out != stdout && fclose(out) && !ret)
		ret = err__report(0, "cannot write %s: %s", o.output, strerror(errno));
	return ret && ret != TARGET_ENDED_IN_ATTACH ? MS_EXIT_FAIL : MS_EXIT_OK;
}
