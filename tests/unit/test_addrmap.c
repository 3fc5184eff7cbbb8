/* addrmap: every key put is found with its last value, keys never put are not, a NULL value is
 * held as a value, and key 0 is refused; over keys that share their low bits (48-byte objects)
 * as heap addresses do. */
#include "t.h"

#include "core/addrmap.h"

#include <errno.h>
#include <stdint.h>

#define NKEYS 20000

TEST(finds_what_was_put)
{
	struct addrmap m = {0};
	void *v;

	for (uint64_t i = 0; i < NKEYS; i++)
		CHECK_EQ(addrmap__put(&m, 0xc000010000ull + i * 48, (void *)(uintptr_t)(i + 1)), 0);
	/* Overwrite every other one; a NULL value for every fifth. */
	for (uint64_t i = 0; i < NKEYS; i += 2)
		CHECK_EQ(addrmap__put(&m, 0xc000010000ull + i * 48,
				      i % 5 ? (void *)(uintptr_t)(i + 7) : NULL),
			 0);
	CHECK_EQ(m.n, NKEYS);
	for (uint64_t i = 0; i < NKEYS; i++) {
		uint64_t want = i % 2 ? i + 1 : (i % 5 ? i + 7 : 0);

		CHECK(addrmap__get(&m, 0xc000010000ull + i * 48, &v));
		CHECK_EQ((uintptr_t)v, want);
		/* Between two keys: never put. */
		CHECK(!addrmap__get(&m, 0xc000010000ull + i * 48 + 8, NULL));
	}
	CHECK_EQ(addrmap__put(&m, 0, NULL), -EINVAL);
	CHECK(!addrmap__get(&m, 0, NULL));
	addrmap__clear(&m);
	CHECK(!addrmap__get(&m, 0xc000010000ull, NULL));
	addrmap__clear(NULL);
}

T_MAIN()
