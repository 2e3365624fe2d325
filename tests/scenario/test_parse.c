/* SPDX-License-Identifier: GPL-2.0-only */
/* The .pin parser: every command lands in the right typed fields. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../common/cmocka_tap.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/mem/memory.h>
#include <pinmm/scenario/format.h>
#include <pinmm/scenario/parse.h>


static struct scenario *parse_ok(const char *text)
{
	char err[SCN_ERR_MAX];
	struct scenario *s = NULL;
	int ret = scenario_parse_buffer("t.pin", text, strlen(text), &s, err, sizeof(err));

	if (ret)
		print_error("unexpected parse error: %s\n", err);
	assert_int_equal(ret, 0);
	assert_non_null(s);
	return s;
}

/* The id of @name in @ns, failing the test when it is not declared. */
static int id_of(const struct scenario *s, enum scn_ns ns, const char *name)
{
	for (size_t i = 0; i < s->names[ns].nr; i++)
		if (!strcmp(s->names[ns].v[i].name, name))
			return (int)i;
	fail_msg("%s '%s' not declared", scn_ns_names[ns], name);
	return -1;
}

static void test_header(void **state)
{
	struct scenario *s = parse_ok(
		"# Story line one.\n"
		"#   indented two\n"
		"#\n"
		"# three\n"
		"\n"
		"scenario \"A \\\"quoted\\\" title\"   # trailing comment\n"
		"presets mainline legacy-2018\n"
		"verdict legacy-2018 corrupt\n"
		"verdict mainline refused\n");

	assert_string_equal(s->title, "A \"quoted\" title");
	assert_int_equal(s->title_line, 6);
	assert_string_equal(s->description, "Story line one.\n  indented two\n\nthree");
	assert_string_equal(s->name, "t");
	assert_false(s->all_presets);
	assert_int_equal(s->nr_presets, 2);
	assert_string_equal(s->presets[0], "mainline");
	assert_string_equal(s->presets[1], "legacy-2018");
	assert_int_equal(s->presets_line, 7);
	assert_int_equal(s->nr_verdicts, 2);
	assert_int_equal(s->verdicts[0].cell, SCN_CORRUPT);
	assert_int_equal(s->verdicts[0].line, 8);
	assert_int_equal(scenario_expected(s, "mainline"), SCN_REFUSED);
	assert_int_equal(scenario_expected(s, "legacy-2018"), SCN_CORRUPT);
	assert_int_equal(scenario_expected(s, "pinmm"), SCN_PASS);
	assert_true(scenario_wants_preset(s, "mainline"));
	assert_false(scenario_wants_preset(s, "pinmm"));
	assert_int_equal(s->nr_cmds, 0);
	scenario_free(s);

	s = parse_ok("scenario \"x\"\r\npresets all\r\n");
	assert_true(s->all_presets);
	assert_string_equal(s->description, "");
	assert_true(scenario_wants_preset(s, "anything"));
	scenario_free(s);
}

static void test_machine_and_storage(void **state)
{
	struct scenario *s = parse_ok(
		"scenario \"t\"\n"
		"memory 1G movable=256M cma=16M\n"
		"disk d0 size=16M checksum\n"
		"disk d1 size=4p dax\n"
		"tmpfs t0 size=1M\n"
		"file f on d0 size=64K fill=0x11\n"
		"file g on t0\n"
		"process p\n"
		"device nic odp\n"
		"device gpu\n"
		"mmap p m anon len=4K private rw\n"
		"pin p m len=4K as=h1 dev=nic\n"
		"pin p m len=4K as=h2 dev=gpu\n");
	const struct scn_cmd *c = s->cmds;

	assert_int_equal(s->nr_cmds, 12);
	assert_int_equal(c[0].kind, SCN_MEMORY);
	assert_int_equal(c[0].line, 2);
	assert_int_equal(c[0].memory.size, 1ULL << 30);
	assert_int_equal(c[0].memory.movable, 256ULL << 20);
	assert_int_equal(c[0].memory.cma, 16ULL << 20);

	assert_int_equal(c[1].kind, SCN_DISK);
	assert_int_equal(c[1].disk.fs, id_of(s, SCN_NS_FS, "d0"));
	assert_int_equal(c[1].disk.size, 16ULL << 20);
	assert_true(c[1].disk.checksum);
	assert_false(c[1].disk.dax);
	assert_int_equal(c[2].disk.size, 4 * 4096);
	assert_false(c[2].disk.checksum);
	assert_true(c[2].disk.dax);

	assert_int_equal(c[3].kind, SCN_TMPFS);
	assert_int_equal(c[3].tmpfs.size, 1 << 20);
	assert_int_equal(s->names[SCN_NS_FS].v[c[3].tmpfs.fs].info, SCN_FS_TMPFS);

	assert_int_equal(c[4].kind, SCN_FILE);
	assert_int_equal(c[4].file.file, id_of(s, SCN_NS_FILE, "f"));
	assert_int_equal(c[4].file.fs, id_of(s, SCN_NS_FS, "d0"));
	assert_int_equal(c[4].file.size, 64 << 10);
	assert_int_equal(c[4].file.fill, 0x11);
	assert_int_equal(c[5].file.fs, id_of(s, SCN_NS_FS, "t0"));
	assert_int_equal(c[5].file.size, 0);
	assert_int_equal(c[5].file.fill, -1);

	assert_int_equal(c[6].kind, SCN_PROCESS);
	assert_int_equal(c[6].process.proc, id_of(s, SCN_NS_PROC, "p"));
	assert_int_equal(c[7].kind, SCN_DEVICE);
	assert_true(c[7].device.odp);
	assert_int_equal(c[7].device.dev, id_of(s, SCN_NS_DEV, "nic"));
	assert_false(c[8].device.odp);
	scenario_free(s);
}

static const char *const base =
	"scenario \"t\"\n"
	"disk d0 size=16M checksum\n"
	"file f on d0 size=64K\n"
	"process p\n"
	"device nic\n";

static struct scenario *parse_with_base(const char *rest)
{
	char *text;
	struct scenario *s;

	/* The base's device must be used: an unused declaration is an error. */
	assert_true(asprintf(&text, "%s%s%s", base, rest,
			     "mmap p use_nic anon len=4K private rw\n"
			     "pin p use_nic len=4K as=use_nic_h dev=nic\n") > 0);
	s = parse_ok(text);
	free(text);
	return s;
}

static void test_mmap_and_access(void **state)
{
	struct scenario *s = parse_with_base(
		"mmap p m file=f len=64K shared rw offset=8K populate\n"
		"mmap p a anon len=2M private ro thp -> ENOMEM  # a comment # with a hash\n"
		"write p m+4K len=1p byte=0x22 -> EFAULT\n"
		"read p m len=4K expect=255\n"
		"read p a+0x10 len=16\n");
	const struct scn_cmd *c = s->cmds + 4;

	assert_int_equal(c[0].kind, SCN_MMAP);
	assert_int_equal(c[0].line, 6);
	assert_int_equal(c[0].mmap.proc, id_of(s, SCN_NS_PROC, "p"));
	assert_int_equal(c[0].mmap.map, id_of(s, SCN_NS_MAP, "m"));
	assert_int_equal(c[0].mmap.file, id_of(s, SCN_NS_FILE, "f"));
	assert_int_equal(c[0].mmap.len, 64 << 10);
	assert_int_equal(c[0].mmap.offset, 8 << 10);
	assert_true(c[0].mmap.shared);
	assert_true(c[0].mmap.writable);
	assert_true(c[0].mmap.populate);
	assert_false(c[0].mmap.thp);
	assert_false(c[0].has_result);

	assert_int_equal(c[1].mmap.file, -1);
	assert_false(c[1].mmap.shared);
	assert_false(c[1].mmap.writable);
	assert_true(c[1].mmap.thp);
	assert_true(c[1].has_result);
	assert_int_equal(c[1].result, ENOMEM);

	assert_int_equal(c[2].kind, SCN_WRITE);
	assert_int_equal(c[2].access.at.id, id_of(s, SCN_NS_MAP, "m"));
	assert_int_equal(c[2].access.at.off, 4096);
	assert_int_equal(c[2].access.len, 4096);
	assert_true(c[2].access.has_byte);
	assert_int_equal(c[2].access.byte, 0x22);
	assert_int_equal(c[2].result, EFAULT);

	assert_null(c[0].comment);
	assert_string_equal(c[1].comment, "a comment # with a hash");
	assert_int_equal(c[3].kind, SCN_READ);
	assert_int_equal(c[3].access.at.off, 0);
	assert_int_equal(c[3].access.byte, 0xff);
	assert_true(c[3].access.has_byte);
	assert_int_equal(c[4].access.at.off, 0x10);
	assert_false(c[4].access.has_byte);
	scenario_free(s);
}

static void test_pin_unpin_dma(void **state)
{
	struct scenario *s = parse_with_base(
		"mmap p m file=f len=64K shared rw\n"
		"pin p m len=64K as=h write longterm fast\n"
		"pin p m+8K len=4K as=g get remote dev=nic times=3 -> ok\n"
		"pin p m len=4K as=e write longterm -> EFAULT\n"
		"dma h write byte=0x33 offset=4K len=8K during=writeback\n"
		"dma h read expect=0x33\n"
		"unpin h dirty\n"
		"unpin g\n");
	const struct scn_cmd *c = s->cmds + 5;

	assert_int_equal(c[0].kind, SCN_PIN);
	assert_int_equal(c[0].pin.flags, SCN_PIN_WRITE | SCN_PIN_LONGTERM | SCN_PIN_FAST);
	assert_int_equal(c[0].pin.len, 64 << 10);
	assert_int_equal(c[0].pin.handle, id_of(s, SCN_NS_HANDLE, "h"));
	assert_int_equal(c[0].pin.dev, -1);
	assert_int_equal(c[0].pin.times, 1);
	/* A handle knows the pin that made it. */
	assert_int_equal(s->names[SCN_NS_HANDLE].v[c[0].pin.handle].info, 5);

	assert_int_equal(c[1].pin.flags, SCN_PIN_GET | SCN_PIN_REMOTE);
	assert_int_equal(c[1].pin.at.off, 8192);
	assert_int_equal(c[1].pin.dev, id_of(s, SCN_NS_DEV, "nic"));
	assert_int_equal(c[1].pin.times, 3);
	assert_true(c[1].has_result);
	assert_int_equal(c[1].result, 0);
	assert_int_equal(c[2].result, EFAULT);

	assert_int_equal(c[3].kind, SCN_DMA);
	assert_true(c[3].dma.write);
	assert_true(c[3].has_during && c[3].during == RACE_WRITEBACK);
	assert_int_equal(c[3].dma.byte, 0x33);
	assert_int_equal(c[3].dma.offset, 4096);
	assert_int_equal(c[3].dma.len, 8192);
	assert_false(c[4].dma.write);
	assert_false(c[4].has_during);
	assert_int_equal(c[4].dma.len, 0);

	assert_int_equal(c[5].kind, SCN_UNPIN);
	assert_true(c[5].unpin.dirty);
	assert_int_equal(c[6].unpin.handle, id_of(s, SCN_NS_HANDLE, "g"));
	assert_false(c[6].unpin.dirty);
	scenario_free(s);
}

static void test_checks(void **state)
{
	struct scenario *s = parse_with_base(
		"tmpfs t0\n"
		"mmap p m file=f len=64K shared rw\n"
		"pin p m len=4K as=h\n"
		"writeback d0\n"
		"sync\n"
		"sync t0 -> EIO\n"
		"check disk f+8K len=4K byte=0x33\n"
		"check fsck d0\n"
		"check pinned h yes\n"
		"check pinned h no\n"
		"check vmstat nr_foll_pin_acquired=16 nr_foll_pin_released=-2\n"
		"check events none\n"
		"check events BUG=1 CSUM=0\n"
		"expect event BUG \"ext4-like writepage: folio has no buffers\"\n");
	const struct scn_cmd *c = s->cmds + 7;

	assert_int_equal(c[0].kind, SCN_WRITEBACK);
	assert_int_equal(c[0].sync.fs, id_of(s, SCN_NS_FS, "d0"));
	assert_int_equal(c[1].kind, SCN_SYNC);
	assert_int_equal(c[1].sync.fs, -1);
	assert_int_equal(c[2].sync.fs, id_of(s, SCN_NS_FS, "t0"));
	assert_int_equal(c[2].result, EIO);

	assert_int_equal(c[3].kind, SCN_CHECK_DISK);
	assert_int_equal(c[3].check_disk.at.id, id_of(s, SCN_NS_FILE, "f"));
	assert_int_equal(c[3].check_disk.at.off, 8192);
	assert_int_equal(c[3].check_disk.len, 4096);
	assert_int_equal(c[3].check_disk.byte, 0x33);
	assert_int_equal(c[4].kind, SCN_CHECK_FSCK);
	assert_int_equal(c[5].kind, SCN_CHECK_PINNED);
	assert_true(c[5].check_pinned.pinned);
	assert_false(c[6].check_pinned.pinned);

	assert_int_equal(c[7].kind, SCN_CHECK_VMSTAT);
	assert_int_equal(c[7].check_vmstat.nr, 2);
	assert_string_equal(c[7].check_vmstat.v[0].name, "nr_foll_pin_acquired");
	assert_int_equal(c[7].check_vmstat.v[0].value, 16);
	assert_string_equal(c[7].check_vmstat.v[1].name, "nr_foll_pin_released");
	assert_int_equal(c[7].check_vmstat.v[1].value, -2);

	assert_int_equal(c[8].kind, SCN_CHECK_EVENTS);
	for (int k = 0; k < MM_EV_NR; k++)
		assert_int_equal(c[8].check_events.count[k], 0);
	assert_int_equal(c[9].check_events.count[MM_EV_BUG], 1);
	assert_int_equal(c[9].check_events.count[MM_EV_WARN], -1);
	assert_int_equal(c[9].check_events.count[MM_EV_CSUM], 0);

	assert_int_equal(c[10].kind, SCN_EXPECT_EVENT);
	assert_int_equal(c[10].expect_event.kind, MM_EV_BUG);
	assert_string_equal(c[10].expect_event.text, "ext4-like writepage: folio has no buffers");
	scenario_free(s);
}

static void test_vm_and_fs_ops(void **state)
{
	struct scenario *s = parse_with_base(
		"mmap p m file=f len=64K shared rw\n"
		"mmap p a anon len=8K private rw\n"
		"fork p q\n"
		"write q m+0 len=4K byte=1\n"
		"mmap q only anon len=4K private rw\n"
		"munmap q m\n"
		"mprotect p a ro -> ok\n"
		"mprotect p a rw\n"
		"madvise p a dontneed\n"
		"migrate p a -> EBUSY\n"
		"truncate f size=0 -> ETXTBSY\n"
		"punch f offset=8K len=8K\n"
		"reclaim\n"
		"drop-caches\n"
		"lease f\n"
		"unlease f\n");
	const struct scn_cmd *c = s->cmds + 4;
	int p = id_of(s, SCN_NS_PROC, "p"), q = id_of(s, SCN_NS_PROC, "q");

	assert_int_equal(c[2].kind, SCN_FORK);
	assert_int_equal(c[2].fork.parent, p);
	assert_int_equal(c[2].fork.child, q);
	/* The child sees the parent's mappings under the same names. */
	assert_int_equal(c[3].access.proc, q);
	assert_int_equal(c[3].access.at.id, id_of(s, SCN_NS_MAP, "m"));
	assert_int_equal(s->names[SCN_NS_MAP].v[c[4].mmap.map].info, q);
	assert_int_equal(c[5].kind, SCN_MUNMAP);
	assert_int_equal(c[5].vma.proc, q);
	assert_int_equal(c[6].kind, SCN_MPROTECT);
	assert_false(c[6].mprotect.writable);
	assert_true(c[6].has_result);
	assert_int_equal(c[6].result, 0);
	assert_true(c[7].mprotect.writable);
	assert_int_equal(c[8].kind, SCN_MADVISE);
	assert_int_equal(c[8].madvise.advice, SCN_MADV_DONTNEED);
	assert_int_equal(c[9].kind, SCN_MIGRATE);
	assert_int_equal(c[9].vma.map, id_of(s, SCN_NS_MAP, "a"));
	assert_int_equal(c[9].result, EBUSY);
	assert_int_equal(c[10].kind, SCN_TRUNCATE);
	assert_int_equal(c[10].truncate.size, 0);
	assert_int_equal(c[10].result, ETXTBSY);
	assert_int_equal(c[11].kind, SCN_PUNCH);
	assert_int_equal(c[11].punch.offset, 8192);
	assert_int_equal(c[11].punch.len, 8192);
	assert_int_equal(c[12].kind, SCN_RECLAIM);
	assert_int_equal(c[13].kind, SCN_DROP_CACHES);
	assert_int_equal(c[14].kind, SCN_LEASE);
	assert_int_equal(c[15].kind, SCN_UNLEASE);
	assert_int_equal(c[15].lease.file, id_of(s, SCN_NS_FILE, "f"));
	assert_int_equal(c[15].line, 21);
	scenario_free(s);
}

/* Names live in separate name spaces: a disk and a file may share one. */
/*
 * One name, one thing, except that a disk and a file on it may share one:
 * "pin ... as=nic" beside "device nic" must not quietly mean two things.
 */
static void test_namespaces(void **state)
{
	static const char *const clash[] = {
		"process x\n", "device x\npin p m len=4K as=h dev=x\n",
		"pin p m len=4K as=x\n", "mmap p x anon len=4K private rw\n", "fork p x\n",
	};
	struct scenario *s = parse_ok(
		"scenario \"t\"\n"
		"disk x size=4K\n"
		"file x on x size=4K\n"
		"process p\n"
		"mmap p m file=x len=4K shared rw\n");

	assert_int_equal(s->names[SCN_NS_FS].nr, 1);
	assert_int_equal(s->names[SCN_NS_FILE].nr, 1);
	scenario_free(s);
	for (size_t i = 0; i < sizeof(clash) / sizeof(clash[0]); i++) {
		char *text, err[SCN_ERR_MAX];

		assert_true(asprintf(&text, "scenario \"t\"\ndisk x size=4K\nfile x on x size=4K\n"
				     "process p\nmmap p m file=x len=4K shared rw\n%s", clash[i]) > 0);
		assert_int_equal(scenario_parse_buffer("t.pin", text, strlen(text), &s, err,
						       sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "t.pin:6: "));
		assert_non_null(strstr(err, "has the name of"));
		free(text);
	}
}

static void test_sizes(void **state)
{
	static const struct { const char *in; uint64_t v; } ok[] = {
		{ "0", 0 }, { "4096", 4096 }, { "4K", 4096 }, { "4k", 4096 }, { "2M", 2 << 20 },
		{ "1G", 1ULL << 30 }, { "3p", 3 * 4096 }, { "0x1000", 4096 }, { "0x2p", 8192 },
		{ "16777215G", 16777215ULL << 30 },
	};
	static const char *const bad[] = {
		"", "K", "12Q", "4KB", "-1", "1.5M", "0x", "18446744073709551616",
		"17179869184G", "4 K", "p", "1pp",
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(scn_parse_size(ok[i].in, &v), 0);
		assert_int_equal(v, ok[i].v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (scn_parse_size(bad[i], &v) == 0)
			fail_msg("size '%s' accepted as %llu", bad[i], (unsigned long long)v);
}

/* Canonical text parses back to the same commands. */
static void test_format_roundtrip(void **state)
{
	struct scenario *s = parse_with_base(
		"tmpfs t0 size=1M\n"
		"mmap p m file=f len=64K shared ro offset=4K populate\n"
		"mmap p a anon len=2M private rw thp\n"
		"pin p m+0x1000 len=4097 as=h longterm get dev=nic times=2 -> EFAULT\n"
		"dma h write byte=0x7 len=4K during=writeback\n"
		"check events WARN=2\n"
		"expect event WARN \"a \\\\ b \\\"c\\\"\"\n"
		"fork p q\n"
		"check vmstat pgfault=-1\n");
	char *text = NULL, *again = NULL;
	size_t n = 0, n2 = 0;
	FILE *f = open_memstream(&text, &n);
	struct scenario *s2;

	assert_non_null(f);
	scenario_format(s, f);
	fclose(f);
	s2 = parse_ok(text);
	f = open_memstream(&again, &n2);
	scenario_format(s2, f);
	fclose(f);
	assert_string_equal(text, again);
	assert_int_equal(s2->nr_cmds, s->nr_cmds);
	assert_non_null(strstr(text, "pin p m+4K len=4097 as=h longterm get dev=nic times=2 -> EFAULT\n"));
	assert_non_null(strstr(text, "dma h write byte=0x07 len=4K during=writeback\n"));
	assert_non_null(strstr(text, "expect event WARN \"a \\\\ b \\\"c\\\"\"\n"));
	assert_non_null(strstr(text, "mmap p m file=f len=64K offset=4K shared ro populate\n"));
	free(text);
	free(again);
	scenario_free(s2);
	scenario_free(s);
}

/* Lines longer than any fixed buffer still format whole (a fuzzer find). */
static void test_format_long_lines(void **state)
{
	size_t n = 3000;
	char *title = malloc(n + 1), *text, *out = NULL, buf[16];
	size_t outlen = 0;
	struct scenario *s;
	FILE *f;

	assert_non_null(title);
	memset(title, 'x', n);
	title[n] = '\0';
	title[100] = '"';
	assert_true(asprintf(&text, "scenario \"%.100s\\\"%s\"\nexpect event BUG \"%s\"\n",
			     title, title + 101, title + 101) > 0);
	s = parse_ok(text);
	assert_int_equal(strlen(s->title), n);
	assert_int_equal(s->title[100], '"');
	f = open_memstream(&out, &outlen);
	scenario_format(s, f);
	fclose(f);
	assert_string_equal(out, text);
	/* A short buffer is truncated and NUL-terminated; the full length is returned. */
	assert_int_equal(scn_cmd_format(s, &s->cmds[0], buf, sizeof(buf)),
			 strlen("expect event BUG \"\"") + n - 101);
	assert_string_equal(buf, "expect event BU");
	free(out);
	free(text);
	free(title);
	scenario_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_machine_and_storage, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_mmap_and_access, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_pin_unpin_dma, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_checks, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_vm_and_fs_ops, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_namespaces, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_sizes, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_format_roundtrip, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_format_long_lines, boot_default_machine, halt_machine),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
