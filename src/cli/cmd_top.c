/* mapscope top: the live inventory of a Go program's maps. */
#include "cli/cli.h"
#include "collect/inventory.h"
#include "collect/launch.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "model/registry.h"
#include "model/remote.h"
#include "output/top.h"
#include "output/tui.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What one probe hit costs the target, for the window budget: bench/probe-cost measures 1-2 µs
 * at the chosen sites; the higher figure keeps the budget conservative. */
#define HIT_COST_NS 2000.0
#define WINDOW_GAP_NS 1000000000ull /* a discovery window opens once a second */
#define WINDOW_MIN_NS 1000000ull    /* and lasts 1 to 200 ms, sized to the budget */
#define WINDOW_MAX_NS 200000000ull
#define WINDOW_GROWTH 16.0 /* the most a window grows from one cycle to the next */
#define MAX_MISSES 3
#define FINAL_READ_NS 250000000ull

const char cmd_top_usage[] =
	"Usage: mapscope top (-p PID | -- PROGRAM [ARGS...]) [-d SECONDS] [-i SECONDS] [--json]\n"
	"                    [--budget PCT] [--no-tui] [-o FILE]\n"
	"\n"
	"The live inventory of a Go program's maps: for each map its type, where it was created,\n"
	"len and capacity as the program itself would report them, load, overflow buckets\n"
	"(classic) or tables and tombstones (Swiss), bytes held, growths and their cost. Maps are\n"
	"found when they are created or grow, and in short discovery windows of per-call probes\n"
	"whose cost is kept under --budget.\n"
	"\n"
	"  -p, --pid PID        attach to a running process (it keeps running when mapscope stops)\n"
	"  -- PROGRAM ARGS      start PROGRAM with every probe in place; stop when it exits\n"
	"  -d, --duration S     stop after S seconds\n"
	"  -i, --interval S     report every S seconds (default 1)\n"
	"      --json           one JSON object per interval (JSON Lines), see docs/top.md\n"
	"      --budget PCT     slowdown allowed for discovery windows, in percent (default 1;\n"
	"                       0 disables them)\n"
	"  -o, --output FILE    write the reports to FILE (a launched program keeps stdout)\n"
	"      --no-tui         the plain table even on a terminal (the full-screen view's keys:\n"
	"                       b, l, g sort by bytes, len, growths; q quits)\n"
	"  -h, --help           this text\n"
	"\n"
	"Needs root, or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE. See docs/top.md.\n";

struct top_opts {
	struct cli_trace t; /* -p or --, -d, -i */
	double budget;
	bool json, no_tui;
	const char *output; /* -o FILE, NULL for stdout */
	FILE *out;
};

static int parse_args(int argc, char **argv, struct top_opts *o)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "budget", required_argument, NULL, 'b' },
		{ "no-tui", no_argument, NULL, 'T' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->t.interval = 1;
	o->budget = 1;
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
		case 'b':
			o->budget = strtod(optarg, &end);
			if (end == optarg || *end || o->budget < 0 || o->budget > 100)
				return err__usage("top", "--budget takes a percentage from 0 to 100");
			break;
		case 'T':
			o->no_tui = true;
			break;
		case 'o':
			o->output = optarg;
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

static void on_event(const struct inv_event *e, void *ctx)
{
	registry__event(ctx, e);
}

/* Discovery windows: once a second the per-call probes are attached for a window. Its length
 * is steered by what the previous cycle (window open to the next open) really cost: every probe
 * hit in it, including those while the probes were being attached and detached, times the cost
 * of a hit, over the cycle's length. The next window is scaled by budget / measured cost. */
struct windows {
	double budget_pct;
	bool open;
	uint64_t next_ns, open_ns, close_ns, len_ns, hits_at_open, hits_total;
	uint64_t cycle_ns;      /* when the previous cycle's window opened, 0 before the first */
	uint64_t open_total_ns; /* time windows were open, closed ones only */
};

/* Window time (seconds) since the previous call, counting an open window up to now. */
static double windows_take_open_secs(struct windows *w, uint64_t now, uint64_t *mark)
{
	uint64_t total = w->open_total_ns + (w->open ? now - w->open_ns : 0);
	double secs = (double)(total - *mark) / 1e9;

	*mark = total;
	return secs;
}

static void on_growwork(uint64_t map, uint64_t count, void *ctx)
{
	registry__growwork(ctx, map, count);
}

static void windows_tick(struct windows *w, struct inventory *inv, uint64_t now)
{
	if (w->budget_pct <= 0)
		return;
	if (w->open && now >= w->close_ns) {
		inventory__window(inv, false);
		w->open = false;
		w->open_total_ns += now - w->open_ns;
		w->next_ns = w->open_ns + WINDOW_GAP_NS;
	} else if (!w->open && now >= w->next_ns) {
		uint64_t hits = inventory__touch_hits(inv);

		if (w->cycle_ns) {
			double cost = (double)(hits - w->hits_at_open) * HIT_COST_NS;
			double share = cost / (double)(now - w->cycle_ns) * 100.0;
			/* Shrinking is immediate (safety); growth is fast but bounded, so that one
			 * idle cycle does not open a long window into a burst. */
			double scale = share > 0 ? w->budget_pct / share : WINDOW_GROWTH;

			scale = scale > WINDOW_GROWTH ? WINDOW_GROWTH : scale;
			w->len_ns = (uint64_t)((double)w->len_ns * scale);
			w->len_ns = w->len_ns < WINDOW_MIN_NS ? WINDOW_MIN_NS
				    : w->len_ns > WINDOW_MAX_NS ? WINDOW_MAX_NS : w->len_ns;
			w->hits_total += hits - w->hits_at_open;
		} else {
			/* Open for budget x cycle: even a target that does nothing but map calls
			 * loses at most that share of its time. */
			w->len_ns = (uint64_t)(w->budget_pct / 100.0 * (double)WINDOW_GAP_NS);
			w->len_ns = w->len_ns < WINDOW_MIN_NS ? WINDOW_MIN_NS
				    : w->len_ns > WINDOW_MAX_NS ? WINDOW_MAX_NS : w->len_ns;
		}
		w->cycle_ns = now;
		w->hits_at_open = hits;
		if (inventory__window(inv, true) == 0) {
			/* Attaching can take milliseconds: the window counts from when it is live. */
			now = cli__now_ns(CLOCK_MONOTONIC);
			w->open = true;
			w->open_ns = now;
			w->close_ns = now + w->len_ns;
		} else {
			w->next_ns = now + WINDOW_GAP_NS * 10;
		}
	}
}

static bool target_alive(const struct top_opts *o, struct launch *l, int *status)
{
	if (o->t.argv) {
		int st;
		pid_t p;

		/* Reaped already: waitpid(0) would ask about any child instead. */
		if (l->pid <= 0)
			return false;
		p = waitpid(l->pid, &st, WNOHANG);

		if (p == l->pid) {
			*status = st;
			l->pid = 0;
			return false;
		}
		return true;
	}
	return kill(o->t.pid, 0) == 0 || errno != ESRCH;
}

static void report(const struct top_opts *o, const struct gobin *gb, struct registry *r,
		   struct top_frame *tf, struct tui *tui)
{
	tf->time = (double)cli__now_ns(CLOCK_REALTIME) / 1e9;
	if (o->json)
		top__json(o->out, gb, r, tf);
	else if (tui)
		tui__frame(tui, gb, r, tf);
	else
		top__table(o->out, gb, r, tf);
}

static int run(const struct top_opts *o, const struct gobin *gb, struct inventory *inv,
	       struct registry *r, struct launch *l, int pid)
{
	struct top_frame tf = { .pid = pid };
	struct windows w = { .budget_pct = o->budget };
	uint64_t start = cli__now_ns(CLOCK_MONOTONIC), next = start + (uint64_t)(o->t.interval * 1e9);
	bool have_bias = !gb->pie;
	uint64_t window_mark = 0, every = (uint64_t)(o->t.interval * 1e9), read_every = every;
	uint64_t next_read = start;
	struct tui *tui = NULL;
	int status = 0;

	/* A terminal that ncurses cannot drive still gets the plain table. */
	if (!o->json && !o->no_tui && !o->output && isatty(STDOUT_FILENO)) {
		int err = tui__open(&tui);

		if (err)
			err__report(err, NULL);
	}
	/* A launched program's memory is gone once it exits: reading its maps often between
	 * reports keeps the final report at most FINAL_READ_NS old. */
	if (o->t.argv && read_every > FINAL_READ_NS)
		read_every = FINAL_READ_NS;
	tf.boot_to_unix_ns = cli__now_ns(CLOCK_REALTIME) - cli__now_ns(CLOCK_MONOTONIC);
	w.next_ns = start;
	while (!cli__stop) {
		uint64_t now = cli__now_ns(CLOCK_MONOTONIC);
		bool alive = target_alive(o, l, &status);

		if (!have_bias && alive && remote__load_bias(pid, gb->path, gb->pie, gb->first_vaddr,
							     &tf.bias) == 0) {
			have_bias = true;
			registry__set_bias(r, tf.bias);
		}
		inventory__poll(inv, 0);
		if (!alive)
			break;
		if (o->t.duration > 0 && now - start >= (uint64_t)(o->t.duration * 1e9))
			break;
		windows_tick(&w, inv, now);
		if (now >= next_read && now < next) {
			registry__refresh(r, MAX_MISSES);
			next_read = now + read_every;
		}
		if (now >= next) {
			if (gb->maps == GO_LAYOUT_CLASSIC) {
				registry__growwork_begin(r, windows_take_open_secs(&w, now,
										   &window_mark));
				inventory__growwork(inv, on_growwork, r);
			}
			registry__refresh(r, MAX_MISSES);
			tf.dropped = inventory__dropped(inv);
			tf.overhead_pct = 100.0 * (double)(w.hits_total) * HIT_COST_NS /
					  (double)(now - start + 1);
			report(o, gb, r, &tf, tui);
			next += every;
			next_read = now + read_every;
		}
		inventory__poll(inv, w.open ? 1 : 10);
		if (tui && tui__key(tui))
			break;
	}
	/* The final report is a plain table after the screen is restored, so it stays there. */
	tui__free(tui);
	inventory__poll(inv, 0);
	if (w.open)
		inventory__window(inv, false);
	/* The final report: after an exit the maps cannot be read any more, so the values are
	 * the last ones read. */
	tf.final = true;
	tf.exited = !target_alive(o, l, &status);
	if (!tf.exited)
		registry__refresh(r, MAX_MISSES);
	tf.dropped = inventory__dropped(inv);
	report(o, gb, r, &tf, NULL);
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct top_opts o;
	struct inventory *inv = NULL;
	struct registry *reg = NULL;
	struct cli_target t;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	o.out = stdout;
	/* Close-on-exec: a launched program must not inherit the report file. */
	if (o.output && !(o.out = fopen(o.output, "we")))
		return err__report(0, "cannot write %s: %s", o.output, strerror(errno));
	ret = cli__target_open(o.t.argv, o.t.pid, &t);
	if (ret)
		goto cleanup;
	reg = registry__new(t.gb, t.pid);
	if (!reg) {
		ret = -ENOMEM;
		err__report(ret, NULL);
		goto cleanup;
	}
	ret = inventory__open(t.gb, t.pid, on_event, reg, &inv);
	if (ret) {
		err__report(ret, NULL);
		goto cleanup;
	}
	cli__catch_stop();
	if (o.t.argv)
		launch__release(&t.l);
	ret = run(&o, t.gb, inv, reg, &t.l, t.pid);
cleanup:
	inventory__free(inv);
	registry__free(reg);
	cli__target_close(&t);
	if (o.out != stdout && fclose(o.out) && !ret)
		ret = err__report(0, "cannot write %s: %s", o.output, strerror(errno));
	return ret ? MS_EXIT_FAIL : MS_EXIT_OK;
}
