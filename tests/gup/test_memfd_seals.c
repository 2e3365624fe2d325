/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memfd seals (fs/memfd.c) as mm/memfd.c and mm/shmem.c give them: who may
 * seal, what each seal refuses, and F_SEAL_WRITE against the two kinds of
 * writer it must not be granted over - a shared mapping that may write
 * (i_mmap_writable, kept across fork, split and munmap) and a folio held by
 * GUP (a long-term pin, a FOLL_GET reference as O_DIRECT takes) with no
 * mapping left, which memfd_wait_for_pins() waits for and then refuses.
 */
#include "gup_test.h"
#include <pinmm/fs/fs.h>
#include <pinmm/fs/memfd.h>
#include <pinmm/vm/process.h>
#include <pinmm/vm/uaccess.h>

static struct shmem_sb *shm;

static int setup(void **state)
{
	if (gt_setup_mainline(state))
		return -1;
	shm = shmem_mount("t0");
	return shm ? 0 : -1;
}

static int teardown(void **state)
{
	if (gt_proc)
		process_destroy(gt_proc);
	gt_proc = NULL;
	assert_int_equal(shmem_umount(shm), 0);
	shm = NULL;
	mem_exit();
	return 0;
}

/* A sealable memfd of @npages, written with @fill through write(). */
static struct file *sealable(unsigned long npages, int fill)
{
	char buf[PAGE_SIZE];
	struct file *f;
	int err;

	f = memfd_create_file(shm, "m", MFD_ALLOW_SEALING, &err);
	assert_non_null(f);
	assert_int_equal(err, 0);
	memset(buf, fill, sizeof(buf));
	for (unsigned long i = 0; i < npages; i++)
		assert_int_equal(fs_write(f, (loff_t)(i * PAGE_SIZE), buf, PAGE_SIZE), PAGE_SIZE);
	return f;
}

static long map(struct file *f, unsigned long npages, unsigned long prot, unsigned long type)
{
	return vm_mmap(gt_mm(), 0, npages * PAGE_SIZE, prot, type, f, 0);
}

static void test_who_may_seal(void **state)
{
	struct file *plain, *f;
	int err;

	/* Without MFD_ALLOW_SEALING, F_SEAL_SEAL from birth (shmem_get_inode()). */
	plain = memfd_create_file(shm, "p", 0, &err);
	assert_non_null(plain);
	assert_int_equal(memfd_get_seals(plain), F_SEAL_SEAL);
	assert_int_equal(memfd_add_seals(plain, F_SEAL_SHRINK), -EPERM);
	assert_null(memfd_create_file(shm, "x", 0x100, &err));
	assert_int_equal(err, -EINVAL);

	f = sealable(1, 0x11);
	assert_int_equal(memfd_get_seals(f), 0);
	assert_int_equal(memfd_add_seals(f, 0x100), -EINVAL);
	assert_int_equal(memfd_add_seals(f, F_SEAL_EXEC), -EINVAL);	/* not modelled */
	assert_int_equal(memfd_add_seals(f, F_SEAL_SHRINK | F_SEAL_SEAL), 0);
	assert_int_equal(memfd_get_seals(f), F_SEAL_SHRINK | F_SEAL_SEAL);
	assert_int_equal(memfd_add_seals(f, F_SEAL_GROW), -EPERM);
	assert_int_equal(memfd_get_seals(f), F_SEAL_SHRINK | F_SEAL_SEAL);
	fput(plain);
	fput(f);
}

static void test_shrink_and_grow(void **state)
{
	struct file *f = sealable(2, 0x11);
	char buf[3 * PAGE_SIZE];

	memset(buf, 0x22, sizeof(buf));
	assert_int_equal(memfd_add_seals(f, F_SEAL_SHRINK), 0);
	assert_int_equal(fs_truncate(f, PAGE_SIZE), -EPERM);
	assert_int_equal(fs_truncate(f, 3 * PAGE_SIZE), 0);
	assert_int_equal(fs_truncate(f, 3 * PAGE_SIZE), 0);	/* no change is neither */
	assert_int_equal(memfd_add_seals(f, F_SEAL_GROW), 0);
	assert_int_equal(fs_truncate(f, 4 * PAGE_SIZE), -EPERM);
	assert_int_equal(i_size_read(file_inode(f)), 3 * PAGE_SIZE);
	/* A write from EOF is refused; one across EOF stops at the chunk that would pass it. */
	assert_int_equal(fs_write(f, 3 * PAGE_SIZE, buf, 16), -EPERM);
	assert_int_equal(fs_write(f, 2 * PAGE_SIZE, buf, 2 * PAGE_SIZE), PAGE_SIZE);
	assert_int_equal(fs_write(f, PAGE_SIZE + 100, buf, 2 * PAGE_SIZE),
			 PAGE_SIZE - 100 + PAGE_SIZE);
	assert_int_equal(i_size_read(file_inode(f)), 3 * PAGE_SIZE);
	/* Punching does not change i_size: neither seal refuses it. */
	assert_int_equal(fs_fallocate_punch_hole(f, 0, PAGE_SIZE), 0);
	fput(f);
}

/* i_mmap_writable: any shared mapping of the rw memfd counts, PROT_READ too. */
static void test_write_seal_refused_while_mapped_shared(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct file *f = sealable(4, 0x11);
	long rw = map(f, 4, PROT_READ | PROT_WRITE, MAP_SHARED);
	long ro = map(f, 4, PROT_READ, MAP_SHARED);
	long priv = map(f, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct process *child;

	assert_true(rw > 0 && ro > 0 && priv > 0);
	assert_int_equal(memfd_add_seals(f, F_SEAL_WRITE), -EBUSY);
	/* Split one VMA in three: each part counts, and all of them go with munmap. */
	assert_int_equal(do_mprotect(mm, (unsigned long)rw + PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(vm_munmap(mm, (unsigned long)rw, 4 * PAGE_SIZE), 0);
	assert_int_equal(memfd_add_seals(f, F_SEAL_WRITE), -EBUSY);
	/* fork copies the read-only shared mapping: the child's counts too. */
	child = process_fork(gt_proc, "child");
	assert_non_null(child);
	assert_int_equal(vm_munmap(mm, (unsigned long)ro, 4 * PAGE_SIZE), 0);
	assert_int_equal(memfd_add_seals(f, F_SEAL_WRITE), -EBUSY);
	process_destroy(child);
	/* A private mapping's writes are COWed: it never stood in the way. */
	assert_int_equal(memfd_add_seals(f, F_SEAL_WRITE), 0);
	assert_int_equal(memfd_get_seals(f), F_SEAL_WRITE);
	assert_int_equal(vm_munmap(mm, (unsigned long)priv, 4 * PAGE_SIZE), 0);
	fput(f);
}

static void test_what_write_seal_refuses(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct file *f = sealable(2, 0x11);
	unsigned char c = 0x33, back = 0;
	struct page *page;
	long ro, priv;

	assert_int_equal(memfd_add_seals(f, F_SEAL_WRITE), 0);
	assert_int_equal(fs_write(f, 0, &c, 1), -EPERM);
	assert_int_equal(fs_fallocate_punch_hole(f, 0, PAGE_SIZE), -EPERM);
	assert_int_equal(fs_truncate(f, PAGE_SIZE), 0);		/* no F_SEAL_SHRINK */
	assert_int_equal(map(f, 1, PROT_READ | PROT_WRITE, MAP_SHARED), -EPERM);
	ro = map(f, 1, PROT_READ, MAP_SHARED);
	assert_true(ro > 0);
	/* memfd_check_seals_mmap() took VM_MAYWRITE: it can never become writable. */
	assert_int_equal(do_mprotect(mm, (unsigned long)ro, PAGE_SIZE, PROT_READ | PROT_WRITE),
			 -EACCES);
	assert_int_equal(pin_user_pages(mm, (unsigned long)ro, 1, FOLL_WRITE | FOLL_LONGTERM,
					&page), -EFAULT);
	assert_int_equal(pin_user_pages_fast(mm, (unsigned long)ro, 1, FOLL_WRITE, &page), -EFAULT);
	assert_int_equal(pin_user_pages(mm, (unsigned long)ro, 1, FOLL_LONGTERM, &page), 1);
	assert_int_equal(gt_peek(page, 0), 0x11);
	unpin_user_page(page);
	/* No i_mmap_writable left over from the refusals: a second F_SEAL_WRITE is a no-op. */
	assert_int_equal(memfd_add_seals(f, F_SEAL_WRITE), 0);
	/* A private writable mapping COWs: the file keeps its contents. */
	priv = map(f, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	assert_true(priv > 0);
	assert_int_equal(uaccess_write(mm, (unsigned long)priv, &c, 1), 0);
	assert_int_equal(gt_uread(mm, (unsigned long)priv), 0x33);
	assert_int_equal(fs_read(f, 0, &back, 1), 1);
	assert_int_equal(back, 0x11);
	assert_int_equal(vm_munmap(mm, (unsigned long)ro, PAGE_SIZE), 0);
	assert_int_equal(vm_munmap(mm, (unsigned long)priv, PAGE_SIZE), 0);
	fput(f);
}

static void test_future_write_keeps_existing_mappings(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct file *f = sealable(1, 0x11);
	long rw = map(f, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	unsigned char c = 0x44, back = 0;
	struct page *page;

	assert_true(rw > 0);
	assert_int_equal(pin_user_pages(mm, (unsigned long)rw, 1, FOLL_WRITE | FOLL_LONGTERM,
					&page), 1);
	/* No mapping check and no wait for pins: only F_SEAL_WRITE makes those. */
	assert_int_equal(memfd_add_seals(f, F_SEAL_FUTURE_WRITE), 0);
	assert_int_equal(fs_write(f, 0, &c, 1), -EPERM);
	assert_int_equal(map(f, 1, PROT_READ | PROT_WRITE, MAP_SHARED), -EPERM);
	assert_int_equal(uaccess_write(mm, (unsigned long)rw, &c, 1), 0);
	assert_int_equal(fs_read(f, 0, &back, 1), 1);
	assert_int_equal(back, 0x44);
	/* F_SEAL_WRITE on top still sees the old mapping. */
	assert_int_equal(memfd_add_seals(f, F_SEAL_WRITE), -EBUSY);
	unpin_user_page(page);
	assert_int_equal(vm_munmap(mm, (unsigned long)rw, PAGE_SIZE), 0);
	assert_int_equal(memfd_add_seals(f, F_SEAL_WRITE), 0);
	fput(f);
}

/* The pin outlives its mapping: i_mmap_writable is 0, the folio is still held. */
static void test_write_seal_waits_for_pins(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct file *f = sealable(2, 0x11);
	long rw = map(f, 2, PROT_READ | PROT_WRITE, MAP_SHARED), again;
	struct page *pin, *ref;

	assert_true(rw > 0);
	assert_int_equal(pin_user_pages(mm, (unsigned long)rw + PAGE_SIZE, 1,
					FOLL_WRITE | FOLL_LONGTERM, &pin), 1);
	assert_int_equal(get_user_pages(mm, (unsigned long)rw, 1, FOLL_WRITE, &ref), 1);
	assert_int_equal(vm_munmap(mm, (unsigned long)rw, 2 * PAGE_SIZE), 0);
	assert_int_equal(memfd_add_seals(f, F_SEAL_WRITE | F_SEAL_SHRINK), -EBUSY);
	assert_int_equal(memfd_get_seals(f), 0);	/* nothing of a failed call is added */
	/* A failed seal gives back its i_mmap_writable denial: writable mmap works again. */
	again = map(f, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_true(again > 0);
	assert_int_equal(vm_munmap(mm, (unsigned long)again, PAGE_SIZE), 0);
	/* A FOLL_GET reference (an O_DIRECT in flight) is as much in the way as a pin. */
	unpin_user_page(pin);
	assert_int_equal(memfd_add_seals(f, F_SEAL_WRITE), -EBUSY);
	put_page(ref);
	assert_int_equal(memfd_add_seals(f, F_SEAL_WRITE), 0);
	assert_int_equal(map(f, 1, PROT_READ | PROT_WRITE, MAP_SHARED), -EPERM);
	fput(f);
}

/*
 * Model: seals on hugetlbfs memfds (HUGETLBFS_I()->seals) are not built: the
 * model's hugetlb files are vm/'s, not a shmem inode, so they answer -EINVAL.
 */
static void test_hugetlb_memfd_has_no_seals_here(void **state)
{
	struct file *h = hugetlb_file_setup(HPAGE_SIZE);

	if (!h)
		skip();
	assert_int_equal(memfd_get_seals(h), -EINVAL);
	assert_int_equal(memfd_add_seals(h, F_SEAL_WRITE), -EINVAL);
	fput(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_who_may_seal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shrink_and_grow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_seal_refused_while_mapped_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_what_write_seal_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_future_write_keeps_existing_mappings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_seal_waits_for_pins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hugetlb_memfd_has_no_seals_here, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
