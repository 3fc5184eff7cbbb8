/* The test-only knob that makes every probe hit dearer (MAPSCOPE_TEST_HIT_SCALE, collect/calib.h):
 * each program spins test_spin_ns at its start, so that a fast host shows a slow host's costs.
 * Included by the BPF programs only; 0 (the default) costs one load of a constant. */
#ifndef MAPSCOPE_BPF_SPIN_H
#define MAPSCOPE_BPF_SPIN_H

const volatile __u64 test_spin_ns = 0;

static long spin_until(__u64 i, void *end)
{
	return bpf_ktime_get_ns() >= *(__u64 *)end;
}

static __always_inline void test_spin(void)
{
	__u64 end;

	if (!test_spin_ns)
		return;
	end = bpf_ktime_get_ns() + test_spin_ns;
	bpf_loop(1 << 20, spin_until, &end, 0);
}

#endif
