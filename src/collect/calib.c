#include "collect/calib.h"

#include "calib.skel.h"
#include "collect/bpferr.h"
#include "core/clock.h"
#include "core/err.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The probed functions: a push %rbp at the entry, as Go 1.21+ prologues have after their stack
 * check, and a stack check's jbe that is not taken. Each is the site the kernel emulates. */
__asm__(".text\n"
	".globl mapscope_calib_push\n"
	".type mapscope_calib_push, @function\n"
	"mapscope_calib_push:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	pop %rbp\n"
	"	ret\n"
	".size mapscope_calib_push, . - mapscope_calib_push\n"
	".globl mapscope_calib_twin\n"
	".type mapscope_calib_twin, @function\n"
	"mapscope_calib_twin:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	pop %rbp\n"
	"	ret\n"
	".size mapscope_calib_twin, . - mapscope_calib_twin\n"
	".globl mapscope_calib_jcc\n"
	".type mapscope_calib_jcc, @function\n"
	"mapscope_calib_jcc:\n"
	"	mov $2, %eax\n"
	"	cmp $1, %eax\n"
	".globl mapscope_calib_jcc_site\n"
	"mapscope_calib_jcc_site:\n"
	"	jbe 1f\n"
	"1:	ret\n"
	".size mapscope_calib_jcc, . - mapscope_calib_jcc\n");

void mapscope_calib_push(void);
void mapscope_calib_twin(void); /* never probed: the cold measurement's bare half */
void mapscope_calib_jcc(void);
extern const char mapscope_calib_jcc_site[];

#define CALLS 1000 /* per round: 1-6 ms at the costs seen */
#define ROUNDS 7   /* the median round is taken */
/* The cold measurement: between calls the thread walks a buffer larger than a core's caches, as
 * a program that works between its map calls evicts the kernel's trap path. The walk takes ten
 * times the trap and varies with the other core's load, so the bare and the probed calls are
 * timed in alternate rounds (COLD_PAIRS pairs, the median difference taken): measured apart,
 * a loaded host's cold trap read anywhere from 1.0x to 2.7x the warm one, and a window's counts
 * scaled by a bracket that allows for 2.7x come out 35x too high (zipfkeys at
 * about 10 µs of work a write: the work seen falls to its 5 ns floor). */
#define COLD_CALLS 100
#define COLD_PAIRS 9
#define COLD_BYTES (2u << 20)
/* The most a cold trap may exceed a warm one, relative: 6-36 % measured (core/hkscale.h); a
 * reading above this is the walk's noise, not the trap. */
#define COLD_EXTRA_MAX 0.5
/* Where nothing could be measured: the slowest host seen (6.0-6.2 µs at jbe and push). */
#define FALLBACK_NS 6500.0

static struct calib cal;
static bool done;

bool calib__uprobe_multi(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 6);
}

/* The file offset and path of the mapping that holds addr in this process. */
static int file_offset(const void *addr, char *path, size_t len, unsigned long *off)
{
	uintptr_t a = (uintptr_t)addr;
	unsigned long lo, hi, foff;
	char line[4096], perms[8], file[4096];
	FILE *f = fopen("/proc/self/maps", "r");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		file[0] = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095s", &lo, &hi, perms, &foff, file) <
		    4)
			continue;
		if (a < lo || a >= hi || file[0] != '/')
			continue;
		snprintf(path, len, "%s", file);
		*off = a - lo + foff;
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void walk(volatile unsigned char *buf)
{
	for (size_t i = 0; buf && i < COLD_BYTES; i += 64)
		buf[i]++;
}

/* The thread's CPU time per call of fn over calls calls, each followed by a walk of buf when
 * given. */
static double round_ns(void (*volatile fn)(void), volatile unsigned char *buf, int calls)
{
	uint64_t t0 = clock__ns(CLOCK_THREAD_CPUTIME_ID);

	for (int n = 0; n < calls; n++) {
		fn();
		walk(buf);
	}
	return (double)(clock__ns(CLOCK_THREAD_CPUTIME_ID) - t0) / calls;
}

static double median(double *r, size_t n)
{
	qsort(r, n, sizeof(r[0]), by_value);
	return r[n / 2];
}

/* The median over ROUNDS of the thread's CPU time per call of fn. */
static double per_call(void (*volatile fn)(void))
{
	double r[ROUNDS];

	for (int i = 0; i < ROUNDS; i++)
		r[i] = round_ns(fn, NULL, CALLS);
	return median(r, ROUNDS);
}

/* What a probed call adds with the caches cold: the median over COLD_PAIRS of a round of the
 * probed function less the round of its unprobed twin just before it, both walking buf. */
static double cold_ns(volatile unsigned char *buf)
{
	double d[COLD_PAIRS];

	for (int i = 0; i < COLD_PAIRS; i++) {
		double bare = round_ns(mapscope_calib_twin, buf, COLD_CALLS);

		d[i] = round_ns(mapscope_calib_push, buf, COLD_CALLS) - bare;
	}
	return median(d, COLD_PAIRS);
}

static double prog_run_ns(const struct bpf_program *p, uint64_t spin)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_prog_get_info_by_fd(bpf_program__fd(p), &info, &len) || !info.run_cnt)
		return -1;
	return (double)info.run_time_ns / (double)info.run_cnt - (double)spin;
}

double calib__prog_ns(const struct bpf_program *p)
{
	return prog_run_ns(p, calib__spin_ns());
}

double calib__sites_trap_ns(const unsigned long long *cookies, size_t n, unsigned long long jcc_bit)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += calib__trap_ns(cookies[i] & jcc_bit);
	return n ? sum / (double)n : calib__trap_ns(false);
}

/* One load of the program with the given spin; the added cost per call at each site, and at
 * the push site with the caches cold. */
static int measure(uint64_t spin, double *push, double *jcc, double *cold, double *prog)
{
	unsigned char *buf = calloc(1, COLD_BYTES);
	bool multi = calib__uprobe_multi();
	const void *sites[2] = {(const void *)mapscope_calib_push, mapscope_calib_jcc_site};
	void (*fns[2])(void) = {mapscope_calib_push, mapscope_calib_jcc};
	double *out[2] = {push, jcc};
	struct calib_bpf *skel;
	char path[4096];
	int ret, stats;

	bpferr__quiet_libbpf();
	skel = calib_bpf__open();
	if (!skel) {
		ret = errno ? -errno : -EINVAL;
		free(buf);
		return ret;
	}
	skel->rodata->test_spin_ns = spin;
	bpf_program__set_autoload(multi ? skel->progs.calib_hit : skel->progs.calib_hit_multi,
				  false);
	ret = calib_bpf__load(skel);
	stats = ret ? -1 : bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (!buf)
		ret = -ENOMEM;
	for (int i = 0; !ret && i < 2; i++) {
		unsigned long off;
		struct bpf_link *link;
		double bare = per_call(fns[i]);

		ret = file_offset(sites[i], path, sizeof(path), &off);
		if (ret)
			break;
		if (multi) {
			LIBBPF_OPTS(bpf_uprobe_multi_opts, o, .offsets = &off, .cnt = 1);
			link = bpf_program__attach_uprobe_multi(skel->progs.calib_hit_multi,
								getpid(), path, NULL, &o);
		} else {
			link = bpf_program__attach_uprobe(skel->progs.calib_hit, false, getpid(),
							  path, off);
		}
		if (!link) {
			ret = -errno;
			break;
		}
		*out[i] = per_call(fns[i]) - bare;
		if (!i && buf)
			*cold = cold_ns(buf);
		bpf_link__destroy(link);
	}
	free(buf);
	*prog = ret || stats < 0
			? -1
			: prog_run_ns(multi ? skel->progs.calib_hit_multi : skel->progs.calib_hit,
				      spin);
	*prog = *prog > 0 ? *prog : 0;
	if (stats >= 0)
		close(stats);
	calib_bpf__destroy(skel);
	return ret;
}

int calib__check_env(void)
{
	const char *s = getenv("MAPSCOPE_TEST_HIT_SCALE"), *t = getenv("MAPSCOPE_TESTING");
	char *end;
	double x;

	if (!s)
		return 0;
	if (!t || strcmp(t, "1")) {
		err__set("MAPSCOPE_TEST_HIT_SCALE is a test-only knob (it slows every probe hit): "
			 "unset it, or set MAPSCOPE_TESTING=1 in a test");
		return -EINVAL;
	}
	x = strtod(s, &end);
	if (end == s || *end || !(x >= 1 && x <= 50)) {
		err__set("MAPSCOPE_TEST_HIT_SCALE must be a number from 1 to 50, not '%s'", s);
		return -EINVAL;
	}
	return 0;
}

static double hit_scale(void)
{
	const char *s = getenv("MAPSCOPE_TEST_HIT_SCALE");

	return s && calib__check_env() == 0 ? strtod(s, NULL) : 1;
}

const struct calib *calib__get(void)
{
	double push, jcc, cold, prog, scale = hit_scale();

	if (done)
		return &cal;
	done = true;
	cal.trap_push_ns = cal.trap_jcc_ns = cal.base_ns = FALLBACK_NS;
	cal.cold_extra = 1;
	if (measure(0, &push, &jcc, &cold, &prog))
		return &cal;
	cal.base_ns = (push + jcc) / 2;
	if (scale > 1) {
		cal.spin_ns = (uint64_t)((scale - 1) * cal.base_ns);
		if (measure(cal.spin_ns, &push, &jcc, &cold, &prog))
			return &cal;
	}
	cal.trap_push_ns = push - prog;
	cal.trap_jcc_ns = jcc - prog;
	cal.cold_extra = cold > push ? (cold - push) / (push - prog) : 0;
	cal.cold_extra = cal.cold_extra > COLD_EXTRA_MAX ? COLD_EXTRA_MAX : cal.cold_extra;
	cal.measured = true;
	return &cal;
}

double calib__trap_ns(bool jcc)
{
	const struct calib *c = calib__get();

	return jcc ? c->trap_jcc_ns : c->trap_push_ns;
}

double calib__cold_extra(void)
{
	return calib__get()->cold_extra;
}

uint64_t calib__spin_ns(void)
{
	return calib__get()->spin_ns;
}
