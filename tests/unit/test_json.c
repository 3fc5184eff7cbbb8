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

static double one_value;

static void fill_one(struct json *j)
{
	json__double(j, one_value);
}

/* Every finite double reads back as itself, loads (k / 2^n) printed exactly. */
TEST(doubles_read_back)
{
	const double vs[] = {
		0, 1, 3, 0.5, 0.875, 300.0 / 512, 100.0 / 131072, 999999.0 / 1048576,
		4294967295.0, 4294967296.0, 1e300, -0.25, 0.1, 1.0 / 3, 2.5e-9,
		16777215.0 / 16777216,
	};

	for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
		int ret;
		char *s, *end;

		one_value = vs[i];
		s = render(fill_one, &ret);
		CHECK(s);
		if (strtod(s, &end) != vs[i] || *end != '\n')
			T_FAIL("%.17g printed as %s", vs[i], s);
		free(s);
	}
	one_value = 300.0 / 512;
	{
		int ret;
		char *s = render(fill_one, &ret);

		CHECK_STR(s, "0.5859375\n");
		free(s);
	}
}

T_MAIN()
