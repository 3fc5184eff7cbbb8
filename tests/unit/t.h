/* t.h: a minimal unit-test framework. Each TEST(name) is a function; main() runs them all and
 * prints "ok - name" / "not ok - name # reason" lines that tests/run.py counts. */
#ifndef MAPSCOPE_TESTS_T_H
#define MAPSCOPE_TESTS_T_H

#include <stdio.h>
#include <string.h>

struct t_case {
	const char *name;
	void (*fn)(void);
};

extern struct t_case t_cases[];
extern int t_ncases;
static int t_failed_current;

#define T_MAX_CASES 256

#define TEST(name)                                                                           \
	static void test_##name(void);                                                       \
	__attribute__((constructor)) static void register_##name(void)                       \
	{                                                                                    \
		if (t_ncases < T_MAX_CASES)                                                  \
			t_cases[t_ncases++] = (struct t_case){ #name, test_##name };         \
	}                                                                                    \
	static void test_##name(void)

#define T_FAIL(...)                                                                          \
	do {                                                                                 \
		printf("not ok - %s # %s:%d: ", t_current, __FILE__, __LINE__);             \
		printf(__VA_ARGS__);                                                         \
		printf("\n");                                                                \
		t_failed_current = 1;                                                        \
		return;                                                                      \
	} while (0)

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond))                                                                 \
			T_FAIL("CHECK(%s)", #cond);                                          \
	} while (0)

#define CHECK_EQ(a, b)                                                                       \
	do {                                                                                 \
		long long _a = (long long)(a), _b = (long long)(b);                          \
		if (_a != _b)                                                                \
			T_FAIL("%s == %lld, want %s == %lld", #a, _a, #b, _b);               \
	} while (0)

#define CHECK_STR(a, b)                                                                      \
	do {                                                                                 \
		const char *_a = (a), *_b = (b);                                             \
		if (!_a || strcmp(_a, _b) != 0)                                              \
			T_FAIL("%s == \"%s\", want \"%s\"", #a, _a ? _a : "(null)", _b);     \
	} while (0)

static const char *t_current;

/* Define once per test binary, after the tests: T_MAIN() */
#define T_MAIN()                                                                             \
	struct t_case t_cases[T_MAX_CASES];                                                  \
	int t_ncases;                                                                        \
	int main(void)                                                                       \
	{                                                                                    \
		int failed = 0;                                                              \
		setvbuf(stdout, NULL, _IOLBF, 0);                                            \
		for (int i = 0; i < t_ncases; i++) {                                         \
			t_current = t_cases[i].name;                                         \
			t_failed_current = 0;                                                \
			t_cases[i].fn();                                                     \
			if (!t_failed_current)                                               \
				printf("ok - %s\n", t_cases[i].name);                        \
			failed += t_failed_current;                                          \
		}                                                                            \
		return failed ? 1 : 0;                                                       \
	}

#endif
