/* test.h - a tiny unit-test harness.
 *
 * Each test file defines TEST(name) { ... } functions; they register
 * themselves before main() runs, so adding a file to tests/unit/ (or a
 * folder under it) is all it takes. The runner (runner.c) prints one line
 * per failure and ends with "N passed, N failed".
 *
 *   ./unit-tests              run everything
 *   ./unit-tests PATTERN      run tests whose name contains PATTERN */
#ifndef TERN_TEST_H
#define TERN_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct test_case {
	const char *name;
	const char *file;
	void (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *tc);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* path of a fresh temporary directory for this test (removed afterwards) */
const char *test_tmpdir(void);

/* the function is test_NAME, so NAME may also be the function tested */
#define TEST(name)                                                        \
	static void test_##name(void);                                    \
	static struct test_case test_##name##_case = {                    \
		#name, __FILE__, test_##name, 0 };                        \
	__attribute__((constructor)) static void test_##name##_register(void) \
	{                                                                 \
		test_register(&test_##name##_case);                       \
	}                                                                 \
	static void test_##name(void)

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond))                                              \
			test_fail(__FILE__, __LINE__, "%s", #cond);       \
	} while (0)

#define CHECK_INT(a, b)                                                   \
	do {                                                              \
		long long a_ = (long long)(a), b_ = (long long)(b);       \
		if (a_ != b_)                                             \
			test_fail(__FILE__, __LINE__, "%s == %lld, want %lld", \
				  #a, a_, b_);                            \
	} while (0)

#define CHECK_STR(a, b)                                                   \
	do {                                                              \
		const char *a_ = (a), *b_ = (b);                          \
		if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)      \
			test_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", \
				  #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} while (0)

/* compare length-counted bytes with a C string */
#define CHECK_MEM(p, n, s)                                                \
	do {                                                              \
		const void *p_ = (p);                                     \
		size_t n_ = (n);                                          \
		const char *s_ = (s);                                     \
		if (n_ != strlen(s_) || (n_ && memcmp(p_, s_, n_) != 0))  \
			test_fail(__FILE__, __LINE__, "%s == \"%.*s\", want \"%s\"", \
				  #p, (int)n_, (const char *)p_, s_);     \
	} while (0)

#endif
