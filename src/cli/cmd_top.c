/* mapscope top: the live inventory of a Go program's maps. */
#include "cli/advising.h"
#include "cli/cli.h"
#include "collect/session.h"
#include "collect/calib.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "model/cwlog.h"
#include "model/registry.h"
#include "model/sites.h"
#include "output/advice.h"
#include "output/top.h"
#include "output/tui.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


#define TOP_ADVICE 3
#define TOP_ADVICE_MIN_BYTES (64u << 10)

const char cmd_top_usage[] =
	"Usage: mapscope top (-p PID | -- PROGRAM [ARGS...]) [-d SECONDS] [-i SECONDS] [--json]\n"
	"                    [--max-maps N] [--budget PCT] [--count-budget PCT] [--no-tui]\n"
	"                    [-o FILE]\n"
	"\n"
	"The live inventory of a Go program's maps: for each map its type, where it was created,\n"
	"len and capacity as the program itself would report them, load, overflow buckets\n"
	"(classic) or tables and tombstones (Swiss), bytes held, growths and their cost. Maps are\n"
	"found when they are created or grow, and in short discovery windows of per-call probes\n"
	"whose cost is kept under --budget. Writes, reads and deletes per map are counted in\n"
	"short windows of hotkeys' probes, under --count-budget, and scaled to the whole run.\n"
	"\n"
	"  -p, --pid PID        attach to a running process (it keeps running when mapscope stops)\n"
	"  -- PROGRAM ARGS      start PROGRAM with every probe in place; stop when it exits\n"
	"  -d, --duration S     stop after S seconds\n"
	CLI_TRACE_LEAVE_USAGE
	"  -i, --interval S     report every S seconds (default 1)\n"
	"      --json           one JSON object per interval (JSON Lines), see docs/top.md\n"
	"      --max-maps N     list only the N biggest maps in each JSON report (the by-site\n"
	"                       view and the stats still cover every map)\n"
	"      --budget PCT     slowdown allowed for discovery windows, in percent (default 1;\n"
	"                       0 disables them)\n"
	"      --count-budget PCT  slowdown allowed for counting writes, reads and deletes\n"
	"                       (default 1, shared by writes and reads; 100 counts every call;\n"
	"                       0: no counts, and no concurrent-write check)\n"
	"  -o, --output FILE    write the reports to FILE (a launched program keeps stdout)\n"
	"      --limit-entries N   warn when the maps of a creation site are forecast to reach N\n"
	"                       entries in all within an hour\n"
	"      --limit-bytes SIZE  the same for the bytes they hold (K, M, G, T: powers of 1024)\n"
	"      --forecast-history S  history a forecast needs before it warns (default 600)\n"
	"      --no-tui         the plain table even on a terminal (the full-screen view's keys:\n"
	"                       b, l, g, w sort by bytes, len, growths, writes; s toggles\n"
	"                       one row per creation site; a shows the advice; q quits)\n"
	"  -h, --help           this text\n"
	"\n"
	"Needs root, or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE. See docs/top.md.\n";

struct top_opts {
	struct cli_trace t; /* -p or --, -d, -i */
	double budget, count_budget;
	bool json, no_tui;
	const char *output; /* -o FILE, NULL for stdout */
	double limit_entries, limit_bytes, history;
	size_t max_maps;
	FILE *out;
};

static int parse_args(int argc, char **argv, struct top_opts *o)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		CLI_TRACE_LONGOPTS,
		{ "interval", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "max-maps", required_argument, NULL, 'M' },
		{ "budget", required_argument, NULL, 'b' },
		{ "count-budget", required_argument, NULL, 'W' },
		{ "no-tui", no_argument, NULL, 'T' },
		{ "output", required_argument, NULL, 'o' },
		{ "limit-entries", required_argument, NULL, 'E' },
		{ "limit-bytes", required_argument, NULL, 'B' },
		{ "forecast-history", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->t.interval = 1;
	o->budget = 1;
	o->count_budget = 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:d:i:o:h", opts, NULL)) != -1) {
		bool mine;
		int r = cli__trace_opt("top", c, optarg, &o->t, &mine);

		if (r)
			return r;
		if (mine)
			continue;
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'M': {
			double n;

			if (cli__parse_amount(optarg, &n, false) || n != (double)(size_t)n)
				return err__usage("top", "--max-maps takes a positive whole number");
			o->max_maps = (size_t)n;
			break;
		}
		case 'b':
			if (cli__parse_pct(optarg, &o->budget))
				return err__usage("top", "--budget takes a percentage from 0 to 100");
			break;
		case 'W':
			if (cli__parse_pct(optarg, &o->count_budget))
				return err__usage("top",
						  "--count-budget takes a percentage from 0 to 100");
			break;
		case 'T':
			o->no_tui = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'E':
			if (cli__parse_amount(optarg, &o->limit_entries, false))
				return err__usage("top", "--limit-entries takes a positive number");
			break;
		case 'B':
			if (cli__parse_amount(optarg, &o->limit_bytes, true))
				return err__usage("top", "--limit-bytes takes a size such as 512M or 2G");
			break;
		case 'H':
			if (cli__parse_seconds(optarg, &o->history))
				return err__usage("top", "--forecast-history takes a positive number of seconds");
			break;
		case 'h':
			fputs(cmd_top_usage, stdout);
			return -1;
		case ':':
			return err__usage("top", "option '%s' needs a value", argv[optind - 1]);
		default:
			return err__usage("top", "unknown option '%s'", argv[optind - 1]);
		}
	}
	return cli__trace_target("top", argc, argv, &o->t);
}

static void report(const struct top_opts *o, struct session *s, struct top_frame *tf,
		   struct tui *tui)
{
	const struct gobin *gb = s->t.gb;
	struct registry *r = s->reg;

	tf->time = (double)clock__ns(CLOCK_REALTIME) / 1e9;
	tf->growths = registry__take_growths(r, &tf->ngrowths);
	tf->calls_settled = session__counts_settled(s);
	if (o->json)
		top__json(o->out, gb, r, tf);
	else if (tui)
		tui__frame(tui, gb, r, tf);
	else
		top__table(o->out, gb, r, tf);
	tf->cw_from = cwlog__count(tf->cw);
}

/* The final table ends with the three biggest pieces of advice (docs/advise.md). */
static void closing_advice(FILE *out, struct session *s)
{
	struct advising *a = NULL;

	if (!advising__run(s, TOP_ADVICE_MIN_BYTES, &a))
		advice__top(out, advising__list(a), TOP_ADVICE, true);
	advising__free(a);
}

/* 'a' in the live view: the same three, worked out now, in its bottom pane. */
static void show_advice(struct tui *tui, struct session *s)
{
	struct advising *a = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f && !advising__run(s, TOP_ADVICE_MIN_BYTES, &a))
		advice__top(f, advising__list(a), TOP_ADVICE, false);
	if (f)
		fclose(f);
	tui__note(tui, text ? text : "");
	free(text);
	advising__free(a);
}

static int run(const struct top_opts *o, struct session *s, struct sites *sites)
{
	struct top_frame tf = { .pid = s->t.pid,
				.max_maps = o->max_maps,
				.sites = sites,
				.limit_entries = o->limit_entries,
				.limit_bytes = o->limit_bytes,
				.counted = session__counting(s),
				.cw = s->cw };
	uint64_t every = (uint64_t)(o->t.interval * 1e9), next = s->start_ns + every;
	struct tui *tui = NULL;
	int key;

	/* A terminal that ncurses cannot drive still gets the plain table. */
	if (!o->json && !o->no_tui && !o->output && isatty(STDOUT_FILENO)) {
		int err = tui__open(&tui);

		if (err)
			err__report(err, NULL);
	}
	tf.boot_to_unix_ns = clock__ns(CLOCK_REALTIME) - clock__ns(CLOCK_MONOTONIC);
	tf.trap_ns = calib__trap_ns(false);
	while (!cli__stop) {
		uint64_t now = clock__ns(CLOCK_MONOTONIC);

		if (!session__step(s, now))
			break;
		tf.bias = s->bias;
		if (o->t.duration > 0 && now - s->start_ns >= (uint64_t)(o->t.duration * 1e9))
			break;
		if (now >= next) {
			session__refresh(s, now, true);
			if (sites)
				sites__update(sites, s->reg, s->bias,
					      (double)clock__ns(CLOCK_REALTIME) / 1e9, NULL, 0);
			tf.dropped = session__dropped(s);
			tf.overhead_pct = session__overhead_pct(s, now);
			report(o, s, &tf, tui);
			next += every;
		}
		session__poll(s, 10);
		key = tui ? tui__key(tui) : TUI_NONE;
		if (key == TUI_QUIT)
			break;
		if (key == TUI_ADVICE)
			show_advice(tui, s);
	}
	/* The final report is a plain table after the screen is restored, so it stays there. */
	tui__free(tui);
	session__finish(s);
	if (s->exited)
		target__gone(&s->t, s->t.fate, s->status);
	/* The final report: after an exit the maps cannot be read any more, so the values are
	 * the last ones read. */
	tf.final = true;
	tf.exited = s->exited;
	if (!tf.exited)
		session__refresh(s, clock__ns(CLOCK_MONOTONIC), false);
	tf.dropped = session__dropped(s);
	report(o, s, &tf, NULL);
	if (!o->json)
		closing_advice(o->out, s);
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct top_opts o;
	struct session s;
	struct sites *sites = NULL;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	o.out = stdout;
	/* Close-on-exec: a launched program must not inherit the report file. */
	if (o.output && !(o.out = fopen(o.output, "we")))
		return err__report(0, "cannot write %s: %s", o.output, strerror(errno));
	ret = session__open(&s, o.t.argv, o.t.pid, o.budget, o.count_budget);
	s.stop = &cli__stop;
	if (ret)
		goto cleanup;
	s.t.leave_running = o.t.leave_running;
	if (o.limit_entries > 0 || o.limit_bytes > 0) {
		struct sites__params sp = { .limit_entries = o.limit_entries,
					    .limit_bytes = o.limit_bytes };

		if (o.history > 0)
			sites__set_history(&sp, o.history);
		sites = sites__new(s.t.gb, &sp);
		if (!sites) {
			ret = -ENOMEM;
			err__report(ret, NULL);
			goto cleanup;
		}
	}
	cli__catch_stop();
	session__release(&s);
	ret = run(&o, &s, sites);
cleanup:
	sites__free(sites);
	session__close(&s);
	if (o.out != stdout && fclose(o.out) && !ret)
		ret = err__report(0, "cannot write %s: %s", o.output, strerror(errno));
	/* The target ended during the attach, which was said as any end is. */
	return ret && ret != TARGET_ENDED_IN_ATTACH ? MS_EXIT_FAIL : MS_EXIT_OK;
}
