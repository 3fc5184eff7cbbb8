/* cppcheck runs without the system headers (--suppress=missingIncludeSystem); this gives it the
 * one libbpf macro that changes how our code parses (tests/integration/test_static.py). */
#define LIBBPF_OPTS(TYPE, NAME, ...) struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }
