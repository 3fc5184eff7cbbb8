#include "model/remote.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define BATCH 1024 /* IOV_MAX */

int remote__read(pid_t pid, uint64_t addr, void *dst, size_t n)
{
	struct iovec local = { dst, n }, rem = { (void *)(uintptr_t)addr, n };
	ssize_t got;

	if (n == 0)
		return 0;
	got = process_vm_readv(pid, &local, 1, &rem, 1, 0);
	if (got < 0)
		return -errno;
	return (size_t)got == n ? 0 : -EFAULT;
}

long remote__read_words(pid_t pid, const uint64_t *addrs, uint64_t *out, size_t n)
{
	struct iovec local[BATCH], rem[BATCH];
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < BATCH ? n - done : BATCH;
		ssize_t got;

		for (size_t i = 0; i < k; i++) {
			local[i] = (struct iovec){ &out[done + i], 8 };
			rem[i] = (struct iovec){ (void *)(uintptr_t)addrs[done + i], 8 };
		}
		got = process_vm_readv(pid, local, k, rem, k, 0);
		if (got < 0)
			return done ? (long)done : -errno;
		done += (size_t)got / 8;
		if ((size_t)got < k * 8)
			break;
	}
	return (long)done;
}

long remote__read_each(pid_t pid, const uint64_t *addrs, size_t each, void *out, uint8_t *ok,
		       size_t n)
{
	struct iovec local[BATCH], rem[BATCH];
	uint8_t *dst = out;
	size_t at = 0;
	long good = 0;

	memset(ok, 0, n);
	while (at < n && each) {
		size_t k = n - at < BATCH ? n - at : BATCH, whole;
		ssize_t got;

		for (size_t i = 0; i < k; i++) {
			local[i] = (struct iovec){dst + (at + i) * each, each};
			rem[i] = (struct iovec){(void *)(uintptr_t)addrs[at + i], each};
		}
		got = process_vm_readv(pid, local, k, rem, k, 0);
		if (got < 0 && (errno == ESRCH || errno == EPERM))
			return -errno;
		/* The first region not read whole is skipped; the rest are tried again. */
		whole = got < 0 ? 0 : (size_t)got / each;
		memset(ok + at, 1, whole);
		good += (long)whole;
		at += whole + (whole < k);
	}
	return good;
}

int remote__load_bias(pid_t pid, const char *exe_path, int pie, uint64_t first_vaddr,
		      uint64_t *bias)
{
	char path[64], line[PATH_MAX + 128], real[PATH_MAX];
	FILE *f;
	int ret = -ENOENT;

	*bias = 0;
	if (!pie)
		return 0;
	if (!realpath(exe_path, real))
		snprintf(real, sizeof(real), "%s", exe_path);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	/* The executable's mapping of file offset 0 starts at first_vaddr + bias. */
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, off;
		char *name = strchr(line, '/');

		if (!name || sscanf(line, "%llx-%llx %*s %llx", &lo, &hi, &off) != 3)
			continue;
		name[strcspn(name, "\n")] = '\0';
		if (strcmp(name, real) != 0 || off != 0)
			continue;
		*bias = lo - (first_vaddr & ~0xfffull);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}
