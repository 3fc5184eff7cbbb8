/* JSON writer: nesting, escaping, and hostile bytes always yielding valid JSON. */
#include "t.h"

#include "core/json.h"

#include <stdlib.h>

static char *render(void (*fill)(struct json *), int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json *j = json__new(f);

	fill(j);
	*ret = json__free(j);
	fclose(f);
	return buf;
}

static void fill_nested(struct json *j)
{
	json__obj_begin(j);
	json__key(j, "a");
	json__arr_begin(j);
	json__int(j, -1);
	json__uint(j, 18446744073709551615ull);
	json__hex(j, 0x401000);
	json__double(j, 0.1);
	json__double(j, 1.0 / 0.0);
	json__bool(j, true);
	json__null(j);
	json__arr_end(j);
	json__key(j, "b");
	json__obj_begin(j);
	json__obj_end(j);
	json__obj_end(j);
}

static void fill_strings(struct json *j)
{
	json__arr_begin(j);
	json__str(j, "q\"b\\n\nt\tc\x01");
	json__strn(j, "\xff\xc3\xa9\xe2\x82", 5); /* invalid byte, é, truncated sequence */
	json__str(j, NULL);
	json__arr_end(j);
}

static void fill_unbalanced(struct json *j)
{
	json__obj_begin(j);
}

TEST(nested)
{
	int ret;
	char *s = render(fill_nested, &ret);

	CHECK_EQ(ret, 0);
	CHECK_STR(s, "{\"a\":[-1,18446744073709551615,\"0x401000\",0.1,null,true,null],\"b\":{}}\n");
	free(s);
}

TEST(escaping)
{
	int ret;
	char *s = render(fill_strings, &ret);

	CHECK_EQ(ret, 0);
	CHECK_STR(s, "[\"q\\\"b\\\\n\\nt\\tc\\u0001\",\"\\u00ff\xc3\xa9\\u00e2\\u0082\",null]\n");
	free(s);
}

TEST(unbalanced_is_reported)
{
	int ret;
	char *s = render(fill_unbalanced, &ret);

	CHECK(ret != 0);
	free(s);
}

T_MAIN()
