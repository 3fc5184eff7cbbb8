/* remote: clustered reads of this process's own memory (process_vm_readv on our own pid needs
 * no privilege) against the bytes themselves. */
#include "model/remote.h"
#include "t.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Regions crowded in one page, alone on others, repeated, crossing a page boundary, and some
 * unreadable (a page mapped PROT_NONE): each read region holds the memory's own bytes. */
TEST(remote_clustered_reads_the_memory)
{
	const size_t each = 48, n = 64;
	uint8_t *mem =
		mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t addrs[64];
	uint8_t got[64 * 48], ok[64];

	CHECK(mem != MAP_FAILED);
	for (size_t i = 0; i < 4 * 4096; i++)
		mem[i] = (uint8_t)(i * 7 + 3);
	CHECK_EQ(mprotect(mem + 3 * 4096, 4096, PROT_NONE), 0);
	for (size_t i = 0; i < n; i++) {
		if (i < 40)
			addrs[i] = (uint64_t)(uintptr_t)mem + 48 * ((i * 13) % 80); /* page 0 */
		else if (i < 50)
			addrs[i] = (uint64_t)(uintptr_t)mem + 4096 + 400 * (i - 40); /* page 1 */
		else if (i < 55)
			addrs[i] = addrs[i - 50]; /* repeated */
		else if (i < 60)
			addrs[i] =
				(uint64_t)(uintptr_t)mem + 2 * 4096 - 20 + (i - 55); /* crossing */
		else
			addrs[i] = (uint64_t)(uintptr_t)mem + 3 * 4096 + 100 * (i - 60); /* none */
	}
	CHECK_EQ(remote__read_clustered(getpid(), addrs, each, got, ok, n), 60);
	/* Against the memory itself: each region read is its bytes, the unreadable ones not. */
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ(ok[i], i < 60);
		if (ok[i])
			CHECK(!memcmp(got + i * each, (const void *)(uintptr_t)addrs[i], each));
	}
	munmap(mem, 4 * 4096);
}

T_MAIN()
