/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host layer's promises about itself: a run is time-bounded, a crashed
 * process is noticed and reaped, and disks, loop devices and files are gone
 * after a run however it ended.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pinmm/host/host.h>
#include "../../src/host/internal.h"

static bool gone(const char *path)
{
	struct stat st;

	return stat(path, &st) && errno == ENOENT;
}

static int sleeper(void *arg, void *out)
{
	(void)arg;
	(void)out;
	for (;;)
		pause();
	return 0;
}

static void test_timeout_kills_and_cleans(void **state)
{
	char dir[1024];
	int out = 0;
	double t0;

	(void)state;
	assert_int_equal(host_mkdtemp(dir, sizeof(dir)), 0);
	t0 = host_now();
	assert_int_equal(host_isolated_run(sleeper, NULL, &out, sizeof(out), 1, dir), -ETIMEDOUT);
	assert_true(host_now() - t0 < 5);
	assert_true(gone(dir));
}

struct crash_out {
	int access_err, reaped_err;
	pid_t pid;
};

/* A scenario process dies under the session: the next request says so. */
static int crash(void *arg, void *outp)
{
	struct crash_out *out = outp;
	struct host_session *hs;
	struct host_mmap_args a = { .file = -1, .len = 4096, .writable = true };
	uint64_t addr;
	int proc, err;

	err = host_session_open(&hs, arg, host_now() + 10);
	if (!err)
		err = host_proc_create(hs, &proc);
	if (!err)
		err = host_mmap(hs, proc, &a, &addr);
	if (err)
		return err;
	out->pid = hs->procs[proc].pid;
	kill(out->pid, SIGKILL);
	out->access_err = host_access(hs, proc, addr, 4096, true, 1, false, NULL);
	host_session_close(hs);
	out->reaped_err = waitpid(out->pid, NULL, WNOHANG) < 0 ? -errno : 0;
	return 0;
}

static void test_crashed_process_is_reaped(void **state)
{
	struct crash_out out = { 0 };
	char dir[1024];

	(void)state;
	if (!host_usable(NULL, 0))
		skip();
	assert_int_equal(host_mkdtemp(dir, sizeof(dir)), 0);
	assert_int_equal(host_isolated_run(crash, dir, &out, sizeof(out), 10, dir), 0);
	assert_int_equal(out.access_err, -ECHILD);
	assert_int_equal(out.reaped_err, -ECHILD);	/* no zombie left */
	assert_true(gone(dir));
}

struct disk_out {
	int loop_nr;
	int fault_err;
	char mnt[PATH_MAX];
};

/*
 * A disk, a file, a mapping and a long-term pin, then the run ends without
 * closing anything (as a crash would): the mount namespace and autoclear must
 * take it all down.
 */
static int leave_a_mess(void *arg, void *outp)
{
	struct disk_out *out = outp;
	struct host_session *hs;
	char why[HOST_WHY_MAX];
	struct host_mmap_args a = { .len = 65536, .shared = true, .writable = true };
	uint64_t addr;
	int fs, proc, pin, err;

	err = host_session_open(&hs, arg, host_now() + 20);
	if (!err)
		err = host_disk_create(hs, 16 << 20, false, &fs, why, sizeof(why));
	if (!err)
		err = host_file_create(hs, fs, "f", 65536, 0x11, &a.file);
	if (!err)
		err = host_proc_create(hs, &proc);
	if (!err)
		err = host_mmap(hs, proc, &a, &addr);
	if (err)
		return err;
	out->loop_nr = hs->fs[fs].loop_nr;
	snprintf(out->mnt, sizeof(out->mnt), "%s", hs->fs[fs].mnt);
	/* A shared ext4 mapping: mainline refuses the writable longterm pin. */
	out->fault_err = host_pin_longterm(hs, proc, addr, 65536, 1, &pin);
	return 0;		/* no host_session_close(): the isolation must cope */
}

static void test_disk_gone_after_run(void **state)
{
	struct disk_out out = { .loop_nr = -1 };
	char dir[1024], backing[128];
	int i;

	(void)state;
	if (!host_usable(NULL, 0) || !host_can_mount())
		skip();
	assert_int_equal(host_mkdtemp(dir, sizeof(dir)), 0);
	assert_int_equal(host_isolated_run(leave_a_mess, dir, &out, sizeof(out), 20, dir), 0);
	assert_true(out.loop_nr >= 0);
	assert_int_equal(out.fault_err, -EFAULT);
	assert_true(gone(dir));
	snprintf(backing, sizeof(backing), "/sys/block/loop%d/loop/backing_file", out.loop_nr);
	/* The detach happens when the last process of the namespace is gone. */
	for (i = 0; i < 200 && !gone(backing); i++)
		usleep(10000);
	assert_true(gone(backing));
}

static void test_rmtree_refuses_foreign_paths(void **state)
{
	(void)state;
	assert_int_equal(host_rmtree("/tmp"), -EINVAL);
	assert_int_equal(host_rmtree("/tmp/not-ours"), -EINVAL);
	assert_int_equal(host_rmtree("relative"), -EINVAL);
}

struct held_out {
	int ro_err, pin_err, finish_err, before_err, after_err, wpin_err, wfinish_err;
	struct host_mismatch before, after, written;
};

/*
 * A held direct read: pinned when issued, the bytes land only when the server
 * answers; a read-only mapping refuses the FOLL_WRITE pin with EFAULT.
 */
static int held(void *arg, void *outp)
{
	struct held_out *out = outp;
	struct host_session *hs;
	struct host_mmap_args rw = { .file = -1, .len = 16384, .writable = true };
	struct host_mmap_args ro = { .file = -1, .len = 16384 };
	char why[HOST_WHY_MAX];
	uint64_t a, b;
	int proc, pin, err;

	err = host_session_open(&hs, arg, host_now() + 20);
	if (!err)
		err = host_proc_create(hs, &proc);
	if (!err)
		err = host_mmap(hs, proc, &rw, &a);
	if (!err)
		err = host_mmap(hs, proc, &ro, &b);
	if (!err)
		err = host_held_start(hs, why, sizeof(why));
	if (err)
		return err;
	out->ro_err = host_held_pin(hs, proc, b, 16384, false, &pin);
	host_access(hs, proc, a, 16384, true, 0x11, false, NULL);
	out->pin_err = host_held_pin(hs, proc, a, 16384, false, &pin);
	out->before_err = host_access(hs, proc, a, 16384, false, 0x11, true, &out->before);
	out->finish_err = host_held_finish(hs, pin, 0, 0x44, 16384, NULL);
	out->after_err = host_access(hs, proc, a, 16384, false, 0x44, true, &out->after);
	/* A held write(2): its bytes are taken from the pinned pages at the device's read. */
	out->wpin_err = host_held_pin(hs, proc, a, 16384, true, &pin);
	host_access(hs, proc, a, 16384, true, 0x55, false, NULL);
	out->wfinish_err = host_held_finish(hs, pin, 0, 0x55, 16384, &out->written);
	host_session_close(hs);
	return 0;
}

static void test_held_direct_read(void **state)
{
	struct held_out out = { 0 };
	char dir[1024];

	(void)state;
	if (!host_usable(NULL, 0) || geteuid() != 0 || access("/dev/fuse", R_OK | W_OK))
		skip();
	assert_int_equal(host_mkdtemp(dir, sizeof(dir)), 0);
	assert_int_equal(host_isolated_run(held, dir, &out, sizeof(out), 20, dir), 0);
	assert_int_equal(out.ro_err, -EFAULT);
	assert_int_equal(out.pin_err, 0);
	assert_int_equal(out.before_err, 0);
	assert_false(out.before.bad);		/* nothing has landed yet */
	assert_int_equal(out.finish_err, 0);
	assert_int_equal(out.after_err, 0);
	assert_false(out.after.bad);		/* the answer went into the pages */
	assert_int_equal(out.wpin_err, 0);
	assert_int_equal(out.wfinish_err, 0);
	assert_false(out.written.bad);		/* the store after the pin is what was read */
	assert_true(gone(dir));
}

/* What counts as a kernel event in the log, and what does not. */
static void test_kmsg_events(void **state)
{
	bool csum = true;

	(void)state;
	assert_true(host_kmsg_is_event("WARNING: CPU: 1 PID: 42 at mm/gup.c:123 try_grab_folio+0x1/0x2", &csum));
	assert_false(csum);
	assert_true(host_kmsg_is_event("BUG: Bad page state in process a.out  pfn:1234", &csum));
	assert_true(host_kmsg_is_event("kernel BUG at mm/filemap.c:1500!", &csum));
	assert_true(host_kmsg_is_event("BTRFS warning (device loop0): csum failed root 5 ino 257", &csum));
	assert_true(csum);
	assert_false(host_kmsg_is_event("EXT4-fs (loop3): mounted filesystem with ordered data mode", &csum));
	assert_false(host_kmsg_is_event("loop3: detected capacity change from 0 to 32768", &csum));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeout_kills_and_cleans),
		cmocka_unit_test(test_crashed_process_is_reaped),
		cmocka_unit_test(test_disk_gone_after_run),
		cmocka_unit_test(test_rmtree_refuses_foreign_paths),
		cmocka_unit_test(test_kmsg_events),
		cmocka_unit_test(test_held_direct_read),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
