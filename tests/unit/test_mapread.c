/* mapread__classic_count_ok: the most entries a classic map of 2^B buckets can hold, from
 * runtime.mapassign's load-factor check (GO-MAP-INTERNALS.md §1.2). */
#include "model/mapread.h"
#include "t.h"

TEST(classic_count_bound)
{
	/* One bucket: 8; from two, 6.5 a bucket. */
	CHECK(mapread__classic_count_ok(8, 0, false));
	CHECK(!mapread__classic_count_ok(9, 0, false));
	CHECK(mapread__classic_count_ok(13, 1, false));
	CHECK(!mapread__classic_count_ok(14, 1, false));
	CHECK(mapread__classic_count_ok(13 << 9, 10, false));
	CHECK(!mapread__classic_count_ok((13 << 9) + 1, 10, false));
	/* Growing: a same-size growth's inserts may pass it by its 2^B old buckets. */
	CHECK(mapread__classic_count_ok(13 + 2, 1, true));
	CHECK(!mapread__classic_count_ok(13 + 3, 1, true));
	/* The header that read 14 entries with B 0 (other memory, under churn). */
	CHECK(!mapread__classic_count_ok(14, 0, false));
	CHECK(!mapread__classic_count_ok(0, 57, false));
}

T_MAIN()
