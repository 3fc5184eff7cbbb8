/* calib: what one probe hit costs the target on this host, measured at run time.
 *
 * The trap into the kernel and back at an emulated site differs fivefold between hosts of one
 * kind (1.0 µs on some, 6 µs on others), so no budget or scale may use a cost written into the
 * code. calib__get() probes two functions of mapscope's own, shaped like a Go prologue's probe
 * sites (push %rbp, and a not-taken jbe), and times a thousand calls at a time on this thread.
 *
 * The test-only knob MAPSCOPE_TEST_HIT_SCALE=X (refused unless MAPSCOPE_TESTING=1) makes every
 * hit of every mapscope BPF program X times as dear: each program spins for (X - 1) times the
 * measured cost of a hit, and the measurement is taken again with the spin in place, so a fast
 * host runs as a slow one would, calibration included. */
#ifndef MAPSCOPE_COLLECT_CALIB_H
#define MAPSCOPE_COLLECT_CALIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_program;

struct calib {
	/* The added cost of a hit, less the calibration program's own run time (which the real
	 * programs measure for themselves): at a push %rbp site and at a jbe site. */
	double trap_push_ns, trap_jcc_ns;
	double base_ns; /* a hit's whole cost before the knob's spin (trap and program) */
	/* How much dearer a trap is when the program evicted the caches between its hits, relative
	 * to trap_push_ns (measured with 2 MiB walked between calls): a window's hits cost between
	 * the two, by what the program does between its map calls. */
	double cold_extra;
	uint64_t spin_ns; /* the knob's spin per hit, 0 outside tests */
	bool measured;	  /* false: the measurement failed and the figures are a fallback */
};

/* Checks the environment once at start: the knob outside tests is a usage error. Returns 0 or
 * -EINVAL with a message recorded. */
int calib__check_env(void);
/* The host's figures, measured on the first call (tens of ms) and kept for the process. Never
 * fails: when the probes cannot be placed, measured is false and the figures are conservative
 * (the slowest host seen); the caller's own probes would then fail to attach anyway. */
const struct calib *calib__get(void);
/* The trap cost for a site: jcc, a stack-check jbe; otherwise a push. */
double calib__trap_ns(bool jcc);
/* The mean trap cost over n probe sites, by their attach cookies: jcc_bit set marks a jbe. */
double calib__sites_trap_ns(const unsigned long long *cookies, size_t n,
			    unsigned long long jcc_bit);
/* A loaded program's mean run per hit by the kernel's statistics, the knob's spin (which stands
 * for a slower trap) excluded; -1 when it has not run or the statistics are off. */
double calib__prog_ns(const struct bpf_program *p);
/* cold_extra, measured or the fallback's. */
double calib__cold_extra(void);
/* The spin every BPF program is loaded with (rodata test_spin_ns); 0 outside tests. */
uint64_t calib__spin_ns(void);
/* Linux 6.6+: uprobe_multi links. */
bool calib__uprobe_multi(void);

#endif
