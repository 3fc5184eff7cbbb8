/* cwlog: the concurrent-write store keeps a fatal event out of the count until it is sealed
 * (its threads come after it), and output/cwrite.h reads what collect wrote. registry's calls:
 * settled run totals never fall. */
#include "model/cwlog.h"
#include "model/registry.h"
#include "output/cwrite.h"
#include "t.h"

#include <stdlib.h>

TEST(fatal_counted_once_sealed)
{
	struct cwrite_log *l = NULL;
	struct cwrite *c;
	struct cwrite_side *th;
	size_t i, held;
	char line[512];

	CHECK_EQ(cwlog__new(&l), 0);
	c = cwlog__append(l, &i);
	CHECK(c);
	CHECK_EQ(i, 0);
	CHECK_EQ(c->writer, -1);
	c->map = 0xc000123000;
	c->g[0].goid = 7;
	CHECK_EQ(cwlog__count(l), 1);
	CHECK(!cwlog__held(l, &held));
	c = cwlog__append(l, &i);
	CHECK(c);
	c->fatal = true;
	c->map = 0xc000456000;
	c->g[0].goid = 9;
	cwlog__hold(l, i);
	CHECK_EQ(cwlog__count(l), 1);
	CHECK(cwlog__held(l, &held) == c);
	CHECK_EQ(held, 1);
	th = cwlog__thread(c);
	CHECK(th);
	th->goid = 11;
	th->in_write = true;
	c->writer = (int)c->nth++;
	cwlog__seal(l);
	CHECK_EQ(cwlog__count(l), 2);
	CHECK(!cwlog__held(l, &held));
	CHECK(cwlog__at(l, 1)->sealed_ns > 0);
	cwrite__line(l, 1, line, sizeof(line));
	CHECK(strstr(line, "goroutine 9") && strstr(line, "and goroutine 11"));
	CHECK(strstr(line, "killing the program"));
	cwlog__free(l);
	cwlog__free(NULL);
	CHECK_EQ(cwlog__count(NULL), 0);
}

TEST(settled_totals_never_fall)
{
	struct reg_map m = { 0 };
	struct reg_calls c = { .writes = 100, .reads = 50, .deletes = 5, .writes_low = 80,
			       .writes_high = 120, .reads_low = 40, .reads_high = 60 };

	/* Before the scale settles an estimate is taken as it comes, up or down. */
	registry__set_calls(&m, &c, false, false);
	c.writes = 60;
	registry__set_calls(&m, &c, false, false);
	CHECK_EQ(m.calls.writes, 60);
	/* Settled: a lower estimate keeps the total shown, and the range's top rises to it. */
	c.writes = 100;
	registry__set_calls(&m, &c, true, true);
	c = (struct reg_calls){ .writes = 90, .reads = 70, .deletes = 4, .writes_low = 70,
				.writes_high = 95, .reads_low = 60, .reads_high = 80 };
	registry__set_calls(&m, &c, true, true);
	CHECK_EQ(m.calls.writes, 100);
	CHECK_EQ(m.calls.writes_high, 100);
	CHECK_EQ(m.calls.writes_low, 70);
	CHECK_EQ(m.calls.reads, 70);
	CHECK_EQ(m.calls.reads_high, 80);
	CHECK_EQ(m.calls.deletes, 5);
	/* Each count by its own scale: reads not settled yet fall, writes do not. */
	c.reads = 10;
	c.writes = 1;
	registry__set_calls(&m, &c, true, false);
	CHECK_EQ(m.calls.reads, 10);
	CHECK_EQ(m.calls.writes, 100);
}

T_MAIN()
