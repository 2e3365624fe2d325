/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memfd seals (fs/memfd.c) as mm/memfd.c and mm/shmem.c give them: who may
 * seal, what each seal refuses, and F_SEAL_WRITE against the two kinds of
 * writer it must not be granted over - a shared mapping that may write
 * (i_mmap_writable, kept across fork, split and munmap) and a folio held by
 * GUP (a long-term pin, a FOLL_GET reference as O_DIRECT takes) with no
 * mapping left, which memfd_wait_for_pins() waits for and then refuses.
 * Also F_SEAL_EXEC and MFD_EXEC / MFD_NOEXEC_SEAL (6.3), seals on hugetlbfs
 * memfds (4.16) and fallocate() under F_SEAL_GROW.
 */
#include <sys/stat.h>
#include "gup_test.h"
#include <pinmm/mem/kernel.h>
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

static unsigned int mode_of(struct file *f)
{
	return file_inode(f)->i_mode & 07777;
}

/* MFD_NOEXEC_SEAL: 0666 with F_SEAL_EXEC, sealing allowed; the exec bits are frozen. */
static void test_noexec_seal(void **state)
{
	struct file *n;
	char c = 0x21;
	int err;

	assert_null(memfd_create_file(shm, "x", MFD_EXEC | MFD_NOEXEC_SEAL, &err));
	assert_int_equal(err, -EINVAL);
	n = memfd_create_file(shm, "n", MFD_NOEXEC_SEAL, &err);
	assert_non_null(n);
	assert_int_equal(mode_of(n), 0666);
	assert_int_equal(memfd_get_seals(n), F_SEAL_EXEC);
	assert_int_equal(fs_fchmod(n, 0755), -EPERM);
	assert_int_equal(fs_fchmod(n, 0766), -EPERM);
	assert_int_equal(fs_fchmod(n, 0600), 0);	/* no exec bit changes */
	assert_int_equal(mode_of(n), 0600);
	/* No exec bit, so F_SEAL_EXEC implied nothing: it is still writable. */
	assert_int_equal(fs_write(n, 0, &c, 1), 1);
	assert_int_equal(memfd_add_seals(n, F_SEAL_WRITE), 0);
	assert_int_equal(fs_write(n, 0, &c, 1), -EPERM);
	fput(n);
}

/*
 * An executable memfd (MFD_EXEC, or no flag with vm.memfd_noexec = 0):
 * 0777; F_SEAL_EXEC adds the write seals (W^X), so it waits for pins as
 * F_SEAL_WRITE does and fails whole with -EBUSY while one is held.
 */
static void test_exec_seal_implies_write_seals(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned int w = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
	struct file *f = sealable(1, 0x31), *d;
	struct page *pin;
	long rw;
	char c = 0;
	int err;

	assert_int_equal(mode_of(f), 0777);
	d = memfd_create_file(shm, "d", 0, &err);		/* MFD_EXEC implied */
	assert_non_null(d);
	assert_int_equal(mode_of(d), 0777);
	assert_int_equal(memfd_get_seals(d), F_SEAL_SEAL);
	rw = map(f, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_true(rw > 0);
	assert_int_equal(pin_user_pages(mm, (unsigned long)rw, 1, FOLL_WRITE | FOLL_LONGTERM, &pin), 1);
	assert_int_equal(vm_munmap(mm, (unsigned long)rw, PAGE_SIZE), 0);
	assert_int_equal(memfd_add_seals(f, F_SEAL_EXEC), -EBUSY);
	assert_int_equal(memfd_get_seals(f), 0);
	assert_int_equal(fs_fchmod(f, 0644), 0);		/* not sealed: chmod works */
	assert_int_equal(fs_fchmod(f, 0755), 0);
	unpin_user_page(pin);
	assert_int_equal(memfd_add_seals(f, F_SEAL_EXEC), 0);
	assert_int_equal(memfd_get_seals(f), F_SEAL_EXEC | w);
	assert_int_equal(fs_write(f, 0, &c, 1), -EPERM);
	assert_int_equal(map(f, 1, PROT_READ | PROT_WRITE, MAP_SHARED), -EPERM);
	assert_int_equal(fs_fchmod(f, 0644), -EPERM);
	fput(f);
	fput(d);
}

/* vm.memfd_noexec: 1 makes MFD_NOEXEC_SEAL the default, 2 refuses MFD_EXEC. */
static void test_memfd_noexec_sysctl(void **state)
{
	struct file *f;
	int err;

	memfd_noexec_scope = MEMFD_NOEXEC_SCOPE_NOEXEC_SEAL;
	f = memfd_create_file(shm, "a", 0, &err);
	assert_non_null(f);
	assert_int_equal(mode_of(f), 0666);
	assert_int_equal(memfd_get_seals(f), F_SEAL_EXEC);
	fput(f);
	f = memfd_create_file(shm, "b", MFD_EXEC, &err);	/* asked for: still allowed */
	assert_non_null(f);
	assert_int_equal(mode_of(f), 0777);
	fput(f);
	memfd_noexec_scope = MEMFD_NOEXEC_SCOPE_NOEXEC_ENFORCED;
	assert_null(memfd_create_file(shm, "c", MFD_EXEC, &err));
	assert_int_equal(err, -EACCES);
	f = memfd_create_file(shm, "e", 0, &err);
	assert_non_null(f);
	assert_int_equal(memfd_get_seals(f), F_SEAL_EXEC);
	fput(f);
	memfd_noexec_scope = MEMFD_NOEXEC_SCOPE_EXEC;
}

/* Before 6.3: no exec flags, no F_SEAL_EXEC, no sysctl; every memfd 0777 and chmod free. */
static void test_exec_seal_before_6_3(void **state)
{
	struct file *f;
	int err;

	assert_int_equal(kernel_select("v6.1"), 0);
	assert_null(memfd_create_file(shm, "n", MFD_NOEXEC_SEAL, &err));
	assert_int_equal(err, -EINVAL);
	assert_null(memfd_create_file(shm, "x", MFD_EXEC, &err));
	assert_int_equal(err, -EINVAL);
	memfd_noexec_scope = MEMFD_NOEXEC_SCOPE_NOEXEC_ENFORCED;	/* no such sysctl: no effect */
	f = memfd_create_file(shm, "f", MFD_ALLOW_SEALING, &err);
	memfd_noexec_scope = MEMFD_NOEXEC_SCOPE_EXEC;
	assert_non_null(f);
	assert_int_equal(mode_of(f), 0777);
	assert_int_equal(memfd_add_seals(f, F_SEAL_EXEC), -EINVAL);
	assert_int_equal(memfd_get_seals(f), 0);
	assert_int_equal(fs_fchmod(f, 0644), 0);
	fput(f);
	assert_int_equal(kernel_select(NULL), 0);
}

/*
 * shmem_fallocate(): allocating past i_size under F_SEAL_GROW is EPERM, with
 * FALLOC_FL_KEEP_SIZE too; inside the size it works, write-sealed or not.
 */
/* A read-only MAP_SHARED mmap of a write-sealed memfd: -EPERM, or made without VM_MAYWRITE. */
static long map_sealed_ro_shared(void)
{
	struct file *f = sealable(1, 0x11);
	long ro;

	assert_int_equal(memfd_add_seals(f, F_SEAL_WRITE), 0);
	ro = map(f, 1, PROT_READ, MAP_SHARED);
	if (ro > 0) {
		assert_int_equal(do_mprotect(gt_mm(), (unsigned long)ro, PAGE_SIZE,
					     PROT_READ | PROT_WRITE), -EACCES);
		assert_int_equal(vm_munmap(gt_mm(), (unsigned long)ro, PAGE_SIZE), 0);
	}
	/* A refused mapping took no share of i_mmap_writable: the seal still holds. */
	assert_int_equal(map(f, 1, PROT_READ | PROT_WRITE, MAP_SHARED), -EPERM);
	fput(f);
	return ro;
}

/*
 * Before 6.7 mmap_region() took i_mmap_writable for every shared mapping, so
 * a write seal refused even a read-only one; 6.7 (158978945f31) cleared
 * VM_MAYWRITE first, 6.12 (5de195060b2e) lost that, 6.13 (8ec396d05d1b) put
 * it back. No release preset lies in 6.7-6.11, where the first switch alone
 * decides: the override shows it.
 */
static void test_write_sealed_ro_shared_by_release(void **state)
{
	assert_true(map_sealed_ro_shared() > 0);		/* the newest release */
	assert_int_equal(kernel_select("v6.12"), 0);
	assert_int_equal(map_sealed_ro_shared(), -EPERM);
	kernel_override(KSW_MMAP_WRITABLE_CHECK_FIRST, 0);	/* as 6.7-6.11 */
	assert_true(map_sealed_ro_shared() > 0);
	kernel_override(KSW_SEALED_MEMFD_MAPS_RO, 0);		/* as 6.6 */
	assert_int_equal(map_sealed_ro_shared(), -EPERM);
	kernel_override_clear();
	assert_int_equal(kernel_select("v6.6"), 0);
	assert_int_equal(map_sealed_ro_shared(), -EPERM);
	kernel_override(KSW_SEALED_MEMFD_MAPS_RO, 1);
	assert_true(map_sealed_ro_shared() > 0);
	kernel_override_clear();
	assert_int_equal(kernel_select(NULL), 0);
}

static void test_fallocate_under_grow(void **state)
{
	struct file *f = sealable(1, 0x51), *plain;
	char c;
	int err;

	assert_int_equal(fs_fallocate(f, 0, 0, 4 * PAGE_SIZE), 0);
	assert_int_equal(i_size_read(file_inode(f)), 4 * PAGE_SIZE);
	assert_int_equal(fs_read(f, 3 * PAGE_SIZE, &c, 1), 1);
	assert_int_equal(c, 0);
	assert_int_equal(fs_read(f, 0, &c, 1), 1);
	assert_int_equal(c, 0x51);			/* allocation leaves data alone */
	assert_int_equal(fs_fallocate(f, FALLOC_FL_KEEP_SIZE, 4 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(i_size_read(file_inode(f)), 4 * PAGE_SIZE);
	assert_int_equal(memfd_add_seals(f, F_SEAL_GROW | F_SEAL_WRITE), 0);
	assert_int_equal(fs_fallocate(f, 0, 3 * PAGE_SIZE, 2 * PAGE_SIZE), -EPERM);
	assert_int_equal(fs_fallocate(f, FALLOC_FL_KEEP_SIZE, 3 * PAGE_SIZE, 2 * PAGE_SIZE), -EPERM);
	assert_int_equal(fs_fallocate(f, 0, 0, 4 * PAGE_SIZE), 0);
	assert_int_equal(i_size_read(file_inode(f)), 4 * PAGE_SIZE);
	assert_int_equal(fs_fallocate_punch_hole(f, 0, PAGE_SIZE), -EPERM);	/* the write seal */
	assert_int_equal(fs_fallocate(f, 2, 0, PAGE_SIZE), -EINVAL);		/* not a mode here */
	/* An unsealed file grows as asked. */
	plain = memfd_create_file(shm, "p", 0, &err);
	assert_non_null(plain);
	assert_int_equal(fs_fallocate(plain, 0, 8 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(i_size_read(file_inode(plain)), 9 * PAGE_SIZE);
	fput(plain);
	fput(f);
}

/*
 * hugetlbfs memfds take seals (4.16): F_SEAL_WRITE waits for pins on the
 * huge page as on shmem and then refuses writable shared mappings.
 */
static void test_hugetlb_memfd_seals(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct file *h, *plain;
	struct page *pin;
	long rw, ro;
	int err;

	if (hugetlb_set_nr_pages(&default_hstate, 2) < 2)
		skip();
	plain = memfd_create_hugetlb(HPAGE_SIZE, 0, &err);
	assert_non_null(plain);
	assert_int_equal(memfd_get_seals(plain), F_SEAL_SEAL);
	assert_int_equal(memfd_add_seals(plain, F_SEAL_WRITE), -EPERM);
	fput(plain);
	h = memfd_create_hugetlb(HPAGE_SIZE, MFD_ALLOW_SEALING, &err);
	assert_non_null(h);
	assert_int_equal(memfd_get_seals(h), 0);
	assert_int_equal(hugetlbfs_fallocate(h, 0, HPAGE_SIZE), 0);
	rw = vm_mmap(mm, 0, HPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0);
	assert_true(rw > 0);
	assert_int_equal(memfd_add_seals(h, F_SEAL_WRITE), -EBUSY);	/* i_mmap_writable */
	assert_int_equal(pin_user_pages(mm, (unsigned long)rw, 1, FOLL_WRITE | FOLL_LONGTERM, &pin), 1);
	assert_int_equal(vm_munmap(mm, (unsigned long)rw, HPAGE_SIZE), 0);
	assert_int_equal(memfd_add_seals(h, F_SEAL_WRITE), -EBUSY);	/* the pin */
	assert_int_equal(memfd_get_seals(h), 0);
	unpin_user_page(pin);
	assert_int_equal(memfd_add_seals(h, F_SEAL_WRITE), 0);
	assert_int_equal(vm_mmap(mm, 0, HPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0), -EPERM);
	ro = vm_mmap(mm, 0, HPAGE_SIZE, PROT_READ, MAP_SHARED, h, 0);
	assert_true(ro > 0);
	assert_int_equal(do_mprotect(mm, (unsigned long)ro, HPAGE_SIZE, PROT_READ | PROT_WRITE), -EACCES);
	assert_int_equal(vm_munmap(mm, (unsigned long)ro, HPAGE_SIZE), 0);
	/* F_SEAL_EXEC on it: its mode is 0777 too, so the write seals come with it. */
	assert_int_equal(memfd_add_seals(h, F_SEAL_EXEC), 0);
	assert_int_equal(memfd_get_seals(h) & F_SEAL_GROW, F_SEAL_GROW);
	assert_int_equal(fs_fchmod(h, 0644), -EPERM);
	fput(h);
	/* hugetlbfs_check_seals_mmap() follows the release as the shmem check does. */
	assert_int_equal(kernel_select("v6.6"), 0);
	h = memfd_create_hugetlb(HPAGE_SIZE, MFD_ALLOW_SEALING, &err);
	assert_non_null(h);
	assert_int_equal(memfd_add_seals(h, F_SEAL_WRITE), 0);
	assert_int_equal(vm_mmap(mm, 0, HPAGE_SIZE, PROT_READ, MAP_SHARED, h, 0), -EPERM);
	fput(h);
	/* 4.14: MFD_HUGETLB | MFD_ALLOW_SEALING is EINVAL, and a hugetlb file has no seals. */
	assert_int_equal(kernel_select("v4.14"), 0);
	assert_null(memfd_create_hugetlb(HPAGE_SIZE, MFD_ALLOW_SEALING, &err));
	assert_int_equal(err, -EINVAL);
	plain = memfd_create_hugetlb(HPAGE_SIZE, 0, &err);
	assert_non_null(plain);
	assert_int_equal(memfd_get_seals(plain), -EINVAL);
	assert_int_equal(memfd_add_seals(plain, F_SEAL_SHRINK), -EINVAL);
	fput(plain);
	assert_int_equal(kernel_select(NULL), 0);
	hugetlb_set_nr_pages(&default_hstate, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_who_may_seal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shrink_and_grow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_sealed_ro_shared_by_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_seal_refused_while_mapped_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_what_write_seal_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_future_write_keeps_existing_mappings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_seal_waits_for_pins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noexec_seal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_seal_implies_write_seals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memfd_noexec_sysctl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_seal_before_6_3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallocate_under_grow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hugetlb_memfd_seals, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
