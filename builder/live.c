/* SPDX-License-Identifier: MIT */
/* The live line of a long step (see live.h). */
#include "builder/live.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"

/* How much of the log's end is read for its last line. */
#define LIVE_TAIL 4096

int live_wanted(void)
{
	return isatty(STDERR_FILENO);
}

/* The last non-empty line of the log into out (at most n - 1 bytes), with
 * what a terminal would act on (escape sequences, \r, tabs) made spaces:
 * a compiler's colours or a progress bar must not move our cursor. */
static void last_line(const char *log, char *out, size_t n)
{
	char buf[LIVE_TAIL + 1];
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	off_t size;
	ssize_t got;
	char *end, *start;
	size_t k = 0;

	out[0] = '\0';
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	got = pread(fd, buf, LIVE_TAIL, size > LIVE_TAIL ? size - LIVE_TAIL : 0);
	close(fd);
	if (got <= 0)
		return;
	buf[got] = '\0';
	end = buf + got;
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	*end = '\0';
	start = end;
	while (start > buf && start[-1] != '\n' && start[-1] != '\r')
		start--;
	for (const char *p = start; *p && k + 1 < n; p++)
		out[k++] = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
	out[k] = '\0';
}

static int columns(void)
{
	struct winsize ws;

	return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20 ? ws.ws_col : 80;
}

/* The child: rewrites the line until killed, or until its parent is gone. */
static void run(pid_t parent, const char *log, const char *tag, const char *step, double t0)
{
	const struct timespec tick = { 0, (long)(LIVE_INTERVAL * 1e9) };

	for (;;) {
		char line[512], text[1024];
		int width = columns(), len;

		nanosleep(&tick, NULL);
		if (getppid() != parent)
			_exit(0);
		last_line(log, line, sizeof(line));
		/* One row, never wrapped: a wrapped line cannot be rewritten
		 * by \r.  Bytes of a UTF-8 character cut at the edge are
		 * tolerated: the terminal shows one replacement glyph. */
		len = snprintf(text, sizeof(text), "lockstep: %s%s[%5.1fs] %s  %s", tag ? tag : "",
			       tag ? " " : "", clock_mono() - t0, step, line);
		if (len > width - 1)
			len = width - 1;
		if (len < 0)
			len = 0;
		if (write(STDERR_FILENO, "\r\033[K", 4) < 0 ||
		    write(STDERR_FILENO, text, (size_t)len) < 0)
			_exit(0);
	}
}

pid_t live_start(const char *log, const char *tag, const char *step, double t0)
{
	sigset_t all, old;
	pid_t parent = getpid(), pid;

	if (!live_wanted())
		return -1;
	/* No signal between fork and the reset below: the parent's handlers
	 * (core/cleanup.h) only set a flag, which here nobody would read. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		run(parent, log, tag, step, t0);
		_exit(0);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

void live_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	/* The child may have died mid-line: clear whatever it left. */
	if (write(STDERR_FILENO, "\r\033[K", 4) < 0)
		return;
}
