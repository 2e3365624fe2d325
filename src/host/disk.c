/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Filesystems and files: a sparse image, mkfs.ext4, a loop device set to
 * autoclear, a mount in the session's directory; memfds for tmpfs. "check
 * disk" reads the loop device at the blocks FIEMAP reports, so it sees what
 * the disk holds, not what the page cache does.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

/* mkfs.ext4 wants room for its journal and tables. */
#define HOST_MIN_DISK (8ULL << 20)

/* The uapi values (linux/memfd.h, 6.3+), for C libraries that lack them; a kernel without them says EINVAL. */
#define HOST_MFD_NOEXEC_SEAL	0x0008U
#define HOST_MFD_EXEC		0x0010U

static int loop_attach(struct host_fs *f, int img_fd, char *why, size_t len)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	int err = -EBUSY;

	if (ctl < 0) {
		snprintf(why, len, "/dev/loop-control: %s", strerror(errno));
		return -errno;
	}
	/* Another user may take the free device between the two calls: retry. */
	for (int tries = 0; tries < 8 && err == -EBUSY; tries++) {
		struct loop_config cfg = { .fd = (unsigned int)img_fd };
		char dev[32];
		int nr = ioctl(ctl, LOOP_CTL_GET_FREE), fd;

		if (nr < 0) {
			err = -errno;
			break;
		}
		snprintf(dev, sizeof(dev), "/dev/loop%d", nr);
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (ioctl(fd, LOOP_CONFIGURE, &cfg)) {
			err = -errno;
			close(fd);
			continue;
		}
		f->loop_nr = nr;
		f->loop_fd = fd;
		err = 0;
	}
	close(ctl);
	if (err)
		snprintf(why, len, "no loop device: %s", strerror(-err));
	return err;
}

int host_disk_create(struct host_session *hs, uint64_t size, bool checksum, int *fsid,
		     char *why, size_t len)
{
	struct host_fs *f;
	char dev[32];
	int img, err, n;

	(void)checksum;	/* data checksums: see docs/host.md (ext4 has none) */
	if (hs->nr_fs == HOST_MAX_FS)
		return -ENOSPC;
	if (!host_can_mount()) {
		snprintf(why, len, "loop-mounting a disk image needs root and /dev/loop-control");
		return -EPERM;
	}
	n = hs->nr_fs;
	f = &hs->fs[n];
	snprintf(f->type, sizeof(f->type), "ext4");
	{
		char dir[sizeof(hs->dir)];

		memcpy(dir, hs->dir, sizeof(dir));
		snprintf(f->img, sizeof(f->img), "%s/disk%d.img", dir, n);
		snprintf(f->mnt, sizeof(f->mnt), "%s/disk%d", dir, n);
	}
	img = open(f->img, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (img < 0)
		return -errno;
	if (ftruncate(img, (off_t)(size < HOST_MIN_DISK ? HOST_MIN_DISK : size))) {
		err = -errno;
		close(img);
		return err;
	}
	{
		/* 4 KiB blocks like the model's blkfs; no discard, no lazy init threads. */
		const char *argv[] = { "mkfs.ext4", "-q", "-F", "-b", "4096", "-E",
				       "nodiscard,lazy_itable_init=0,lazy_journal_init=0",
				       f->img, NULL };

		err = host_exec(hs, argv);
	}
	if (err) {
		snprintf(why, len, "mkfs.ext4 failed: %s", strerror(-err));
		close(img);
		return err;
	}
	hs->nr_fs++;	/* from here on the session's close undoes it */
	err = loop_attach(f, img, why, len);
	close(img);
	if (err)
		return err;
	if (mkdir(f->mnt, 0700))
		return -errno;
	snprintf(dev, sizeof(dev), "/dev/loop%d", f->loop_nr);
	if (mount(dev, f->mnt, f->type, MS_NOSUID | MS_NODEV, NULL)) {
		err = -errno;
		snprintf(why, len, "mount %s: %s", f->type, strerror(errno));
		return err;
	}
	f->mounted = true;
	f->disk = true;
	/* Reopen for reads that bypass the block device's page cache. */
	close(f->loop_fd);
	f->loop_fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	*fsid = n;
	return 0;
}

const char *host_disk_type(struct host_session *hs, int fs)
{
	return fs >= 0 && fs < hs->nr_fs && hs->fs[fs].disk ? hs->fs[fs].type : "memfd";
}

int host_memfs_create(struct host_session *hs, int *fs)
{
	if (hs->nr_fs == HOST_MAX_FS)
		return -ENOSPC;
	hs->fs[hs->nr_fs] = (struct host_fs){ .loop_nr = -1, .loop_fd = -1 };
	*fs = hs->nr_fs++;
	return 0;
}

int host_hugetlbfs_create(struct host_session *hs, int *fs, bool huge_1g)
{
	int err = host_memfs_create(hs, fs);

	if (!err) {
		hs->fs[*fs].hugetlb = true;
		hs->fs[*fs].hugetlb_1g = huge_1g;
	}
	return err;
}

long host_free_hugepages(unsigned long kb)
{
	char path[96];
	FILE *f;
	long n = -1;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%lukB/free_hugepages", kb);
	f = fopen(path, "r");

	if (!f)
		return -errno;
	if (fscanf(f, "%ld", &n) != 1)
		n = -EINVAL;
	fclose(f);
	return n;
}

int host_file_create(struct host_session *hs, int fs, const char *name, uint64_t size,
		     int fill, int *file)
{
	return host_file_create_flags(hs, fs, name, size, fill, 0, file);
}

int host_file_create_flags(struct host_session *hs, int fs, const char *name, uint64_t size,
			   int fill, unsigned int flags, int *file)
{
	struct host_fs *f;
	int fd, err;

	if (fs < 0 || fs >= hs->nr_fs || hs->nr_files == HOST_MAX_FILES)
		return -EINVAL;
	f = &hs->fs[fs];
	if (f->disk) {
		char path[PATH_MAX + 64];

		if (strchr(name, '/'))
			return -EINVAL;
		snprintf(path, sizeof(path), "%s/%s", f->mnt, name);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	} else {
		fd = memfd_create(name, MFD_CLOEXEC | (f->hugetlb ? MFD_HUGETLB : 0) |
				  (f->hugetlb_1g ? 30U << 26 : 0) |	/* MFD_HUGE_1GB: 30 << MFD_HUGE_SHIFT */
				  ((flags & HOST_FILE_SEALING) ? MFD_ALLOW_SEALING : 0) |
				  ((flags & HOST_FILE_EXEC) ? HOST_MFD_EXEC : 0) |
				  ((flags & HOST_FILE_NOEXEC_SEAL) ? HOST_MFD_NOEXEC_SEAL : 0));
	}
	if (fd < 0)
		return -errno;
	if (f->hugetlb) {
		/* gup_longterm.c and cow.c: ftruncate() and fallocate() the whole file. */
		err = ftruncate(fd, (off_t)size) ? -errno :
		      fallocate(fd, 0, 0, (off_t)size) ? -errno : 0;
		if (err) {
			close(fd);
			return err;
		}
		hs->files[hs->nr_files] = (struct host_file){ .fs = fs, .fd = fd };
		*file = hs->nr_files++;
		return 0;
	}
	err = fill >= 0 ? host_fill_fd(fd, 0, size, (uint8_t)fill, false)
			: ftruncate(fd, (off_t)size) ? -errno : 0;
	if (err) {
		close(fd);
		return err;
	}
	hs->files[hs->nr_files] = (struct host_file){ .fs = fs, .fd = fd };
	*file = hs->nr_files++;
	return 0;
}

static struct host_file *file_of(struct host_session *hs, int file)
{
	return file >= 0 && file < hs->nr_files ? &hs->files[file] : NULL;
}

int host_file_truncate(struct host_session *hs, int file, uint64_t size)
{
	struct host_file *f = file_of(hs, file);

	if (!f)
		return -EBADF;
	return ftruncate(f->fd, (off_t)size) ? -errno : 0;
}

int host_file_chmod(struct host_session *hs, int file, unsigned int mode)
{
	struct host_file *f = file_of(hs, file);

	if (!f)
		return -EBADF;
	return fchmod(f->fd, (mode_t)mode) ? -errno : 0;
}

int host_file_fallocate(struct host_session *hs, int file, bool keep_size, uint64_t off, uint64_t len)
{
	struct host_file *f = file_of(hs, file);

	if (!f)
		return -EBADF;
	return fallocate(f->fd, keep_size ? FALLOC_FL_KEEP_SIZE : 0, (off_t)off, (off_t)len) ? -errno : 0;
}

int host_file_add_seals(struct host_session *hs, int file, unsigned int seals)
{
	struct host_file *f = file_of(hs, file);

	if (!f)
		return -EBADF;
	return fcntl(f->fd, F_ADD_SEALS, seals) ? -errno : 0;
}

int host_file_punch(struct host_session *hs, int file, uint64_t off, uint64_t len)
{
	struct host_file *f = file_of(hs, file);

	if (!f)
		return -EBADF;
	return fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
			 (off_t)len) ? -errno : 0;
}

int host_file_pwrite(struct host_session *hs, int file, uint64_t off, uint64_t len, uint8_t byte)
{
	struct host_file *f = file_of(hs, file);

	return f ? host_fill_fd(f->fd, off, len, byte, false) : -EBADF;
}

/* The extent holding byte @off of the file, without syncing it first. */
static int extent_at(int fd, uint64_t off, struct fiemap_extent *out)
{
	/* struct fiemap ends in a flexible array: room for one extent after it. */
	_Alignas(struct fiemap) unsigned char q[sizeof(struct fiemap) + sizeof(struct fiemap_extent)];
	struct fiemap *fm = (struct fiemap *)q;

	memset(q, 0, sizeof(q));
	fm->fm_start = off;
	fm->fm_length = 1;
	fm->fm_extent_count = 1;
	if (ioctl(fd, FS_IOC_FIEMAP, fm))
		return -errno;
	if (!fm->fm_mapped_extents || fm->fm_extents[0].fe_logical > off ||
	    (fm->fm_extents[0].fe_flags & (FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_UNKNOWN |
					   FIEMAP_EXTENT_UNWRITTEN | FIEMAP_EXTENT_NOT_ALIGNED)))
		return -ENODATA;
	*out = fm->fm_extents[0];
	return 0;
}

int host_file_check_disk(struct host_session *hs, int file, uint64_t off, uint64_t len,
			 uint8_t byte, struct host_mismatch *mm, uint64_t *off_out)
{
	struct host_file *f = file_of(hs, file);
	uint64_t start = off, end = off + len;
	unsigned char *buf;
	struct host_fs *fs;
	int err = 0;

	if (!f)
		return -EBADF;
	fs = &hs->fs[f->fs];
	if (!fs->disk)
		return -ENOTBLK;
	if (fs->loop_fd < 0)
		return -EBADF;
	if (posix_memalign((void **)&buf, 4096, 4096))
		return -ENOMEM;
	*mm = (struct host_mismatch){ 0 };
	while (off < end && !err) {
		struct fiemap_extent e = { 0 };
		uint64_t blk = off & ~4095ULL, in = off - blk;
		size_t n = (size_t)(end - off < 4096 - in ? end - off : 4096 - in);
		ssize_t r;

		err = extent_at(f->fd, off, &e);
		if (err) {
			*off_out = off;
			break;
		}
		r = pread(fs->loop_fd, buf, 4096, (off_t)(e.fe_physical + (blk - e.fe_logical)));
		if (r != 4096) {
			err = r < 0 ? -errno : -EIO;
			break;
		}
		if (!host_compare(buf + in, n, byte, off - start, mm))
			break;
		off += n;
	}
	free(buf);
	return err;
}

int host_writeback(struct host_session *hs, int fs, bool sync)
{
	int err = 0;

	for (int i = 0; i < hs->nr_files; i++) {
		struct host_file *f = &hs->files[i];

		if ((fs >= 0 && f->fs != fs) || !hs->fs[f->fs].disk)
			continue;
		/*
		 * writeback: the data, waited for (sync_file_range); sync: the
		 * data and metadata (fsync), like WB_SYNC_ALL plus the journal.
		 */
		if (sync ? fsync(f->fd)
			 : sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE |
					   SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER))
			err = err ? err : -errno;
	}
	return err;
}

int host_drop_caches(int what)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	char v = (char)('0' + (what & 3));
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, &v, 1) != 1)
		err = -errno;
	close(fd);
	return err;
}
