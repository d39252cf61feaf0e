/* SPDX-License-Identifier: MIT */
/* HTTP(S) downloads from Debian archives with libcurl: the bytes are hashed
 * as they arrive into a temporary file (or memory), capped in size, and a
 * file appears under its name only once complete and checked.
 *
 * libcurl is opened with dlopen on the first fetch, not linked: it brings
 * some twenty libraries of its own (GnuTLS, nghttp2, libssh2, LDAP,
 * Kerberos, ...) whose loading and relocation every run of lockstep paid,
 * `lockstep diff` or `verify` included, which never download anything.
 * Only the calls below go through the table; the types and constants come
 * from <curl/curl.h> as before (docs/hacking.md). */
#include "toolchains/fetch.h"

/* The calls go through pointers: no need for curl's checking macros. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/clock.h"
#include "core/fs.h"

#define PROGRESS_MIN_BYTES (1u << 20) /* smaller transfers stay quiet */
#define PROGRESS_TTY_EVERY 0.25       /* seconds between \r rewrites */

/* Where one transfer's bytes go, and what we learnt while they came. */
struct sink {
	int fd;                       /* -1: into mem */
	const char *path;             /* fd's name, for messages */
	struct buf mem;               /* owned; used when fd < 0 */
	struct digest_stream *digest; /* owned */
	char *url;                    /* owned: the URL that served them */
	uint64_t got, max;
	int too_big;     /* more than max arrived */
	int write_errno; /* write(2) into fd failed */
	/* Progress, when asked for: label is rel's last component, total the
	 * announced size (0: unknown). */
	const char *label;
	uint64_t total;
	int progress, tty, shown;
	double last;
};

enum progress_state { PROGRESS_RUNNING, PROGRESS_DONE, PROGRESS_STOPPED };

/* The library's soname: the ABI the headers we build with describe
 * (Debian's libcurl4, the bundle's lib/; scripts/make-dist reads it here). */
#define FETCH_LIBCURL "libcurl.so.4"

/* The libcurl functions fetching calls, found by fetch_init. */
static struct {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	const char *(*easy_strerror)(CURLcode rc);
} lc;

/* Loads libcurl and runs curl_global_init (not thread-safe, costs TLS
 * set-up): done once, on the first fetch, and kept for the life of the
 * process (like OpenSSL's own state, which it shares). */
static int fetch_init(struct err *e)
{
	static int done;
	void *h;

	if (done)
		return 0;
	h = dlopen(FETCH_LIBCURL, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return err_set(e, "cannot load %s (Debian package libcurl4): %s", FETCH_LIBCURL,
			       dlerror());
#define SYM(field, name) (*(void **)&lc.field = dlsym(h, name))
	if (!SYM(global_init, "curl_global_init") || !SYM(easy_init, "curl_easy_init") ||
	    !SYM(easy_setopt, "curl_easy_setopt") || !SYM(easy_perform, "curl_easy_perform") ||
	    !SYM(easy_getinfo, "curl_easy_getinfo") || !SYM(easy_cleanup, "curl_easy_cleanup") ||
	    !SYM(easy_strerror, "curl_easy_strerror")) {
		err_set(e, "%s: a function is missing: %s", FETCH_LIBCURL, dlerror());
		dlclose(h);
		return -1;
	}
#undef SYM
	if (lc.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, "cannot initialize libcurl");
	done = 1;
	return 0;
}

/* rel ends up in a URL unescaped: only the characters Debian archive paths
 * use, so nothing needs escaping and nothing can climb out of the root. */
static int rel_ok(const char *rel)
{
	if (!fs_rel_path_ok(rel))
		return 0;
	for (const char *c = rel; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+~/-",
			    *c))
			return 0;
	return 1;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void megabytes(uint64_t n, char out[32])
{
	snprintf(out, 32, "%.1f MB", (double)n / 1e6);
}

/* One progress line: rewritten in place on a tty (at most every
 * PROGRESS_TTY_EVERY), on other stderrs only a first line and a last one,
 * so logs stay short.  Silent until the transfer is known to pass
 * PROGRESS_MIN_BYTES. */
static void progress_show(struct sink *s, enum progress_state st)
{
	char now[32], all[32];
	double t = clock_mono();

	if (!s->progress ||
	    (!s->shown && s->got < PROGRESS_MIN_BYTES && s->total < PROGRESS_MIN_BYTES))
		return;
	megabytes(s->got, now);
	megabytes(s->total, all);
	if (s->tty) {
		if (st == PROGRESS_RUNNING && s->shown && t - s->last < PROGRESS_TTY_EVERY)
			return;
		if (s->total)
			fprintf(stderr, "\rlockstep: fetching %s: %s of %s (%d%%)\033[K", s->label,
				now, all, (int)(s->got * 100 / s->total));
		else
			fprintf(stderr, "\rlockstep: fetching %s: %s\033[K", s->label, now);
		if (st != PROGRESS_RUNNING)
			fputs(st == PROGRESS_DONE ? "\n" : ", stopped\n", stderr);
	} else if (!s->shown) {
		fprintf(stderr, "lockstep: fetching %s (%s)\n", s->label,
			s->total ? all : "size unknown");
	} else if (st != PROGRESS_RUNNING) {
		fprintf(stderr, "lockstep: fetching %s: %s %s\n", s->label,
			st == PROGRESS_DONE ? "done," : "stopped at", now);
	}
	s->shown = 1;
	s->last = t;
}

static size_t sink_write(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;

	/* Returning short makes curl stop with CURLE_WRITE_ERROR; the flags say
	 * why.  Servers that send no Content-Length are capped here. */
	if (len > s->max - s->got) {
		s->too_big = 1;
		return 0;
	}
	if (s->fd >= 0 && write_all(s->fd, p, len) < 0) {
		s->write_errno = errno;
		return 0;
	}
	if (s->fd < 0)
		buf_add(&s->mem, p, len);
	digest_stream_add(s->digest, p, len);
	s->got += len;
	return len;
}

/* Called by curl at least once a second, even while connecting or
 * stalled: where Ctrl-C is noticed. */
static int sink_xferinfo(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			 curl_off_t ulnow)
{
	struct sink *s = ctx;

	if (cleanup_interrupted())
		return 1;
	if (dltotal > 0)
		s->total = (uint64_t)dltotal;
	progress_show(s, PROGRESS_RUNNING);
	return 0;
}

/* Empties the sink for the next base's attempt. */
static int sink_reset(struct sink *s, struct err *e)
{
	if (s->fd >= 0 && (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0))
		return err_sys(e, "%s: cannot truncate", s->path);
	buf_release(&s->mem);
	digest_stream_free(s->digest);
	s->digest = digest_stream_new();
	s->got = s->total = 0;
	s->too_big = s->write_errno = s->shown = 0;
	return 0;
}

static void sink_release(struct sink *s)
{
	buf_release(&s->mem);
	digest_stream_free(s->digest);
	s->digest = NULL;
	free(s->url);
	s->url = NULL;
}

/* The options every transfer gets: bounded redirects between http(s)
 * only, HTTP errors as failures, timeouts for dead and crawling servers,
 * raw bytes (no Content-Encoding decoding: a .gz must stay one).  Proxies
 * come from the usual environment variables, as curl reads them. */
static int transfer_setup(CURL *c, const char *url, struct sink *s, char *errbuf)
{
	CURLcode r = CURLE_OK;

#define SET(opt, val) (r = r != CURLE_OK ? r : lc.easy_setopt(c, opt, val))
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https,file");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, 5L);
	SET(CURLOPT_FAILONERROR, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, 15L);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1024L);
	SET(CURLOPT_LOW_SPEED_TIME, 60L);
	SET(CURLOPT_NOSIGNAL, 1L); /* our SIGINT handling stays ours */
	SET(CURLOPT_USERAGENT, "lockstep/" LOCKSTEP_VERSION);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(s->max < INT64_MAX ? s->max : INT64_MAX));
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_WRITEFUNCTION, sink_write);
	SET(CURLOPT_WRITEDATA, s);
	SET(CURLOPT_XFERINFOFUNCTION, sink_xferinfo);
	SET(CURLOPT_XFERINFODATA, s);
	SET(CURLOPT_NOPROGRESS, 0L);
#undef SET
	return r == CURLE_OK ? 0 : -1;
}

/* Why a transfer failed, in words a user can act on: "HTTP 404"; with a
 * system error, curl's summary and the system's reason ("Couldn't connect
 * to server: Connection refused"); otherwise curl's detailed message
 * ("transfer closed with 1024 bytes remaining to read"). */
static void describe_failure(CURL *c, CURLcode rc, const char *errbuf, struct buf *why)
{
	long code = 0, oserr = 0;

	if (rc == CURLE_HTTP_RETURNED_ERROR &&
	    lc.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code)
		buf_addf(why, "HTTP %ld", code);
	else if (lc.easy_getinfo(c, CURLINFO_OS_ERRNO, &oserr) == CURLE_OK && oserr)
		buf_addf(why, "%s: %s", lc.easy_strerror(rc), strerror((int)oserr));
	else
		buf_addstr(why, errbuf[0] ? errbuf : lc.easy_strerror(rc));
}

/* One attempt at url.  Returns 0 when the bytes are all in s, 1 when this
 * base failed and the next may serve (why gets the reason), -1 when no
 * base would help (interrupted, too big, our disk): e is set. */
static int transfer_one(const char *url, struct sink *s, struct buf *why, struct err *e)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = lc.easy_init();
	CURLcode rc;
	int ret = -1;

	if (!c || transfer_setup(c, url, s, errbuf) < 0) {
		err_set(e, "%s: cannot set up libcurl", url);
		goto out;
	}
	rc = lc.easy_perform(c);
	progress_show(s, rc == CURLE_OK ? PROGRESS_DONE : PROGRESS_STOPPED);
	if (rc == CURLE_OK) {
		s->url = xstrdup(url);
		ret = 0;
	} else if (cleanup_interrupted()) {
		err_setk(e, ERR_INTERRUPT, "%s: interrupted", url);
	} else if (s->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		err_set(e, "%s: larger than the %llu-byte limit", url, (unsigned long long)s->max);
	} else if (s->write_errno) {
		errno = s->write_errno;
		err_sys(e, "%s: cannot write", s->path);
	} else {
		describe_failure(c, rc, errbuf, why);
		ret = 1;
	}
out:
	lc.easy_cleanup(c);
	return ret;
}

/* Tries each base in turn until one serves rel into s (s->url says which).
 * Returns 0, or -1 with e set: after the last base fails, e names every
 * base with its reason. */
static int fetch_any(const char *const *bases, const char *rel, struct sink *s, struct err *e)
{
	struct buf why = BUF_INIT;
	int ret = -1, done = 0;

	if (fetch_init(e) < 0)
		return -1;
	if (!bases || !bases[0])
		return err_set(e,
			       "\"%s\": no mirror to download from (give --mirror URL or set "
			       "LOCKSTEP_MIRROR)",
			       rel);
	for (int i = 0; bases[i] && !done; i++) {
		size_t n = strlen(bases[i]);
		char *url;
		int r;

		while (n && bases[i][n - 1] == '/')
			n--;
		url = xasprintf("%.*s/%s", (int)n, bases[i], rel);
		buf_addf(&why, "%s%.*s: ", i ? "; " : "", (int)n, bases[i]);
		r = sink_reset(s, e) < 0 ? -1 : transfer_one(url, s, &why, e);
		free(url);
		if (r < 0)
			goto out;
		done = r == 0;
	}
	if (!done) {
		err_set(e, "\"%s\": every mirror failed: %s", rel, why.data);
		goto out;
	}
	ret = 0;
out:
	buf_release(&why);
	return ret;
}

static uint64_t cap_or_default(uint64_t max_bytes)
{
	return max_bytes ? max_bytes : FETCH_DEFAULT_MAX_BYTES;
}

/* Publishes the complete temporary file tmp (open as fd) as dest: durable
 * before it is visible, since the cache trusts a name once it exists. */
static int publish(int fd, const char *tmp, const char *dest, struct err *e)
{
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0)
		return err_sys(e, "%s: cannot write", dest);
	if (rename(tmp, dest) < 0)
		return err_sys(e, "%s: cannot move into place", dest);
	return 0;
}

int fetch_file(const char *const *bases, const char *rel, const char *dest,
	       const char *expect_sha256, const char *what, uint64_t max_bytes, int progress,
	       char hex[DIGEST_HEX_LEN + 1], struct err *e)
{
	struct sink s = { .fd = -1, .max = cap_or_default(max_bytes), .progress = progress };
	char *tmp = xasprintf("%s.tmp.XXXXXX", dest), got[DIGEST_HEX_LEN + 1];
	int made = 0, ret = -1;
	const char *slash = strrchr(rel, '/');

	if (!what)
		what = rel;
	if (!rel_ok(rel)) {
		err_set(e, "%s: \"%s\": not a plain path below an archive root", what, rel);
		goto out;
	}
	if (expect_sha256 && !digest_is_hex(expect_sha256)) {
		err_set(e, "%s: expected sha256 \"%s\" is not 64 lowercase hex digits", what,
			expect_sha256);
		goto out;
	}
	s.fd = mkostemp(tmp, O_CLOEXEC);
	if (s.fd < 0) {
		err_sys(e, "%s: cannot create a temporary file beside it", dest);
		goto out;
	}
	made = 1;
	cleanup_add_path(tmp);
	s.path = dest;
	s.label = slash ? slash + 1 : rel;
	s.tty = progress && isatty(2);
	if (fetch_any(bases, rel, &s, e) < 0)
		goto out;
	digest_stream_finish(s.digest, got);
	s.digest = NULL;
	if (hex)
		memcpy(hex, got, sizeof(got));
	if (expect_sha256 && strcmp(got, expect_sha256)) {
		err_setk(e, ERR_NO, "%s: %s: sha256 is %s, expected %s", what, s.url, got,
			 expect_sha256);
		goto out;
	}
	if (publish(s.fd, tmp, dest, e) < 0)
		goto out;
	ret = 0;
out:
	if (s.fd >= 0)
		close(s.fd);
	/* After the rename the name is gone; on failure it is the only one. */
	if (made) {
		unlink(tmp);
		cleanup_remove_path(tmp);
	}
	sink_release(&s);
	free(tmp);
	return ret;
}

int fetch_mem(const char *const *bases, const char *rel, uint64_t max_bytes, char **out,
	      size_t *len, struct err *e)
{
	struct sink s = { .fd = -1, .max = cap_or_default(max_bytes) };
	int ret = -1;

	*out = NULL;
	*len = 0;
	if (s.max > SIZE_MAX - 1)
		s.max = SIZE_MAX - 1;
	if (!rel_ok(rel)) {
		err_set(e, "\"%s\": not a plain path below an archive root", rel);
		goto out;
	}
	if (fetch_any(bases, rel, &s, e) < 0)
		goto out;
	*out = buf_take(&s.mem, len);
	ret = 0;
out:
	sink_release(&s);
	return ret;
}
