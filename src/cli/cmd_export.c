/* mapscope export: a Prometheus endpoint for the maps of one or more Go programs.
 *
 * The main thread owns the targets (sessions, probes, registries) and renders the whole /metrics
 * page after every refresh; the HTTP server's thread only copies the latest page under a lock, so
 * a scrape never waits for a refresh and never sees half of one. */
#include "cli/cli.h"
#include "collect/session.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "model/cwlog.h"
#include "model/procwatch.h"
#include "model/registry.h"
#include "model/sites.h"
#include "output/cwrite.h"
#include "output/prom.h"
#include "version.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 64
#define MAX_TARGETS 256
#define RESCAN_NS 2000000000ull /* --comm: look for new processes every 2 s */

const char cmd_export_usage[] =
	"Usage: mapscope export (-p PID [-p PID...] | --comm NAME | -- PROGRAM [ARGS...])\n"
	"                       [--listen ADDR:PORT] [-i SECONDS] [-d SECONDS] [--budget PCT]\n"
	"                       [--count-budget PCT] [--max-sites N] [--limit-entries N]\n"
	"                       [--limit-bytes SIZE]\n"
	"\n"
	"Serves the maps of Go programs as Prometheus metrics at http://ADDR:PORT/metrics: per\n"
	"creation site (function, file:line, type) the maps, entries, capacity, bytes, overflow\n"
	"buckets or tombstones, growths and their durations, writes, and with a limit the forecast\n"
	"time until the site reaches it. The biggest --max-sites sites by bytes are exported one\n"
	"by one, the rest as one site labelled \"other\". See docs/export.md for every metric.\n"
	"\n"
	"  -p, --pid PID          a running process (repeat for several)\n"
	"      --comm NAME        every process named NAME (as ps -o comm shows it), following new\n"
	"                         ones and dropping those that exit\n"
	"  -- PROGRAM ARGS        start PROGRAM with every probe in place; stop when it exits\n"
	"      --listen ADDR:PORT where to serve (default 127.0.0.1:9464; [::1]:9464 for IPv6).\n"
	"                         A non-loopback address is reachable by others: it is warned about\n"
	"  -i, --interval S       re-read the maps every S seconds (default 5)\n"
	"  -d, --duration S       stop after S seconds\n"
	CLI_TRACE_LEAVE_USAGE
	"      --budget PCT       slowdown allowed for discovery windows, in percent (default 1;\n"
	"                         0 disables them)\n"
	"      --count-budget PCT slowdown allowed for counting calls (default 1; 100 counts\n"
	"                         every call; 0: no mapscope_map_writes_total)\n"
	"      --max-sites N      sites exported one by one per target (default 50)\n"
	"      --limit-entries N  forecast when a site's maps reach N entries in all\n"
	"      --limit-bytes SIZE forecast when a site's maps hold SIZE bytes (suffixes K, M, G, T\n"
	"                         are powers of 1024)\n"
	"      --forecast-history S  history a forecast needs before it gives an ETA (default 600)\n"
	"  -h, --help             this text\n"
	"\n"
	"Needs root, or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE. See docs/export.md.\n";

struct export_opts {
	struct cli_trace t; /* -- PROGRAM, -d, -i; the PIDs are below */
	int pids[MAX_PIDS];
	size_t npids;
	const char *comm;
	const char *listen;
	double budget, count_budget;
	unsigned max_sites;
	double limit_entries, limit_bytes, history;
};

struct export_target {
	int pid;
	char exe[NAME_MAX + 1];
	bool up;           /* the session is open (else: could not be traced, shown as up 0) */
	struct session s;
	struct sites *sites;
};

struct exporter {
	const struct export_opts *o;
	struct export_target *t[MAX_TARGETS];
	size_t n;
	struct prom_cwrite *cw; /* concurrent map writes seen, by target and site */
	size_t ncw;
	pthread_mutex_t lock; /* guards page */
	char *page;
	size_t page_len;
};

static int parse_args(int argc, char **argv, struct export_opts *o)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		CLI_TRACE_LONGOPTS,
		{ "interval", required_argument, NULL, 'i' },
		{ "comm", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "budget", required_argument, NULL, 'b' },
		{ "count-budget", required_argument, NULL, 'W' },
		{ "max-sites", required_argument, NULL, 'm' },
		{ "limit-entries", required_argument, NULL, 'E' },
		{ "limit-bytes", required_argument, NULL, 'B' },
		{ "forecast-history", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	memset(o, 0, sizeof(*o));
	o->t.interval = 5;
	o->budget = 1;
	o->count_budget = 1;
	o->max_sites = 50;
	o->listen = "127.0.0.1:9464";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:d:i:h", opts, NULL)) != -1) {
		bool mine;
		int r;

		if (c == 'p') {
			if (o->npids == MAX_PIDS)
				return err__usage("export", "at most %d -p options", MAX_PIDS);
			r = cli__parse_pid("export", optarg);
			if (r < 0)
				return MS_EXIT_USAGE;
			o->pids[o->npids++] = r;
			continue;
		}
		r = cli__trace_opt("export", c, optarg, &o->t, &mine);
		if (r)
			return r;
		if (mine)
			continue;
		switch (c) {
		case 'c':
			if (!*optarg || strlen(optarg) > 15 || strchr(optarg, '/'))
				return err__usage("export", "--comm takes a process name of 1 to 15 "
							    "characters without '/'");
			o->comm = optarg;
			break;
		case 'l':
			o->listen = optarg;
			break;
		case 'b':
			if (cli__parse_pct(optarg, &o->budget))
				return err__usage("export", "--budget takes a percentage from 0 to 100");
			break;
		case 'W':
			if (cli__parse_pct(optarg, &o->count_budget))
				return err__usage("export",
						  "--count-budget takes a percentage from 0 to 100");
			break;
		case 'm':
			if (cli__parse_amount(optarg, &v, false) || v != (unsigned)v || v > 100000)
				return err__usage("export", "--max-sites takes a whole number from 1 to 100000");
			o->max_sites = (unsigned)v;
			break;
		case 'E':
			if (cli__parse_amount(optarg, &o->limit_entries, false))
				return err__usage("export", "--limit-entries takes a positive number");
			break;
		case 'B':
			if (cli__parse_amount(optarg, &o->limit_bytes, true))
				return err__usage("export", "--limit-bytes takes a size such as 512M or 2G");
			break;
		case 'H':
			if (cli__parse_seconds(optarg, &o->history))
				return err__usage("export", "--forecast-history takes a positive number of seconds");
			break;
		case 'h':
			fputs(cmd_export_usage, stdout);
			return -1;
		case ':':
			return err__usage("export", "option '%s' needs a value", argv[optind - 1]);
		default:
			return err__usage("export", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->t.argv = argv + optind;
	if (!!o->npids + !!o->comm + !!o->t.argv != 1)
		return err__usage("export", "give -p PID (one or more), --comm NAME, or -- PROGRAM [ARGS...]");
	return 0;
}

/* Binds the listening socket here rather than in libmicrohttpd, so that a bad address or a port
 * in use is reported with its reason. Returns the socket or a negative errno (reported). */
static int listen_on(const char *spec)
{
	char host[256], port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *ai = NULL;
	const char *colon = strrchr(spec, ':');
	bool loopback;
	int fd, one = 1, r;

	if (!colon || colon == spec || !colon[1] || (size_t)(colon - spec) >= sizeof(host) ||
	    strlen(colon + 1) >= sizeof(port)) {
		err__usage("export", "--listen takes ADDR:PORT, e.g. 127.0.0.1:9464 or [::1]:9464");
		return -EINVAL;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = 0;
	snprintf(port, sizeof(port), "%s", colon + 1);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host) - 2);
		host[strlen(host) - 2] = 0;
	}
	r = getaddrinfo(host, port, &hints, &ai);
	if (r) {
		err__report(0, "cannot listen on %s: %s", spec, gai_strerror(r));
		return -EINVAL;
	}
	if (ai->ai_family == AF_INET)
		loopback = (ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr) >> 24) == 127;
	else
		loopback = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
		r = -errno;
		err__report(0, "cannot listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return r;
	}
	freeaddrinfo(ai);
	if (!loopback)
		fprintf(stderr, "mapscope: warning: %s is not a loopback address: anyone who can "
				"reach this host can read the metrics\n",
			spec);
	return fd;
}

/* The address served, with the port the kernel chose for port 0. */
static void print_serving(const char *spec, int fd)
{
	struct sockaddr_storage sa = { 0 };
	socklen_t len = sizeof(sa);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0) {
		if (sa.ss_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&sa;

			inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
			port = ntohs(in->sin_port);
		} else if (sa.ss_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;

			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
			port = ntohs(in6->sin6_port);
		}
	}
	if (port)
		fprintf(stderr, "mapscope: serving http://%s%s%s:%u/metrics\n",
			sa.ss_family == AF_INET6 ? "[" : "", host, sa.ss_family == AF_INET6 ? "]" : "",
			port);
	else
		fprintf(stderr, "mapscope: serving http://%s/metrics\n", spec);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_len, void **state)
{
	struct exporter *ex = cls;
	struct MHD_Response *resp;
	enum MHD_Result r;
	unsigned status = MHD_HTTP_OK;
	const char *type = "text/plain; version=0.0.4; charset=utf-8";
	char *body = NULL;
	size_t len = 0;

	(void)version, (void)data, (void)data_len, (void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		body = strdup("only GET\n");
	} else if (!strcmp(url, "/metrics")) {
		pthread_mutex_lock(&ex->lock);
		len = ex->page_len;
		body = malloc(len ? len : 1);
		if (body)
			memcpy(body, ex->page, len);
		pthread_mutex_unlock(&ex->lock);
	} else if (!strcmp(url, "/")) {
		type = "text/html; charset=utf-8";
		body = strdup("<html><head><title>mapscope</title></head><body><h1>mapscope "
			      "exporter</h1><p><a href=\"/metrics\">/metrics</a></p></body></html>\n");
	} else {
		status = MHD_HTTP_NOT_FOUND;
		body = strdup("not found: the metrics are at /metrics\n");
	}
	if (!body)
		return MHD_NO;
	if (status != MHD_HTTP_OK || strcmp(url, "/metrics"))
		len = strlen(body);
	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

/* The file name of the target's binary: of PROGRAM when launched (it is held before its exec),
 * else of what /proc/PID/exe points at. */
static void exe_name(int pid, const char *program, char *out, size_t n)
{
	char link[64], path[PATH_MAX];
	ssize_t len;
	const char *base;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	if (program) {
		snprintf(path, sizeof(path), "%s", program);
		len = (ssize_t)strlen(path);
	} else {
		len = readlink(link, path, sizeof(path) - 1);
	}
	if (len <= 0) {
		snprintf(out, n, "?");
		return;
	}
	path[len] = 0;
	/* A replaced binary reads "/path (deleted)"; the name is still the file's. */
	if (len > 10 && !strcmp(path + len - 10, " (deleted)"))
		path[len - 10] = 0;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	len = (ssize_t)strnlen(base, n - 1);
	memcpy(out, base, (size_t)len);
	out[len] = 0;
}

static void target_free(struct export_target *t)
{
	if (!t)
		return;
	if (t->up)
		session__close(&t->s);
	sites__free(t->sites);
	free(t);
}

/* Starts following a process (or launches argv). A target that cannot be traced is kept with
 * up = 0 when keep_failed, so that the failure shows in mapscope_up; otherwise the error is
 * returned (it has been reported). */
static int add_target(struct exporter *ex, int pid, char **argv, bool keep_failed)
{
	struct sites__params sp = {
		.max_exported = ex->o->max_sites,
		.limit_entries = ex->o->limit_entries,
		.limit_bytes = ex->o->limit_bytes,
	};
	struct export_target *t;
	int ret;

	if (ex->n == MAX_TARGETS) {
		err__report(0, "following %d processes already; not adding PID %d", MAX_TARGETS, pid);
		return -ENOSPC;
	}
	if (ex->o->history > 0)
		sites__set_history(&sp, ex->o->history);
	t = calloc(1, sizeof(*t));
	if (!t) {
		err__report(-ENOMEM, NULL);
		return -ENOMEM;
	}
	ret = session__open(&t->s, argv, pid, ex->o->budget, ex->o->count_budget);
	t->s.stop = &cli__stop;
	t->s.t.leave_running = ex->o->t.leave_running;
	if (!ret) {
		t->sites = sites__new(t->s.t.gb, &sp);
		ret = t->sites ? 0 : -ENOMEM;
		if (ret)
			err__report(ret, NULL);
	}
	t->pid = argv ? t->s.t.pid : pid;
	t->up = ret == 0;
	if (ret && (!keep_failed || argv)) {
		session__close(&t->s);
		target_free(t);
		return ret;
	}
	if (ret)
		session__close(&t->s);
	else
		session__release(&t->s);
	exe_name(t->pid, argv ? t->s.t.gb->path : NULL, t->exe, sizeof(t->exe));
	ex->t[ex->n++] = t;
	if (t->up)
		fprintf(stderr, "mapscope: following PID %d (%s, %s)\n", t->pid, t->exe,
			t->s.t.gb->bi.version);
	return 0;
}

static bool tracked(const struct exporter *ex, int pid)
{
	for (size_t i = 0; i < ex->n; i++)
		if (ex->t[i]->pid == pid)
			return true;
	return false;
}

/* --comm: every process whose comm is NAME, except mapscope itself. */
static void rescan(struct exporter *ex)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[64], comm[32];
		int pid = atoi(e->d_name);
		FILE *f;

		if (pid <= 0 || pid == getpid() || tracked(ex, pid))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f)) {
			comm[strcspn(comm, "\n")] = 0;
			if (!strcmp(comm, ex->o->comm))
				add_target(ex, pid, NULL, true);
		}
		fclose(f);
	}
	closedir(d);
}

static void publish(struct exporter *ex, uint64_t now)
{
	struct prom_target pt[MAX_TARGETS];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	for (size_t i = 0; i < ex->n; i++) {
		struct export_target *t = ex->t[i];

		pt[i] = (struct prom_target){
			.pid = t->pid,
			.exe = t->exe,
			.up = t->up,
			.limits = ex->o->limit_entries > 0 || ex->o->limit_bytes > 0,
		};
		if (!t->up)
			continue;
		pt[i].go_version = t->s.t.gb->bi.version;
		pt[i].sites = t->sites;
		pt[i].dropped = session__dropped(&t->s);
		pt[i].overhead_ratio = session__overhead_pct(&t->s, now) / 100.0;
		pt[i].writes = session__counting(&t->s);
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	if (prom__write(f, pt, ex->n, ex->cw, ex->ncw, MAPSCOPE_VERSION) || fclose(f)) {
		free(buf);
		return;
	}
	pthread_mutex_lock(&ex->lock);
	free(ex->page);
	ex->page = buf;
	ex->page_len = len;
	pthread_mutex_unlock(&ex->lock);
}

static void refresh(struct exporter *ex, uint64_t now)
{
	double unix_now = (double)clock__ns(CLOCK_REALTIME) / 1e9;

	for (size_t i = 0; i < ex->n; i++) {
		struct export_target *t = ex->t[i];
		const struct reg_growth *g;
		size_t ng;

		if (!t->up)
			continue;
		session__refresh(&t->s, now, true);
		g = registry__take_growths(t->s.reg, &ng);
		sites__update(t->sites, t->s.reg, t->s.bias, unix_now, g, ng);
		/* Writes wait for a settled scale, then come all at once: the counters never go
		 * down, so an early overshoot would stay. */
		if (session__counting(&t->s) && session__counts_settled(&t->s))
			sites__count_writes(t->sites, t->s.reg, t->s.bias, unix_now);
	}
	publish(ex, now);
}

/* A process that could not be traced is followed only for mapscope_up 0: it is gone once
 * it does not exist or is a zombie (exited, not yet reaped by its parent). */
static bool untraced_alive(int pid)
{
	char state = procwatch__state(pid);

	return state && state != 'Z' && state != 'X';
}

static void cwrite_free(struct prom_cwrite *c)
{
	free((char *)c->exe);
	free((char *)c->function);
	free((char *)c->type);
}

/* A target that is gone: its concurrent map writes (the runtime's fatal one, with every thread
 * as the runtime stopped it) are logged whole and counted by site, for as long as the exporter
 * runs. */
static void log_cwrites(struct exporter *ex, struct export_target *t)
{
	const struct cwrite_log *l = t->s.cw;
	char func[160];
	const char *type;

	session__finish(&t->s);
	for (size_t i = 0; i < cwlog__count(l); i++) {
		struct prom_cwrite *n, *c = NULL;

		fprintf(stderr, "mapscope: PID %d (%s):", t->pid, t->exe);
		cwrite__print(l, i, stderr);
		cwrite__site(l, i, func, sizeof(func), &type);
		for (size_t k = 0; k < ex->ncw && !c; k++)
			if (ex->cw[k].pid == t->pid && !strcmp(ex->cw[k].function, func) &&
			    !strcmp(ex->cw[k].type, type))
				c = &ex->cw[k];
		if (!c) {
			n = realloc(ex->cw, (ex->ncw + 1) * sizeof(*n));
			if (!n)
				return;
			ex->cw = n;
			c = &n[ex->ncw];
			*c = (struct prom_cwrite){ .pid = t->pid, .exe = strdup(t->exe),
						   .function = strdup(func), .type = strdup(type) };
			if (!c->exe || !c->function || !c->type) {
				cwrite_free(c);
				return;
			}
			ex->ncw++;
		}
		c->n++;
	}
}

/* One turn over the targets: drains probes, drops targets that exited (an untraceable one
 * too). Returns false when nothing is left to follow and nothing new can come. */
static bool step(struct exporter *ex, uint64_t now)
{
	size_t k = 0;
	bool dropped = false;

	for (size_t i = 0; i < ex->n; i++) {
		struct export_target *t = ex->t[i];
		bool alive = t->up ? session__step(&t->s, now) : untraced_alive(t->pid);

		if (alive) {
			ex->t[k++] = t;
			continue;
		}
		if (t->up)
			log_cwrites(ex, t);
		fprintf(stderr, "mapscope: PID %d (%s) exited\n", t->pid, t->exe);
		target_free(t);
		dropped = true;
	}
	ex->n = k;
	if (dropped)
		publish(ex, now);
	return ex->n > 0 || ex->o->comm;
}

static int run(struct exporter *ex)
{
	const struct export_opts *o = ex->o;
	uint64_t start = clock__ns(CLOCK_MONOTONIC), every = (uint64_t)(o->t.interval * 1e9);
	uint64_t next = start, next_scan = start + RESCAN_NS;

	while (!cli__stop) {
		uint64_t now = clock__ns(CLOCK_MONOTONIC);

		if (!step(ex, now)) {
			fprintf(stderr, "mapscope: no target left; stopping\n");
			break;
		}
		if (o->t.duration > 0 && now - start >= (uint64_t)(o->t.duration * 1e9))
			break;
		if (o->comm && now >= next_scan) {
			rescan(ex);
			next_scan = now + RESCAN_NS;
		}
		if (now >= next) {
			refresh(ex, now);
			next += every;
			if (next < now)
				next = now + every;
		}
		if (ex->n)
			for (size_t i = 0; i < ex->n; i++)
				if (ex->t[i]->up)
					session__poll(&ex->t[i]->s, ex->n > 1 ? 1 : 10);
		if (!ex->n)
			usleep(10000);
	}
	return 0;
}

int cmd_export(int argc, char **argv)
{
	struct export_opts o;
	struct exporter ex = { .o = &o, .lock = PTHREAD_MUTEX_INITIALIZER };
	struct MHD_Daemon *d = NULL;
	int fd = -1, ex_fd, ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	fd = listen_on(o.listen);
	if (fd < 0)
		return fd == -EINVAL ? MS_EXIT_USAGE : MS_EXIT_FAIL;
	for (size_t i = 0; i < o.npids; i++) {
		ret = add_target(&ex, o.pids[i], NULL, false);
		if (ret)
			goto cleanup;
	}
	if (o.t.argv) {
		ret = add_target(&ex, 0, o.t.argv, false);
		if (ret)
			goto cleanup;
	}
	if (o.comm) {
		rescan(&ex);
		if (!ex.n)
			fprintf(stderr, "mapscope: no process named '%s' yet; waiting for one\n", o.comm);
	}
	publish(&ex, clock__ns(CLOCK_MONOTONIC));
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     on_request, &ex, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
			     MHD_OPTION_END);
	if (!d) {
		ret = -EIO;
		err__report(0, "cannot start the HTTP server on %s", o.listen);
		goto cleanup;
	}
	ex_fd = fd;
	fd = -1; /* the daemon owns it now */
	print_serving(o.listen, ex_fd);
	cli__catch_stop();
	ret = run(&ex);
cleanup:
	if (d)
		MHD_stop_daemon(d);
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < ex.n; i++)
		target_free(ex.t[i]);
	for (size_t i = 0; i < ex.ncw; i++)
		cwrite_free(&ex.cw[i]);
	free(ex.cw);
	free(ex.page);
	return ret ? MS_EXIT_FAIL : MS_EXIT_OK;
}
