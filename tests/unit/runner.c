/* runner.c - runs every registered unit test, prints "N passed, N failed" */
#include "test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static struct test_case *tests, **tests_tail = &tests;
static int current_failed;
static char tmpdir[256];

void
test_register(struct test_case *tc)
{
	*tests_tail = tc;
	tests_tail = &tc->next;
}

void
test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	current_failed = 1;
}

const char *
test_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/tern-unit-XXXXXX");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(2);
		}
	}
	return tmpdir;
}

static void
tmpdir_cleanup(void)
{
	char cmd[300];

	if (tmpdir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	tmpdir[0] = '\0';
}

int
main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (struct test_case *tc = tests; tc; tc = tc->next) {
		if (argc > 1 && strstr(tc->name, argv[1]) == NULL)
			continue;
		current_failed = 0;
		tc->fn();
		tmpdir_cleanup();
		if (current_failed) {
			fprintf(stderr, "FAILED %s (%s)\n", tc->name, tc->file);
			failed++;
		} else {
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
