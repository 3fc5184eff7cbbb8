/* heapscan__value_fits: the value cut's verdict on the heap object a map value points at, for
 * the element types Prometheus's series-hash maps leave as candidates (same buckets, same
 * bucket pointer mask): []byte (pointer-free), []*T (every word a pointer) and []Label
 * (Label{Name, Value string}: words 1,0,1,0). */
#include "model/heapscan.h"
#include "t.h"

#include <stdint.h>

static const uint8_t ptr_mask = 0x1;   /* *T: one word, a pointer */
static const uint8_t label_mask = 0x5; /* two strings: PtrBytes 24, words 0 and 2 */

static int as_bytes(const struct heapscan_obj *o)
{
	return heapscan__value_fits(1, 0, NULL, o);
}

static int as_ptrs(const struct heapscan_obj *o)
{
	return heapscan__value_fits(8, 8, &ptr_mask, o);
}

static int as_labels(const struct heapscan_obj *o)
{
	return heapscan__value_fits(32, 24, &label_mask, o);
}

TEST(noscan_object_holds_only_pointer_free_elements)
{
	/* A tiny block shared by small noscan objects: the pointer need not start it. */
	struct heapscan_obj o = {.n = 5, .room = 11, .noscan = true, .whole = true};

	CHECK_EQ(as_bytes(&o), 1);
	CHECK_EQ(as_ptrs(&o), 0);
	CHECK_EQ(as_labels(&o), 0);
}

TEST(all_pointer_words_are_pointers)
{
	uint8_t bits[8] = {0x0f};
	struct heapscan_obj o = {.n = 4, .room = 32, .whole = true, .bits = bits, .words = 4};

	CHECK_EQ(as_ptrs(&o), 1);
	/* Four labels need 128 bytes: not in a 32-byte object. */
	CHECK_EQ(as_labels(&o), 0);
	CHECK_EQ(as_bytes(&o), 0);
}

TEST(label_words_alternate)
{
	uint8_t bits[8] = {0x05};
	struct heapscan_obj o = {.n = 1, .room = 32, .whole = true, .bits = bits, .words = 4};

	CHECK_EQ(as_labels(&o), 1);
	/* One pointer's array would be in an 8-byte object, not fill under half of 32 bytes. */
	CHECK_EQ(as_ptrs(&o), 0);
	CHECK_EQ(as_bytes(&o), 0);
	/* Not allocated for the slice (a pointer's object): only the bits say, and they agree. */
	o.whole = false;
	CHECK_EQ(as_ptrs(&o), 1);
	o.n = 4;
	o.room = 32;
	CHECK_EQ(as_ptrs(&o), 0);
}

TEST(last_element_tail_is_not_compared)
{
	uint8_t bits[8] = {0x05 | 0x50 | 0x80};
	struct heapscan_obj o = {.n = 2, .room = 64, .whole = true, .bits = bits, .words = 8};

	CHECK_EQ(as_labels(&o), 1);
	bits[0] |= 0x08; /* the first element's last word: a scalar in the mask */
	CHECK_EQ(as_labels(&o), 0);
}

TEST(unknown_cannot_tell)
{
	uint8_t zero[8] = {0};
	struct heapscan_obj o = {.n = 1, .room = 8, .words = 1};

	/* A scan object without its bits: pointers or not, nothing says. */
	CHECK_EQ(as_ptrs(&o), -1);
	CHECK_EQ(as_bytes(&o), -1);
	/* A scan object whose bits show no pointer may still hold pointer-free elements. */
	o.bits = zero;
	CHECK_EQ(as_bytes(&o), -1);
	CHECK_EQ(as_ptrs(&o), 0);
	/* No elements, or a GC program (mask unknown). */
	o.n = 0;
	CHECK_EQ(as_ptrs(&o), -1);
	o.n = 1;
	CHECK_EQ(heapscan__value_fits(8, 8, NULL, &o), -1);
}

T_MAIN()
