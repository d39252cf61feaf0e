/* SPDX-License-Identifier: MIT */
/* The sandbox's file system: a tmpfs root holding the build root's usr/
 * read-only as /usr, a synthetic /etc with the build root's etc/ entries, a
 * minimal /dev, a fresh /proc, the build and output directories; then
 * pivot_root, the host root detached. */
#include "sandbox/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"

#define OLD "/oldroot" /* where the host root is during setup */
#define NEW "/newroot" /* the sandbox root being built */
#define ETC "/rootetc" /* the build root's etc/, when the parent detached it */

static int etc_entries(const struct sandbox_plan *p, struct err *e);

static int do_mount(const char *src, const char *dst, const char *type, unsigned long flags,
		    const char *data, struct err *e)
{
	if (mount(src, dst, type, flags, data) < 0)
		return err_sys(e, "sandbox: mounting %s on \"%s\"",
			       type  ? type
			       : src ? src
				     : "",
			       dst);
	return 0;
}

/* Remounts the bind at dst with extra flags, keeping the flags the kernel
 * locked when the mount came from a more privileged namespace (changing
 * those would fail with EPERM). */
static int bind_flags(const char *dst, unsigned long add, struct err *e)
{
	struct statvfs sv;
	unsigned long keep = 0;

	if (statvfs(dst, &sv) < 0)
		return err_sys(e, "sandbox: \"%s\"", dst);
	if (sv.f_flag & ST_NOSUID)
		keep |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		keep |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		keep |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		keep |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		keep |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		keep |= MS_RELATIME;
	if (sv.f_flag & ST_RDONLY)
		keep |= MS_RDONLY;
	return do_mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | keep | add, NULL, e);
}

static int make_dirs(const char *path, struct err *e)
{
	char *p = xstrdup(path);
	int ret = -1;

	for (char *s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = 0;
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				err_sys(e, "sandbox: creating \"%s\"", p);
				goto out;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	ret = 0;
out:
	free(p);
	return ret;
}

/* Creates the mount point dst (a directory, or an empty file for a file
 * bind) below NEW. */
static int make_point(const char *dst, int is_dir, struct err *e)
{
	char *parent = xstrdup(dst), *slash = strrchr(parent, '/');
	int fd, ret = -1;

	if (is_dir) {
		ret = make_dirs(dst, e);
		goto out;
	}
	*slash = 0;
	if (*parent && make_dirs(parent, e) < 0)
		goto out;
	fd = open(dst, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_sys(e, "sandbox: creating \"%s\"", dst);
		goto out;
	}
	close(fd);
	ret = 0;
out:
	free(parent);
	return ret;
}

static int write_file(const char *path, const char *text, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	size_t n = strlen(text);

	if (fd < 0)
		return err_sys(e, "sandbox: creating \"%s\"", path);
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		return err_sys(e, "sandbox: writing \"%s\"", path);
	}
	close(fd);
	return 0;
}

/* /usr: the build root's, read-only; the host's only without a root. */
static int mount_usr(const struct sandbox_plan *p, struct err *e)
{
	char *src;
	int ret;

	if (make_dirs(NEW "/usr", e) < 0)
		return -1;
	if (p->usr_fd >= 0) {
		if (move_mount(p->usr_fd, "", AT_FDCWD, NEW "/usr", MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return err_sys(e, "sandbox: moving the build root's /usr into place");
		return 0;
	}
	src = p->root ? xasprintf(OLD "%s/usr", p->root) : xstrdup(OLD "/usr");
	ret = do_mount(src, NEW "/usr", NULL, MS_BIND | MS_REC, NULL, e);
	if (ret == 0)
		ret = bind_flags(NEW "/usr", MS_RDONLY | MS_NOSUID | MS_NODEV, e);
	free(src);
	return ret;
}

/* Merged /usr: the top-level directories are symlinks into it. */
static int link_usr(const struct sandbox_plan *p, struct err *e)
{
	static const char *const names[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char src[64], dst[64];

		snprintf(src, sizeof(src), NEW "/usr/%s", names[i]);
		snprintf(dst, sizeof(dst), "usr/%s", names[i]);
		if (access(src, F_OK) < 0)
			continue;
		snprintf(src, sizeof(src), NEW "/%s", names[i]);
		if (symlink(dst, src) < 0)
			return err_sys(e, "sandbox: linking \"%s\"", src);
	}
	return 0;
}

/* A synthetic /etc: no host file is visible. */
static int make_etc(const struct sandbox_plan *p, struct err *e)
{
	const struct sandbox_config *c = p->c;
	char *passwd, *group, *hosts;
	int ret = -1;

	passwd = xasprintf("%s:x:%u:%u:%s:%s:/bin/sh\n"
			   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
			   c->user, c->uid, c->gid, c->user, p->home);
	group = xasprintf("%s:x:%u:\nnogroup:x:65534:\n", c->user, c->gid);
	hosts = xasprintf("127.0.0.1\tlocalhost %s\n::1\tlocalhost\n", c->hostname);
	if (make_dirs(NEW "/etc", e) < 0 || write_file(NEW "/etc/passwd", passwd, e) < 0 ||
	    write_file(NEW "/etc/group", group, e) < 0 ||
	    write_file(NEW "/etc/hosts", hosts, e) < 0 ||
	    write_file(NEW "/etc/nsswitch.conf",
		       "passwd: files\ngroup: files\nshadow: files\nhosts: files\n"
		       "networks: files\nprotocols: files\nservices: files\n",
		       e) < 0)
		goto out;
	if (p->root && etc_entries(p, e) < 0)
		goto out;
	ret = 0;
out:
	free(passwd);
	free(group);
	free(hosts);
	return ret;
}

/* Files of /etc that lockstep writes itself (make_etc): the build root's
 * copies, if any, stay out. */
static int etc_synthetic(const char *name)
{
	static const char *const names[] = { "passwd",        "group",       "hosts",
					     "nsswitch.conf", "shadow",      "gshadow",
					     "hostname",      "resolv.conf", "mtab" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

/* The build root's etc/ entries (the packages' files and the alternatives
 * links) in /etc, read-only: symlinks copied, the rest bound. */
static int etc_entries(const struct sandbox_plan *p, struct err *e)
{
	char *src = p->etc_fd >= 0 ? xstrdup(ETC) : xasprintf(OLD "%s/etc", p->root);
	DIR *d;
	struct dirent *de;
	int ret = -1;

	if (p->etc_fd == -2) { /* the parent found no etc/ in the root */
		free(src);
		return 0;
	}
	if (p->etc_fd >= 0 && (make_dirs(ETC, e) < 0 || move_mount(p->etc_fd, "", AT_FDCWD, ETC,
								   MOVE_MOUNT_F_EMPTY_PATH) < 0)) {
		err_sys(e, "sandbox: moving the build root's /etc into place");
		goto out_nodir;
	}
	d = opendir(src);
	if (!d) {
		/* A root without etc/ is possible (no package ships any). */
		ret = errno == ENOENT ? 0 : err_sys(e, "sandbox: \"%s\"", src);
		goto out_nodir;
	}
	while ((de = readdir(d))) {
		char *from, *to, target[4096];
		struct stat st;
		ssize_t n;
		int r = 0;
		if (de->d_name[0] == '.' || etc_synthetic(de->d_name))
			continue;
		from = xasprintf("%s/%s", src, de->d_name);
		to = xasprintf(NEW "/etc/%s", de->d_name);
		if (lstat(from, &st) < 0) {
			r = err_sys(e, "sandbox: \"%s\"", from);
		} else if (S_ISLNK(st.st_mode)) {
			n = readlink(from, target, sizeof(target) - 1);
			if (n < 0 || (target[n] = '\0', symlink(target, to) < 0))
				r = err_sys(e, "sandbox: linking \"%s\"", to);
		} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
			r = make_point(to, S_ISDIR(st.st_mode), e);
			if (r == 0)
				r = do_mount(from, to, NULL, MS_BIND | MS_REC, NULL, e);
			if (r == 0)
				r = bind_flags(to, MS_RDONLY | MS_NOSUID | MS_NODEV, e);
		}
		free(from);
		free(to);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	closedir(d);
out_nodir:
	free(src);
	return ret;
}

/* /dev: the harmless host nodes bound in (mknod is not allowed in a user
 * namespace), a private /dev/shm, and the /proc/self/fd links. */
static int make_dev(const struct sandbox_plan *p, struct err *e)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },
		{ "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" },
		{ "/proc/self/fd/2", "stderr" },
	};
	char *shm;
	int ret;

	if (make_dirs(NEW "/dev", e) < 0 ||
	    do_mount("tmpfs", NEW "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k", e) <
		    0)
		return -1;
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		char src[64], dst[64];

		snprintf(src, sizeof(src), OLD "/dev/%s", nodes[i]);
		snprintf(dst, sizeof(dst), NEW "/dev/%s", nodes[i]);
		if (make_point(dst, 0, e) < 0 || do_mount(src, dst, NULL, MS_BIND, NULL, e) < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		char dst[64];

		snprintf(dst, sizeof(dst), NEW "/dev/%s", links[i][1]);
		if (symlink(links[i][0], dst) < 0)
			return err_sys(e, "sandbox: linking \"%s\"", dst);
	}
	/* The nodes and links are all there: nothing more is written to it. */
	if (make_dirs(NEW "/dev/shm", e) < 0 ||
	    bind_flags(NEW "/dev", MS_RDONLY | MS_NOSUID | MS_NOEXEC, e) < 0)
		return -1;
	shm = xasprintf("mode=1777,size=%llu", (unsigned long long)p->c->tmp_size);
	ret = do_mount("tmpfs", NEW "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, shm, e);
	free(shm);
	return ret;
}

/* A fresh /proc for the new pid namespace; the parts that reach the host
 * kernel are made read-only, as bubblewrap does. */
static int make_proc(struct err *e)
{
	static const char *const ro[] = { "sys", "sysrq-trigger", "irq", "bus" };

	if (make_dirs(NEW "/proc", e) < 0 ||
	    do_mount("proc", NEW "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		char dst[64];

		snprintf(dst, sizeof(dst), NEW "/proc/%s", ro[i]);
		if (access(dst, F_OK) < 0)
			continue;
		if (do_mount(dst, dst, NULL, MS_BIND | MS_REC, NULL, e) < 0 ||
		    bind_flags(dst, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, e) < 0)
			return -1;
	}
	return 0;
}

static int mount_user(const struct sandbox_mount *m, struct err *e)
{
	char *dst = xasprintf(NEW "%s", m->dst), *src = xasprintf(OLD "%s", m->src);
	int ret = -1;

	if (make_point(dst, m->is_dir, e) < 0)
		goto out;
	if (m->tree_fd >= 0) {
		/* Prepared by the parent with its flags already set. */
		if (move_mount(m->tree_fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			err_sys(e, "sandbox: moving the bind of \"%s\" to \"%s\"", m->src, m->dst);
			goto out;
		}
		close(m->tree_fd);
	} else if (do_mount(src, dst, NULL, MS_BIND | MS_REC, NULL, e) < 0 ||
		   bind_flags(dst, MS_NOSUID | MS_NODEV | (m->writable ? 0 : MS_RDONLY), e) < 0) {
		goto out;
	}
	ret = 0;
out:
	free(dst);
	free(src);
	return ret;
}

int mounts_setup(const struct sandbox_plan *p, struct err *e)
{
	const struct sandbox_config *c = p->c;
	char *opt = NULL;
	int ret = -1;

	/* Nothing we mount may propagate back to the host. */
	if (do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, e) < 0)
		return -1;
	/* A scratch tmpfs becomes the root for the time of the setup, with the
	 * host root under OLD; it hides nothing we still need to reach. */
	if (do_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k", e) < 0)
		return -1;
	if (chdir("/tmp") < 0 || mkdir("." NEW, 0755) < 0 || mkdir("." OLD, 0755) < 0)
		return err_sys(e, "sandbox: preparing the scratch root");
	if (syscall(SYS_pivot_root, ".", "." OLD) < 0 || chdir("/") < 0)
		return err_sys(e, "sandbox: pivot_root to the scratch root");
	if (do_mount("tmpfs", NEW, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m", e) < 0 ||
	    mount_usr(p, e) < 0 || link_usr(p, e) < 0 || make_etc(p, e) < 0 || make_dev(p, e) < 0 ||
	    make_proc(e) < 0 || make_dirs(NEW "/tmp", e) < 0)
		goto out;
	opt = xasprintf("mode=1777,size=%llu", (unsigned long long)c->tmp_size);
	if (do_mount("tmpfs", NEW "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opt, e) < 0)
		goto out;
	for (size_t i = 0; i < p->nmounts; i++)
		if (mount_user(&p->mounts[i], e) < 0)
			goto out;
	/* Into the new root; the host's (stacked under it by pivot_root(".",
	 * ".")) is detached, so no path leads back to it. */
	if (chdir(NEW) < 0 || syscall(SYS_pivot_root, ".", ".") < 0) {
		err_sys(e, "sandbox: pivot_root to the new root");
		goto out;
	}
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
		err_sys(e, "sandbox: detaching the host root");
		goto out;
	}
	if (do_mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL,
		     e) < 0)
		goto out;
	if (chdir(c->build_path) < 0) {
		err_sys(e, "sandbox: \"%s\"", c->build_path);
		goto out;
	}
	ret = 0;
out:
	free(opt);
	return ret;
}

/* A user namespace mapping id 0 to SANDBOX_ROOT_HOST_ID, for idmapping:
 * a child joins a fresh one, we map it and keep a descriptor to it. */
static int idmap_userns(struct err *e)
{
	char path[64], map[64];
	int pfd[2] = { -1, -1 }, fd = -1, nsfd = -1;
	pid_t pid;
	char c;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_sys(e, "sandbox: pipe");
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0) {
		err_sys(e, "sandbox: creating the idmap user namespace");
		goto out;
	}
	if (pid == 0) {
		close(pfd[1]);
		(void)!read(pfd[0], &c, 1); /* until the parent is done with us */
		_exit(0);
	}
	snprintf(map, sizeof(map), "0 %u 1\n", SANDBOX_ROOT_HOST_ID);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, i ? "gid_map" : "uid_map");
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, map, strlen(map)) < 0) {
			err_sys(e, "sandbox: writing \"%s\"", path);
			goto out;
		}
		close(fd);
		fd = -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		err_sys(e, "sandbox: opening \"%s\"", path);
out:
	if (fd >= 0)
		close(fd);
	close(pfd[0]);
	close(pfd[1]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return nsfd;
}

/* A detached, read-only clone of the build root's dir (usr or etc): the
 * child, running as SANDBOX_ROOT_HOST_ID, may not reach root's store. */
static int root_tree(const struct sandbox_plan *p, const char *dir, struct err *e)
{
	char *path = xasprintf("%s/%s", p->root, dir);
	struct mount_attr attr = { 0 };
	int fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

	if (fd < 0) {
		if (errno == ENOENT && !strcmp(dir, "etc")) {
			free(path);
			return -2; /* no etc/: nothing to bind */
		}
		err_sys(e, "sandbox: cloning the mount of \"%s\"", path);
		free(path);
		return -1;
	}
	attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		err_sys(e, "sandbox: \"%s\": cannot make it read-only", path);
		close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}

int mounts_prepare_root(struct sandbox_plan *p, struct err *e)
{
	int nsfd, ret = -1;

	if (p->root) {
		p->usr_fd = root_tree(p, "usr", e);
		if (p->usr_fd < 0)
			return -1;
		p->etc_fd = root_tree(p, "etc", e);
		if (p->etc_fd == -1)
			return -1;
	}
	nsfd = idmap_userns(e);

	if (nsfd < 0)
		return -1;
	for (size_t i = 0; i < p->nmounts; i++) {
		struct sandbox_mount *m = &p->mounts[i];
		struct mount_attr attr = { 0 };

		m->tree_fd = open_tree(AT_FDCWD, m->src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (m->tree_fd < 0) {
			err_sys(e, "sandbox: cloning the mount of \"%s\"", m->src);
			goto out;
		}
		attr.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				(m->writable ? 0 : MOUNT_ATTR_RDONLY);
		attr.userns_fd = (unsigned)nsfd;
		if (mount_setattr(m->tree_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
			err_sys(e, "sandbox: \"%s\": cannot make an idmapped bind (needed as root)",
				m->src);
			goto out;
		}
	}
	ret = 0;
out:
	close(nsfd);
	return ret;
}
