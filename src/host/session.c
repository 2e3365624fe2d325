/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A session's life: its directory, its deadline, its isolation, and taking
 * everything down again on every path.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "internal.h"

#define DIR_PREFIX "pinmm-host."

double host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

unsigned int host_secs_left(const struct host_session *hs)
{
	double left = hs->deadline - host_now();

	return left < 1 ? 1 : (unsigned int)left + 1;
}

int host_mkdtemp(char *buf, size_t len)
{
	const char *t = getenv("TMPDIR");

	if (!t || !t[0])
		t = "/tmp";
	if ((size_t)snprintf(buf, len, "%s/" DIR_PREFIX "XXXXXX", t) >= len)
		return -ENAMETOOLONG;
	return mkdtemp(buf) ? 0 : -errno;
}

static int rm_at(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *e;
	int err = 0;

	if (fd < 0)
		return unlinkat(dfd, name, 0) ? -errno : 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (rm_at(dirfd(d), e->d_name) && !err)
			err = -errno;
	}
	closedir(d);
	return unlinkat(dfd, name, AT_REMOVEDIR) ? -errno : err;
}

int host_rmtree(const char *dir)
{
	const char *base = strrchr(dir, '/');

	/* Only what host_mkdtemp() made: never a path someone else handed in. */
	if (!base || strncmp(base + 1, DIR_PREFIX, strlen(DIR_PREFIX)))
		return -EINVAL;
	return rm_at(AT_FDCWD, dir);
}

int host_isolated_run(int (*fn)(void *arg, void *out), void *arg, void *out, size_t len,
		      unsigned int timeout_s, const char *dir)
{
	double deadline = host_now() + timeout_s;
	int pfd[2], status, ret = -ECHILD;
	size_t got = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return ret;
	}
	if (pid == 0) {
		close(pfd[0]);
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(timeout_s + 1);
		/*
		 * As root, a mount namespace of its own: when the last process in
		 * it dies, whatever it still had mounted goes with it (and the
		 * loop devices, set to autoclear, detach).
		 */
		if (geteuid() == 0 && !unshare(CLONE_NEWNS))
			mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		ret = fn(arg, out);
		fflush(NULL);
		if (write(pfd[1], &ret, sizeof(ret)) == sizeof(ret) &&
		    write(pfd[1], out, len) == (ssize_t)len)
			_exit(0);
		_exit(1);
	}
	close(pfd[1]);
	setpgid(pid, pid);	/* whichever of the two runs first */
	{
		unsigned char *buf = malloc(sizeof(int) + len);
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };

		while (buf && got < sizeof(int) + len) {
			double left = deadline - host_now();
			ssize_t n;

			if (left <= 0) {
				ret = -ETIMEDOUT;
				break;
			}
			if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
				continue;
			n = read(pfd[0], buf + got, sizeof(int) + len - got);
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				break;
			}
			got += (size_t)n;
		}
		if (buf && got == sizeof(int) + len) {
			memcpy(&ret, buf, sizeof(int));
			memcpy(out, buf + sizeof(int), len);
		} else if (!buf) {
			ret = -ENOMEM;
		}
		free(buf);
	}
	close(pfd[0]);
	/* Whatever is left of the run's process group goes now. */
	kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (dir)
		host_rmtree(dir);
	return ret;
}

int host_session_open(struct host_session **out, const char *dir, double deadline_s)
{
	struct host_session *hs = calloc(1, sizeof(*hs));

	if (!hs)
		return -ENOMEM;
	if ((size_t)snprintf(hs->dir, sizeof(hs->dir), "%s", dir) >= sizeof(hs->dir)) {
		free(hs);
		return -ENAMETOOLONG;
	}
	hs->deadline = deadline_s;
	hs->reaper = !prctl(PR_SET_CHILD_SUBREAPER, 1);
	hs->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (hs->kmsg_fd >= 0 && lseek(hs->kmsg_fd, 0, SEEK_END) < 0) {
		close(hs->kmsg_fd);
		hs->kmsg_fd = -1;
	}
	hs->taint = host_taint();
	hs->fuse_ctl = -1;
	for (int i = 0; i < HOST_MAX_FS; i++) {
		hs->fs[i].loop_nr = -1;
		hs->fs[i].loop_fd = -1;
	}
	*out = hs;
	return 0;
}

static void reap(struct host_session *hs)
{
	bool left[HOST_MAX_PROCS] = { false };
	int status;

	/*
	 * A process a scenario forked is its parent's child until that parent
	 * dies; as a subreaper the session then inherits it. So: kill them
	 * all, reap in creation order, then the ones that came back to us.
	 */
	for (int i = 0; i < hs->nr_procs; i++) {
		left[i] = true;
		kill(hs->procs[i].pid, SIGKILL);
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < hs->nr_procs; i++) {
			pid_t r;

			if (!left[i])
				continue;
			do {
				r = waitpid(hs->procs[i].pid, &status, 0);
			} while (r < 0 && errno == EINTR);
			if (r >= 0 || pass == 1 || !hs->reaper)
				left[i] = false;
		}
	}
}

void host_session_close(struct host_session *hs)
{
	if (!hs)
		return;
	host_held_stop(hs);
	for (int i = 0; i < hs->nr_procs; i++)
		if (hs->procs[i].sock >= 0)
			close(hs->procs[i].sock);
	reap(hs);
	for (int i = 0; i < hs->nr_files; i++)
		if (hs->files[i].fd >= 0)
			close(hs->files[i].fd);
	for (int i = 0; i < hs->nr_fs; i++) {
		struct host_fs *f = &hs->fs[i];

		/* Busy only if something escaped the reaping: detach it lazily. */
		if (f->mounted && umount2(f->mnt, 0))
			umount2(f->mnt, MNT_DETACH);
		f->mounted = false;
		if (f->loop_fd >= 0)
			close(f->loop_fd);
		/* LO_FLAGS_AUTOCLEAR: the loop device detaches with its last user. */
	}
	if (hs->kmsg_fd >= 0)
		close(hs->kmsg_fd);
	if (hs->reaper)
		prctl(PR_SET_CHILD_SUBREAPER, 0);
	free(hs);
}

int host_exec(struct host_session *hs, const char *const argv[])
{
	int status;
	pid_t pid = fork(), r;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (host_now() > hs->deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		usleep(2000);
	}
	if (!WIFEXITED(status))
		return -EIO;
	return WEXITSTATUS(status) == 127 ? -ENOENT : WEXITSTATUS(status) ? -EIO : 0;
}
