/* SPDX-License-Identifier: MIT */
/* fork + exec of host tools with captured output. */
#include "core/run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"

#define RUN_MAX_OUT (64u << 20)

static int run(char *const argv[], const char *cwd, char **out, int out_fd, struct err *e)
{
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 };
	struct buf ob = BUF_INIT, eb = BUF_INIT;
	pid_t pid;
	int status = 0, ret = -1;

	if (out)
		*out = NULL;
	if ((out && pipe2(op, O_CLOEXEC) < 0) || pipe2(ep, O_CLOEXEC) < 0) {
		err_sys(e, "%s: pipe", argv[0]);
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		err_sys(e, "%s: fork", argv[0]);
		goto out;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		dup2(nul, 0);
		dup2(out ? op[1] : out_fd >= 0 ? out_fd : ep[1], 1);
		dup2(ep[1], 2);
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (op[1] >= 0)
		close(op[1]);
	close(ep[1]);
	op[1] = ep[1] = -1;
	for (;;) {
		struct pollfd p[2] = { { op[0], POLLIN, 0 }, { ep[0], POLLIN, 0 } };
		char chunk[65536];
		int open_fds = 0;

		if (p[0].fd >= 0)
			open_fds++;
		if (p[1].fd >= 0)
			open_fds++;
		if (!open_fds)
			break;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR && !cleanup_interrupted())
				continue;
			kill(pid, SIGTERM);
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;
			int *fd = i ? &ep[0] : &op[0];
			struct buf *b = i ? &eb : &ob;
			if (*fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(*fd, chunk, sizeof(chunk));
			if (n <= 0) {
				close(*fd);
				*fd = -1;
				continue;
			}
			if (b->len + (size_t)n <= RUN_MAX_OUT)
				buf_add(b, chunk, (size_t)n);
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (cleanup_interrupted()) {
		err_setk(e, ERR_INTERRUPT, "%s: interrupted", argv[0]);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* Keep the last line of stderr: it is usually the reason. */
		char *msg = eb.data ? eb.data : "";
		size_t n = strlen(msg);
		while (n && msg[n - 1] == '\n')
			msg[--n] = '\0';
		char *last = strrchr(msg, '\n');
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			err_set(e, "%s: command not found", argv[0]);
		else
			err_set(e, "%s failed (%s %d)%s%s", argv[0],
				WIFEXITED(status) ? "exit" : "signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				*msg ? ": " : "", last ? last + 1 : msg);
		goto out;
	}
	if (out)
		*out = buf_take(&ob, NULL);
	ret = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	buf_release(&ob);
	buf_release(&eb);
	return ret;
}

int run_capture(char *const argv[], const char *cwd, char **out, struct err *e)
{
	return run(argv, cwd, out, -1, e);
}

int run_to_fd(char *const argv[], const char *cwd, int fd, struct err *e)
{
	return run(argv, cwd, NULL, fd, e);
}
