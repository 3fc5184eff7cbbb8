/* fake_remote: the fuzz targets' stand-in for src/model/remote.c (linked instead of it, the seam
 * that lets the map readers run on arbitrary "remote memory" without a second process).
 *
 * The target's address space is one region of FUZZ_REMOTE_BASE.. set by fuzz_remote__set();
 * every other address is unmapped. Reads follow process_vm_readv's contract as remote.c uses
 * it: a read that leaves the region fails with -EFAULT, and a batch of word reads stops at the
 * first word that cannot be read. */
#include "fake_remote.h"

#include "model/remote.h"

#include <errno.h>
#include <string.h>

static const uint8_t *mem;
static size_t mem_len;

void fuzz_remote__set(const uint8_t *data, size_t len)
{
	mem = data;
	mem_len = len;
}

static int readable(uint64_t addr, size_t n)
{
	return addr >= FUZZ_REMOTE_BASE && addr - FUZZ_REMOTE_BASE <= mem_len &&
	       n <= mem_len - (addr - FUZZ_REMOTE_BASE);
}

int remote__read(pid_t pid, uint64_t addr, void *dst, size_t n)
{
	(void)pid;
	if (n == 0)
		return 0;
	if (!readable(addr, n))
		return -EFAULT;
	memcpy(dst, mem + (addr - FUZZ_REMOTE_BASE), n);
	return 0;
}

long remote__read_words(pid_t pid, const uint64_t *addrs, uint64_t *out, size_t n)
{
	size_t i;

	(void)pid;
	for (i = 0; i < n && readable(addrs[i], 8); i++)
		memcpy(&out[i], mem + (addrs[i] - FUZZ_REMOTE_BASE), 8);
	return i ? (long)i : (n ? -EFAULT : 0);
}

int remote__load_bias(pid_t pid, const char *exe_path, int pie, uint64_t first_vaddr,
		      uint64_t *bias)
{
	(void)pid;
	(void)exe_path;
	(void)pie;
	(void)first_vaddr;
	*bias = 0;
	return 0;
}
