/* SPDX-License-Identifier: MIT */
/* Tries, as an attacker inside the sandbox would, the system calls the
 * sandbox must refuse; prints "name errno-name" per call (OK if allowed). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void show(const char *name, long rc)
{
	const char *n = rc < 0 ? strerrorname_np(errno) : "OK";
	printf("%s %s\n", name, n ? n : "?");
}

static void *thread_fn(void *arg)
{
	return arg;
}

int main(void)
{
	struct io_uring_params up;
	struct timespec ts = { 0, 0 };
	struct timeval tv = { 0, 0 };
	char buf[8] = "", c = 'x';
	struct iovec local = { buf, sizeof(buf) }, remote = { buf, sizeof(buf) };
	unsigned long cl[11] = { 0 };
	struct open_how how = { .flags = O_WRONLY | O_CREAT, .mode = 04755 };
	pthread_t t;
	long rc;
	int fd;

	show("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
	show("umount2", umount2("/build", MNT_DETACH));
	show("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
	show("chroot", chroot("/tmp"));
	show("ptrace", ptrace(PTRACE_ATTACH, 1, 0, 0));
	show("process_vm_readv", process_vm_readv(1, &local, 1, &remote, 1, 0));
	show("unshare", unshare(CLONE_NEWUSER));
	show("setns", syscall(SYS_setns, 0, 0));
	rc = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (rc == 0)
		_exit(0);
	show("clone_newuser", rc);
	cl[0] = CLONE_NEWUSER; /* clone_args.flags */
	show("clone3", syscall(SYS_clone3, cl, sizeof(cl)));
	show("socket_inet", socket(AF_INET, SOCK_STREAM, 0));
	show("socket_inet6", socket(AF_INET6, SOCK_DGRAM, 0));
	show("socket_netlink", socket(AF_NETLINK, SOCK_RAW, 0));
	show("socket_packet", socket(AF_PACKET, SOCK_RAW, 0));
	show("socket_unix", socket(AF_UNIX, SOCK_STREAM, 0));
	memset(&up, 0, sizeof(up));
	show("io_uring_setup", syscall(SYS_io_uring_setup, 8, &up));
	show("bpf", syscall(SYS_bpf, 0, NULL, 0));
	show("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
	show("add_key", syscall(SYS_add_key, "user", "k", "v", 1, 0));
	show("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	show("userfaultfd", syscall(SYS_userfaultfd, 0));
	show("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	show("init_module", syscall(SYS_init_module, NULL, 0, ""));
	show("delete_module", syscall(SYS_delete_module, "x", 0));
	show("reboot", syscall(SYS_reboot, 0, 0, 0, NULL));
	show("swapon", syscall(SYS_swapon, "/x", 0));
	show("settimeofday", settimeofday(&tv, NULL));
	show("clock_settime", clock_settime(CLOCK_REALTIME, &ts));
	show("ioctl_tiocsti", ioctl(2, TIOCSTI, &c));
	/* No set-id file may be made, by any of the calls that set a mode
	 * (the build's files are root's on the host when root runs it). */
	close(open("plain", O_WRONLY | O_CREAT, 0755));
	show("chmod_setuid", chmod("plain", 04755));
	show("chmod_setgid", chmod("plain", 02755));
	fd = open("plain", O_RDONLY);
	show("fchmod_setuid", fchmod(fd, 04755));
	close(fd);
	show("fchmodat_setuid", fchmodat(AT_FDCWD, "plain", 04755, 0));
	show("fchmodat2_setgid", syscall(452, AT_FDCWD, "plain", 02755, 0));
	show("open_creat_setuid", open("setid1", O_WRONLY | O_CREAT, 04755));
	show("openat_creat_setgid", openat(AT_FDCWD, "setid2", O_WRONLY | O_CREAT | O_EXCL, 02755));
	show("open_tmpfile_setuid", open(".", O_WRONLY | O_TMPFILE, 04755));
	show("creat_setuid", creat("setid3", 06755));
	show("openat2", syscall(SYS_openat2, AT_FDCWD, "setid4", &how, sizeof(how)));
	show("mkdir_setgid", mkdir("setid5", 02755));
	show("mknod_setuid", mknod("setid6", S_IFREG | 04755, 0));
	/* What must keep working: modes without those bits. */
	show("chmod_plain", chmod("plain", 0700));
	show("open_creat_plain", open("plain2", O_WRONLY | O_CREAT, 0755));
	/* What must keep working: threads (clone3 falls back to clone). */
	errno = pthread_create(&t, NULL, thread_fn, NULL);
	show("pthread_create", errno ? -1 : 0);
	if (!errno)
		pthread_join(t, NULL);
	rc = fork();
	if (rc == 0)
		_exit(0);
	if (rc > 0)
		waitpid((pid_t)rc, NULL, 0);
	show("fork", rc);
	return 0;
}
