/* mapscope hotkeys: the hottest written keys of each map, counted in the kernel, under an
 * overhead budget. */
#include "cli/cli.h"
#include "collect/cwevent.h"
#include "collect/hkduty.h"
#include "collect/hkfold.h"
#include "collect/hotkeys.h"
#include "collect/launch.h"
#include "core/err.h"
#include "core/json.h"
#include "core/spacesave.h"
#include "inspect/gobin.h"
#include "model/cwlog.h"
#include "model/gotype.h"
#include "model/remote.h"
#include "model/symbolize.h"
#include "output/cwrite.h"
#include "output/hkeys.h"
#include "shared/hotkeys.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

_Static_assert(HKEYS_STR_MAX == HK_STR_MAX && HKEYS_RAW_MAX == HK_RAW_MAX,
	       "output/hkeys.h shows what the probes capture");
_Static_assert(HKEYS_KIND_STRING == HK_KIND_STRING, "reflect.String");

#define READ_EVERY_NS 1000000000ull
#define ALIVE_EVERY_NS 10000000ull

const char cmd_hotkeys_usage[] =
	"Usage: mapscope hotkeys (-p PID | -- PROGRAM [ARGS...]) [-k N] [--budget PCT]\n"
	"                        [--map ADDR] [-d SECONDS] [-i SECONDS] [--json]\n"
	"\n"
	"The hottest written keys of each map: every runtime.mapassign* call is counted by key in\n"
	"the kernel while the probes are attached; the probes are attached in short windows so\n"
	"that the program slows down by at most --budget percent, and the counts are scaled up by\n"
	"the share of the run that was sampled. Each key's count comes with an error bound.\n"
	"\n"
	"  -p, --pid PID        attach to a running process (it keeps running when mapscope stops)\n"
	"  -- PROGRAM ARGS      start PROGRAM with the probes in place; report when it exits\n"
	"  -k N                 keys per map (default 10)\n"
	"      --budget PCT     slowdown allowed, in percent (default 2); 100 probes every write\n"
	"                       and counts exactly\n"
	"      --map ADDR       only this map (its address, as Go's %p prints it)\n"
	"  -d, --duration S     stop after S seconds\n"
	CLI_TRACE_LEAVE_USAGE
	"  -i, --interval S     also report every S seconds (default: only at the end)\n"
	"      --json           JSON, one object per report, see docs/hotkeys.md\n"
	"      --reads          the hottest read keys instead (runtime.mapaccess*): counts and\n"
	"                       samples are of reads, no concurrent-write check\n"
	"      --samples N      also keep N individual writes (at most 4096), a uniform sample of\n"
	"                       those counted, with their goroutine id and stack\n"
	"      --empty          for benchmarks: every probe attached for the whole run but none\n"
	"                       counting, the cost of the probe alone at the same sites\n"
	"  -h, --help           this text\n"
	"\n"
	"Needs root, or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE. See docs/hotkeys.md.\n";

struct hk_opts {
	struct cli_trace t; /* -p or --, -d, -i */
	double budget;
	unsigned k;
	uint64_t only_map;
	unsigned samples;
	bool json, empty, reads;
};

static int parse_args(int argc, char **argv, struct hk_opts *o)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		CLI_TRACE_LONGOPTS,
		{ "interval", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "budget", required_argument, NULL, 'b' },
		{ "map", required_argument, NULL, 'm' },
		{ "empty", no_argument, NULL, 'e' },
		{ "reads", no_argument, NULL, 'r' },
		{ "samples", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->budget = 2;
	o->k = 10;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:d:i:k:h", opts, NULL)) != -1) {
		bool mine;
		int r = cli__trace_opt("hotkeys", c, optarg, &o->t, &mine);

		if (r)
			return r;
		if (mine)
			continue;
		switch (c) {
		case 'k':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 10000 || *optarg == '-')
				return err__usage("hotkeys", "-k takes a number of keys from 1 to 10000");
			o->k = (unsigned)v;
			break;
		case 'j':
			o->json = true;
			break;
		case 'e':
			o->empty = true;
			break;
		case 'r':
			o->reads = true;
			break;
		case 's':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > HK_SAMPLES_MAX ||
			    *optarg == '-')
				return err__usage("hotkeys", "--samples takes a number of writes from 1 "
							     "to 4096");
			o->samples = (unsigned)v;
			break;
		case 'b':
			o->budget = strtod(optarg, &end);
			if (end == optarg || *end || !(o->budget > 0) || o->budget > 100)
				return err__usage("hotkeys",
						  "--budget takes a percentage above 0, at most 100");
			break;
		case 'm':
			errno = 0;
			v = strtoull(optarg, &end, 16);
			if (errno || end == optarg || *end || !v || *optarg == '-')
				return err__usage("hotkeys", "--map takes a map address such as 0xc000012345");
			o->only_map = v;
			break;
		case 'h':
			fputs(cmd_hotkeys_usage, stdout);
			return -1;
		case ':':
			return err__usage("hotkeys", "option '%s' needs a value", argv[optind - 1]);
		default:
			return err__usage("hotkeys", "unknown option '%s'", argv[optind - 1]);
		}
	}
	return cli__trace_target("hotkeys", argc, argv, &o->t);
}

struct state {
	const struct hk_opts *o;
	const struct gobin *gb;
	struct hkduty *d;
	struct hotkeys *hk;
	const struct hkfold *fold;
	int pid;
	uint64_t bias;
	bool have_bias;
	struct cwrite_log *events;
};

static void on_event(const struct hk_event *e, const struct hk_thread *t, void *ctx)
{
	struct state *s = ctx;
	int i;

	if (!s->have_bias && remote__load_bias(s->pid, s->gb->path, s->gb->pie,
					       s->gb->first_vaddr, &s->bias) == 0)
		s->have_bias = true;
	i = cwevent__apply(s->events, s->gb, s->bias, NULL, e, t);
	/* At once, whatever the output; a fatal one once the other threads are in (the program
	 * is dying: the run ends within milliseconds). */
	if (i >= 0 && !e->fatal)
		cwrite__print(s->events, (size_t)i, s->o->json ? stderr : stdout);
}

static int poll_events(struct state *s)
{
	return hotkeys__events(s->hk, on_event, s);
}

/* The end of the run: a fatal event is complete, and printed. */
static void seal_events(struct state *s)
{
	size_t from = cwlog__count(s->events);

	cwlog__seal(s->events);
	for (size_t i = from; i < cwlog__count(s->events); i++)
		cwrite__print(s->events, i, s->o->json ? stderr : stdout);
}

struct mview {
	const struct hkfold_map *m;
	uint64_t writes;
};

static int by_writes(const void *a, const void *b)
{
	const struct mview *x = a, *y = b;

	return x->writes < y->writes ? 1 : x->writes > y->writes ? -1 : 0;
}

struct samples_out {
	struct state *s;
	struct json *j;
	uint64_t map, type; /* the last map's type, looked up once per run of samples */
	struct maptype_info ti;
	bool known;
};

static void on_sample(const struct hk_sample *smp, void *ctx)
{
	struct samples_out *so = ctx;
	struct state *s = so->s;
	const struct hkeys_sample view = {
		.map = smp->key.map,
		.goid = smp->goid,
		.key = { smp->key.len, smp->key.data },
		.stack = (const uint64_t *)smp->stack,
		.nframes = smp->nframes < HK_STACK ? smp->nframes : HK_STACK,
	};

	if (smp->key.map != so->map) {
		const struct hkfold_map *m = hkfold__find(s->fold, smp->key.map);

		so->map = smp->key.map;
		memset(&so->ti, 0, sizeof(so->ti));
		so->known = m && m->type && s->have_bias &&
			    gotype__maptype(s->gb, m->type - s->bias, &so->ti) == 0;
	}
	if (so->j)
		hkeys__sample_json(so->j, s->gb, s->bias, &view, so->ti.key_kind, so->known);
	else
		hkeys__sample_text(stdout, s->gb, s->bias, &view, so->ti.key_kind, so->known);
}

/* --samples: "samples": [...] in JSON (with "samples_from": the writes they were drawn from),
 * a list after the maps in text. */
static void report_samples(struct state *s, struct json *j)
{
	struct samples_out so = { .s = s, .j = j };
	uint64_t seen = 0;

	if (!s->o->samples)
		return;
	if (j) {
		json__key(j, "samples");
		json__arr_begin(j);
	} else {
		printf("\nsamples (uniform over the counted writes):\n");
	}
	if (hotkeys__samples(s->hk, on_sample, &so, &seen))
		seen = 0;
	if (j) {
		json__arr_end(j);
		json__key(j, "samples_from");
		json__uint(j, seen);
	}
}

static void report(struct state *s, uint64_t now)
{
	struct hkduty_sampling sm = hkduty__sampling(s->d, now);
	size_t nmaps = hkfold__count(s->fold);
	struct mview *v = calloc(nmaps ? nmaps : 1, sizeof(*v));
	struct ss_counter *c = calloc(s->o->k, sizeof(*c));
	struct json *j = NULL;

	if (!v || !c) {
		free(v);
		free(c);
		return;
	}
	if (!s->have_bias && remote__load_bias(s->pid, s->gb->path, s->gb->pie,
					       s->gb->first_vaddr, &s->bias) == 0)
		s->have_bias = true;
	for (size_t i = 0; i < nmaps; i++)
		v[i] = (struct mview){ hkfold__at(s->fold, i), hkfold__at(s->fold, i)->writes };
	qsort(v, nmaps, sizeof(*v), by_writes);
	if (s->o->json) {
		j = json__new(stdout);
		json__obj_begin(j);
		json__key(j, "maps");
		json__arr_begin(j);
	} else {
		printf("sampled %.1f%% of %.2f s (budget %g%%, overhead %.2f%%, %.0f ns a hit, "
		       "%" PRIu64 " hits)\n",
		       sm.fraction * 100, sm.elapsed_s, s->o->budget, sm.overhead_pct, sm.cost_ns,
		       sm.hits);
	}
	for (size_t i = 0; i < nmaps; i++) {
		const struct hkfold_map *m = v[i].m;
		struct maptype_info ti = { 0 }; /* the key text gets ti.key_kind even when unknown */
		struct frame fr = { 0 };
		uint64_t lo, hi;
		bool known = false;
		int nc;

		if (s->have_bias && m->type)
			known = gotype__maptype(s->gb, m->type - s->bias, &ti) == 0;
		if (!known)
			snprintf(ti.name, sizeof(ti.name), "map[?]?");
		if (!s->have_bias || !m->ret_pc ||
		    symbolize__pc(s->gb, s->bias, m->ret_pc, true, &fr) || !fr.func)
			fr.func = NULL;
		nc = hkfold__top(m, c, s->o->k);
		if (j) {
			json__obj_begin(j);
			json__key(j, "addr");
			json__hex(j, m->addr);
			json__key(j, "type");
			json__str(j, ti.name);
			json__key(j, "site");
			if (fr.func)
				json__str(j, fr.func);
			else
				json__null(j);
			json__key(j, s->o->reads ? "reads" : "writes");
			json__uint(j, hkduty__scaled(m->writes, sm.sc.est));
			/* The range of the scale's bracket and the sampling noise (core/hkscale.h). */
			hkscale__range(m->writes, 0, &sm.sc, &lo, &hi);
			json__key(j, s->o->reads ? "reads_low" : "writes_low");
			json__uint(j, lo);
			json__key(j, s->o->reads ? "reads_high" : "writes_high");
			json__uint(j, hi);
			if (!s->o->reads) {
				json__key(j, "deletes");
				json__uint(j, hkduty__scaled(m->deletes, sm.sc.est));
			}
			json__key(j, "keys");
			json__arr_begin(j);
		} else {
			printf("\n0x%" PRIx64 "  %s  %s  %s %" PRIu64 "\n", m->addr, ti.name,
			       fr.func ? fr.func : "?", s->o->reads ? "reads" : "writes",
			       hkduty__scaled(m->writes, sm.sc.est));
			if (m->deletes)
				printf("  deletes %" PRIu64 "\n", hkduty__scaled(m->deletes, sm.sc.est));
			printf("  %12s %10s  %s\n", "COUNT", "±ERROR", "KEY");
		}
		for (int x = 0; x < nc; x++) {
			struct hk_key k;
			char buf[HK_STR_MAX * 2 + 8];
			uint64_t est, error;
			size_t slen;

			hkscale__key(c[x].count, c[x].error, &sm.sc, &est, &error);
			memset(&k, 0, sizeof(k));
			memcpy((char *)&k + 8, c[x].key, HKFOLD_KEY_BYTES);
			hkeys__key_text(&(struct hkeys_key){ k.len, k.data }, ti.key_kind, known, buf,
					sizeof(buf), &slen);
			if (j) {
				json__obj_begin(j);
				json__key(j, "key");
				if (slen || (known && ti.key_kind == HK_KIND_STRING))
					json__strn(j, buf, slen);
				else
					json__str(j, buf);
				if (slen && k.len > HK_STR_MAX) {
					json__key(j, "key_len");
					json__uint(j, k.len);
				}
				json__key(j, "count");
				json__uint(j, est);
				json__key(j, "error");
				json__uint(j, error);
				json__obj_end(j);
			} else {
				printf("  %12" PRIu64 " %10" PRIu64 "  %.*s%s\n",
				       est, error,
				       slen ? (int)slen : (int)strlen(buf), buf,
				       slen && k.len > HK_STR_MAX ? "..." : "");
			}
		}
		if (j) {
			json__arr_end(j);
			json__obj_end(j);
		}
	}
	if (!j)
		report_samples(s, NULL);
	if (j) {
		json__arr_end(j);
		json__key(j, "sampling");
		json__obj_begin(j);
		json__key(j, "fraction");
		json__double(j, sm.fraction);
		json__key(j, "budget_pct");
		json__double(j, s->o->budget);
		json__key(j, "overhead_pct");
		json__double(j, sm.overhead_pct);
		json__key(j, "work_fraction");
		json__double(j, sm.work_fraction);
		json__key(j, "scale");
		json__double(j, sm.sc.est);
		json__key(j, "scale_low");
		json__double(j, sm.sc.low);
		json__key(j, "scale_high");
		json__double(j, sm.sc.high);
		json__key(j, "hit_cost_ns");
		json__double(j, sm.cost_ns);
		json__key(j, "trap_ns");
		json__double(j, sm.trap_ns);
		json__key(j, "keys_lost");
		json__uint(j, hotkeys__keys_lost(hkduty__hotkeys(s->d)));
		json__key(j, "hits");
		json__uint(j, sm.hits);
		json__key(j, "armed_hits");
		json__uint(j, sm.armed_hits);
		json__key(j, "probed_seconds");
		json__double(j, sm.probed_s);
		json__key(j, "cpu_probed_seconds");
		json__double(j, sm.cpu_probed_s);
		json__key(j, "cpu_seconds");
		json__double(j, sm.cpu_s);
		json__key(j, "windows");
		json__uint(j, sm.windows);
		json__key(j, "seconds");
		json__double(j, sm.elapsed_s);
		json__obj_end(j);
		json__key(j, "events");
		cwrite__json(s->events, j);
		report_samples(s, j);
		json__obj_end(j);
		json__free(j);
	}
	fflush(stdout);
	free(v);
	free(c);
}

static int run(struct state *s, struct target *tg)
{
	const struct hk_opts *o = s->o;
	uint64_t every = o->t.interval > 0 ? (uint64_t)(o->t.interval * 1e9) : 0;
	uint64_t start = clock__ns(CLOCK_MONOTONIC), next_report, next_read, end = UINT64_MAX, t;
	int ret = 0;

	hkduty__start(s->d, start, 0);
	next_report = every ? start + every : UINT64_MAX;
	next_read = start + READ_EVERY_NS;
	if (o->t.duration > 0)
		end = start + (uint64_t)(o->t.duration * 1e9);
	while (!cli__stop) {
		uint64_t now = clock__ns(CLOCK_MONOTONIC), wake;
		struct timespec ts;

		if (target__check(tg, &tg->status) != TARGET_RUNNING || now >= end)
			break;
		if (!s->have_bias && remote__load_bias(s->pid, s->gb->path, s->gb->pie,
						       s->gb->first_vaddr, &s->bias) == 0)
			s->have_bias = true;
		ret = hkduty__tick(s->d, now, &t);
		if (!ret)
			ret = poll_events(s);
		if (ret)
			break;
		if (now >= next_read || now >= next_report) {
			ret = hkduty__collect(s->d);
			if (ret)
				break;
			next_read = now + READ_EVERY_NS;
		}
		if (now >= next_report) {
			report(s, now);
			next_report += every;
		}
		wake = now + ALIVE_EVERY_NS;
		wake = t < wake ? t : wake;
		wake = end < wake ? end : wake;
		wake = next_report < wake ? next_report : wake;
		if (wake <= now)
			continue;
		ts.tv_sec = (time_t)(wake / 1000000000ull);
		ts.tv_nsec = (long)(wake % 1000000000ull);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	hkduty__close(s->d);
	/* A window's probes that cannot attach because the process just ended: that is its end. */
	if (ret && tg->fate == TARGET_RUNNING && target__ended(tg)) {
		err__clear();
		ret = 0;
	}
	if (tg->fate != TARGET_RUNNING)
		target__gone(tg, tg->fate, tg->status);
	t = clock__ns(CLOCK_MONOTONIC);
	if (ret)
		return ret;
	ret = poll_events(s);
	seal_events(s);
	if (!ret)
		ret = hkduty__collect(s->d);
	if (ret)
		return ret;
	report(s, t);
	return 0;
}

int cmd_hotkeys(int argc, char **argv)
{
	struct hk_opts o;
	struct hkduty_cfg cfg;
	struct state s;
	struct target t;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	memset(&s, 0, sizeof(s));
	s.o = &o;
	ret = target__open(o.t.argv, o.t.pid, &t);
	if (ret)
		goto cleanup;
	t.leave_running = o.t.leave_running;
	s.gb = t.gb;
	s.pid = t.pid;
	s.have_bias = !t.gb->pie;
	cfg = (struct hkduty_cfg){ .budget = o.budget, .k = o.k, .only_map = o.only_map,
				   .samples = o.samples, .reads = o.reads, .empty = o.empty };
	ret = cwlog__new(&s.events);
	if (!ret)
		ret = hkduty__open(t.gb, t.pid, &cfg, &s.d);
	if (ret) {
		ret = target__attach_failed(&t, ret);
		goto cleanup;
	}
	s.hk = hkduty__hotkeys(s.d);
	s.fold = hkduty__fold(s.d);
	cli__catch_stop();
	if (o.t.argv)
		launch__release(&t.l);
	ret = run(&s, &t);
	if (ret)
		err__report(ret, NULL);
cleanup:
	hkduty__free(s.d);
	cwlog__free(s.events);
	target__close(&t);
	/* The target ended during the attach, which was said as any end is. */
	return ret && ret != TARGET_ENDED_IN_ATTACH ? MS_EXIT_FAIL : MS_EXIT_OK;
}
