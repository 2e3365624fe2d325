/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a scenario costs the host: CPU reads and writes and device reads go
 * through a bounded buffer, whatever their length, so a scenario that fits in
 * its simulated memory fits in the host too. Each case runs in a child with
 * its address space limited to the machine plus a margin far smaller than the
 * access; before the fix each case allocated a host buffer as long as the
 * access and failed (a write or read with ENOMEM; a device read passed
 * without comparing anything).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../common/cmocka_tap.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/run.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

/* The simulated memory; the access is 3/4 of it, the host margin 1/8. */
#define MACHINE		(256UL << 20)
#define MARGIN		(MACHINE / 8)

static long vm_size_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/*
 * Run @text under mainline in a child limited to what it has now, plus the
 * machine, plus MARGIN. Exit status: the cell, or 100 + what went wrong.
 */
static int run_limited(const char *text, char *reason, size_t len)
{
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[SCN_ERR_MAX];
		struct scenario_result res;
		struct scenario *s;
		struct rlimit rl;
		long now = vm_size_bytes();

		close(fds[0]);
		if (scenario_parse_buffer("limits.pin", text, strlen(text), &s, err, sizeof(err)))
			_exit(101);
		if (now < 0)
			_exit(102);
		rl.rlim_cur = rl.rlim_max = (rlim_t)now + MACHINE + MARGIN;
		if (setrlimit(RLIMIT_AS, &rl))
			_exit(103);
		if (scenario_run(s, "mainline", &res, NULL))
			_exit(104);
		if (write(fds[1], res.reason, strlen(res.reason)) < 0)
			_exit(105);
		_exit((int)res.cell);
	}
	close(fds[1]);
	memset(reason, 0, len);
	if (read(fds[0], reason, len - 1) < 0)
		reason[0] = 0;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

#define HDR "scenario \"host limits\"\npresets mainline\nmemory 256M\nprocess p\n" \
	    "mmap p m anon len=192M private rw\n"

static void check_passes(const char *text)
{
	char reason[SCN_REASON_MAX];
	int cell;

#ifdef UNDER_SANITIZER
	skip();		/* the sanitizers reserve terabytes: RLIMIT_AS cannot bound them */
#endif
	cell = run_limited(text, reason, sizeof(reason));
	if (cell != SCN_PASS)
		print_message("# cell %d: %s\n", cell, reason);
	assert_int_equal(cell, SCN_PASS);
}

static void test_long_write_and_read(void **state)
{
	check_passes(HDR "write p m+0 len=192M byte=0x5a\n"
		     "read p m+0 len=192M expect=0x5a\n");
}

/* A device read as long as the pinned range compares every byte. */
static void test_long_dma_read(void **state)
{
	check_passes(HDR "write p m+0 len=192M byte=0x33\n"
		     "pin p m len=192M as=h\n"
		     "dma h read expect=0x33\n"
		     "unpin h\n");
}

/* ...and still finds a wrong byte near the end: the chunks are compared, not skipped. */
static void test_long_dma_read_mismatch(void **state)
{
	char reason[SCN_REASON_MAX];

#ifdef UNDER_SANITIZER
	skip();
#endif
	assert_int_equal(run_limited(HDR "write p m+0 len=192M byte=0x33\n"
				     "write p m+191M len=1 byte=0x44\n"
				     "pin p m len=192M as=h\n"
				     "dma h read expect=0x33\n"
				     "unpin h\n", reason, sizeof(reason)), SCN_CORRUPT);
	assert_non_null(strstr(reason, "found 0x44 at +200278016"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_write_and_read),
		cmocka_unit_test(test_long_dma_read),
		cmocka_unit_test(test_long_dma_read_mismatch),
	};

	return RUN_TAP(tests, NULL, NULL);
}
