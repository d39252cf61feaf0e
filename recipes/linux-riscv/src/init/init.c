// SPDX-License-Identifier: MIT
/*
 * The smoke test's /init: mounts devtmpfs (its console becomes stdin,
 * stdout and stderr), loads /lsrtc.ko with the
 * parameters given on the kernel command line after "--" (lsrtc's "base"),
 * says whether it loaded, and powers the machine off.  The report that
 * matters is the driver's own (printk, on the console).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char params[256] = "";
	int fd;

	/* The kernel passes the words after "--" on its command line as
	 * arguments: they become the module's parameters. */
	for (int i = 1; i < argc; i++) {
		if (strlen(params) + strlen(argv[i]) + 2 > sizeof(params))
			break;
		if (i > 1)
			strcat(params, " ");
		strcat(params, argv[i]);
	}
	/* The initramfs holds no device node (lockstep refuses them in an
	 * archive it ships): the console comes from devtmpfs. */
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	fd = open("/lsrtc.ko", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, params, 0) != 0)
		printf("init: loading lsrtc.ko failed: %s\n", strerror(errno));
	else
		printf("init: lsrtc.ko loaded (%s)\n", params);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
