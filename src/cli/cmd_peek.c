/* mapscope peek: a uniform random sample of one live map's entries, read-only. */
#include "cli/cli.h"
#include "collect/inventory.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "inspect/goversion.h"
#include "model/gotype.h"
#include "model/mapwalk.h"
#include "model/remote.h"
#include "output/peekreport.h"
#include "shared/inventory.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define DEFAULT_N 10
#define MAX_N 1000000
#define DEFAULT_WAIT_S 5.0
#define MAX_STR 256
#define RETRIES 4

const char cmd_peek_usage[] =
	"Usage: mapscope peek -p PID --map ADDR [-n N] [--json] [--seed S] [--wait S]\n"
	"\n"
	"A uniform random sample of N live entries of one map of a running Go program, keys and\n"
	"values printed as Go's %v prints them (bool, integers, floats, strings, pointers; other\n"
	"kinds as hex bytes). Classic maps (also in the middle of a growth) and Swiss maps (also\n"
	"small ones). Nothing is written into the program: its memory is only read.\n"
	"\n"
	"The map's type is learned by watching the program use the map for a moment (per-call\n"
	"probes, about 1-2 us per map call while they are attached, for at most --wait seconds).\n"
	"\n"
	"  -p, --pid PID      the running process\n"
	"  -m, --map ADDR     the map's header address (0x…, as `mapscope top` and Go's %p show it)\n"
	"  -n N               entries to sample (default 10; fewer when the map holds fewer)\n"
	"      --json         one JSON object: {\"addr\", \"type\", \"len\", \"entries\": [{\"key\",\n"
	"                     \"value\"}, ...], ...}, see docs/peek.md\n"
	"      --seed S       seed of the sample (a number; default random), to repeat a sample\n"
	"      --wait S       how long to wait for the program to use the map (default 5)\n"
	"  -h, --help         this text\n"
	"\n"
	"Needs root, or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE. See docs/peek.md.\n";

struct peek_opts {
	int pid;
	uint64_t addr;
	bool have_addr, json, have_seed;
	long n;
	uint64_t seed;
	double wait;
};

static int parse_u64(const char *arg, uint64_t *out)
{
	char *end;

	if (!*arg || *arg == '-')
		return -1;
	errno = 0;
	*out = strtoull(arg, &end, 0);
	return errno || *end ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct peek_opts *o)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "map", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "seed", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->n = DEFAULT_N;
	o->wait = DEFAULT_WAIT_S;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:m:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->pid = cli__parse_pid("peek", optarg);
			if (o->pid < 0)
				return MS_EXIT_USAGE;
			break;
		case 'm':
			if (parse_u64(optarg, &o->addr) || !o->addr)
				return err__usage("peek", "invalid map address '%s': expected 0x… "
						  "as `mapscope top` shows it", optarg);
			o->have_addr = true;
			break;
		case 'n':
			if (parse_u64(optarg, &v) || v == 0 || v > MAX_N)
				return err__usage("peek", "-n takes a number of entries from 1 to %d",
						  MAX_N);
			o->n = (long)v;
			break;
		case 'j':
			o->json = true;
			break;
		case 's':
			if (parse_u64(optarg, &o->seed))
				return err__usage("peek", "--seed takes a non-negative number");
			o->have_seed = true;
			break;
		case 'w':
			if (cli__parse_seconds(optarg, &o->wait) || o->wait > 3600)
				return err__usage("peek", "--wait takes a positive number of seconds");
			break;
		case 'h':
			fputs(cmd_peek_usage, stdout);
			return -1;
		case ':':
			return err__usage("peek", "%s needs a value", argv[optind - 1]);
		default:
			return err__usage("peek", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return err__usage("peek", "unexpected argument '%s'", argv[optind]);
	if (!o->pid)
		return err__usage("peek", "-p PID is required");
	if (!o->have_addr)
		return err__usage("peek", "--map ADDR is required");
	return 0;
}

struct discover {
	uint64_t map, type;
	unsigned others; /* other maps seen called: for the error, should none be this one */
};

static void on_event(const struct inv_event *e, void *ctx)
{
	struct discover *d = ctx;

	if (e->map == d->map && e->type && !d->type)
		d->type = e->type;
	else if (e->kind == INV_EV_TOUCH && e->map != d->map)
		d->others++;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The runtime address of the map's type, from the first call the program makes on it. The wait
 * counts from when the probes are live: the attach's own length is not the target's doing. */
static int discover_type(const struct target *t, const struct peek_opts *o, uint64_t *type)
{
	struct discover d = { .map = o->addr };
	struct inventory *inv = NULL;
	uint64_t end, calls, lost;
	int ret;

	ret = inventory__open(t->gb, t->pid, on_event, &d, &inv);
	if (ret) {
		err__report(ret, NULL);
		return ret;
	}
	ret = inventory__window(inv, true);
	if (ret) {
		err__report(ret, "cannot attach the probes that find the map's type");
		inventory__free(inv);
		return ret;
	}
	end = now_ms() + (uint64_t)(o->wait * 1000);
	while (!d.type && now_ms() < end)
		inventory__poll(inv, 20);
	inventory__window(inv, false);
	inventory__poll(inv, 0);
	calls = inventory__touch_hits(inv);
	lost = inventory__dropped(inv);
	inventory__free(inv);
	if (!d.type) {
		err__report(0, "map 0x%" PRIx64 " was not used by PID %d within %g s, so its type is "
			    "unknown (%" PRIu64 " map calls seen, on %u other maps; %" PRIu64 " events "
			    "lost): check the address (mapscope top shows it) or raise --wait",
			    o->addr, t->pid, o->wait, calls, d.others, lost);
		return -ENOENT;
	}
	*type = d.type;
	return 0;
}

/* Formats each sampled entry as the report is written, so that a large sample is never held as
 * text. */
static int emit(const struct peek_opts *o, const struct target *t, const char *type,
		const struct mapwalk_layout *l, const struct mapwalk_sample *s, uint64_t seed)
{
	static char key[2 * MAX_STR + 64], val[2 * MAX_STR + 64];
	const struct peekreport_head h = {
		.addr = o->addr,
		.seed = seed,
		.type = type,
		.swiss = l->swiss,
		.s = s,
	};
	struct peekreport w;
	unsigned int bad = 0;
	int ret;

	ret = peekreport__begin(&w, stdout, o->json, &h);
	if (ret)
		return ret;
	for (size_t i = 0; i < s->n; i++) {
		struct peekreport_entry e = { .key = key, .value = val };
		int kr, vr;

		kr = mapwalk__format(t->pid, s->e[i].key, l->indirect_key, l->key_kind, l->key_size,
				     MAX_STR, key, sizeof(key), &e.key_truncated);
		vr = mapwalk__format(t->pid, s->e[i].elem, l->indirect_elem, l->elem_kind,
				     l->elem_size, MAX_STR, val, sizeof(val), &e.value_truncated);
		/* An entry freed or moved since the walk reads as garbage or not at all. */
		if (kr || vr) {
			bad++;
			continue;
		}
		peekreport__entry(&w, &e);
	}
	peekreport__end(&w, bad);
	return 0;
}

int cmd_peek(int argc, char **argv)
{
	struct peek_opts o;
	struct target t = { 0 };
	struct maptype_info ti;
	struct mapwalk_layout l;
	struct mapwalk_sample s = { 0 };
	uint64_t type, bias = 0;
	uint8_t probe;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	if (!o.have_seed && getrandom(&o.seed, sizeof(o.seed), 0) != sizeof(o.seed))
		o.seed = (uint64_t)time(NULL);
	ret = target__open(NULL, o.pid, &t);
	if (ret)
		goto out;
	ret = remote__read(t.pid, o.addr, &probe, 1);
	if (ret) {
		err__report(ret, "cannot read PID %d's memory at 0x%" PRIx64 ": not a map address",
			    t.pid, o.addr);
		goto out;
	}
	ret = discover_type(&t, &o, &type);
	if (ret)
		goto out;
	if (t.gb->pie) {
		ret = remote__load_bias(t.pid, t.gb->path, t.gb->pie, t.gb->first_vaddr, &bias);
		if (ret) {
			err__report(ret, "cannot find where PID %d's executable is loaded", t.pid);
			goto out;
		}
	}
	ret = gotype__maptype(t.gb, type - bias, &ti);
	if (ret) {
		err__report(ret, "cannot read the map type at 0x%" PRIx64 " in %s", type,
			    t.gb->path);
		goto out;
	}
	mapwalk__layout(&ti, t.gb->maps == GO_LAYOUT_SWISS, goversion__hmap_size(t.gb->layout), &l);
	ret = mapwalk__sample(t.pid, o.addr, &l, (size_t)o.n, o.seed, RETRIES, &s);
	if (ret) {
		err__report(ret, "cannot read map 0x%" PRIx64 " of PID %d (%s)", o.addr, t.pid,
			    ti.name);
		goto out;
	}
	ret = emit(&o, &t, ti.name, &l, &s, o.seed);
	if (ret)
		err__report(ret, NULL);
out:
	mapwalk__free(&s);
	target__close(&t);
	return ret ? MS_EXIT_FAIL : MS_EXIT_OK;
}
