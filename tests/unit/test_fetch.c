/* SPDX-License-Identifier: MIT */
/* toolchains/fetch.c against a python3 http.server on 127.0.0.1 (started
 * here, killed at exit; no other network): a checked file appears with
 * exactly its bytes, and a wrong digest, a dead base, a 404, an oversize
 * file, a connection cut halfway and Ctrl-C each leave nothing behind and
 * say why.  The server also misbehaves on purpose under /half/ (announces
 * every byte, sends half, hangs up), /nolength/ (no Content-Length) and
 * /stall/ (half, then silence). */
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/clock.h"
#include "core/fs.h"
#include "toolchains/fetch.h"
#include "tests/unit/harness.h"

#define SMALL "pool/main/h/hello/hello_1.0-1_amd64.deb"
#define SMALL_BYTES "not really a .deb, but bytes all the same\n"
#define BIG "pool/main/b/big/big_2.0-1_amd64.deb"
#define BIG_LEN (3u << 20)
#define WHAT "package \"hello\" 1.0-1"
#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

static const char server_py[] =
	"import http.server, os, sys, time\n"
	"root = sys.argv[1]\n"
	"class H(http.server.SimpleHTTPRequestHandler):\n"
	"    def __init__(self, *a, **k):\n"
	"        super().__init__(*a, directory=root, **k)\n"
	"    def log_message(self, *a):\n"
	"        pass\n"
	"    def odd(self, prefix, length, part, pause):\n"
	"        data = open(os.path.join(root, self.path[len(prefix):]), 'rb').read()\n"
	"        self.send_response(200)\n"
	"        if length:\n"
	"            self.send_header('Content-Length', str(len(data)))\n"
	"        self.end_headers()\n"
	"        self.wfile.write(data[:len(data) // part])\n"
	"        self.wfile.flush()\n"
	"        time.sleep(pause)\n"
	"        self.close_connection = True\n"
	"    def do_GET(self):\n"
	"        if self.path.startswith('/half/'):\n"
	"            return self.odd('/half/', True, 2, 0)\n"
	"        if self.path.startswith('/nolength/'):\n"
	"            return self.odd('/nolength/', False, 1, 0)\n"
	"        if self.path.startswith('/stall/'):\n"
	"            return self.odd('/stall/', True, 2, 60)\n"
	"        return super().do_GET()\n"
	"class S(http.server.ThreadingHTTPServer):\n"
	"    def handle_error(self, *a):\n"
	"        pass  # clients hanging up early is what the tests do\n"
	"s = S(('127.0.0.1', 0), H)\n"
	"print(s.server_address[1], flush=True)\n"
	"s.serve_forever()\n";

static char root[] = "/tmp/lockstep-fetch-srv-XXXXXX";
static pid_t server = -1;
static char *base_url;   /* http://127.0.0.1:PORT */
static char *closed_url; /* a bound port nobody listens on */
static int closed_fd = -1;
static char small_sha[DIGEST_HEX_LEN + 1], big_sha[DIGEST_HEX_LEN + 1];

static void server_stop(void)
{
	struct err e = ERR_INIT;

	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	if (closed_fd >= 0)
		close(closed_fd);
	fs_remove_tree(root, &e);
}

static void put(const char *rel, const void *p, size_t len)
{
	char *path = fs_join(root, rel), *dir = xstrdup(path);
	struct err e = ERR_INIT;

	*strrchr(dir, '/') = '\0';
	if (fs_mkdirs(dir, &e) < 0 || fs_write_atomic(path, p, len, 0644, &e) < 0) {
		fprintf(stderr, "  %s\n", e.msg);
		abort();
	}
	free(dir);
	free(path);
}

/* A port on 127.0.0.1 that refuses connections: bound, never listening,
 * and kept so nobody else takes it. */
static char *closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	closed_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (closed_fd < 0 || bind(closed_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(closed_fd, (struct sockaddr *)&a, &len) < 0)
		abort();
	return xasprintf("http://127.0.0.1:%u", ntohs(a.sin_port));
}

/* Starts the server once, serving the files the tests fetch; the port is
 * the first line it prints. */
static void server_start(void)
{
	char line[32] = "", *big;
	int fds[2];
	FILE *f;

	if (server > 0)
		return;
	/* Only 127.0.0.1, never through a proxy someone configured. */
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	unsetenv("HTTPS_PROXY");
	if (!mkdtemp(root) || pipe(fds) < 0)
		abort();
	put(SMALL, SMALL_BYTES, strlen(SMALL_BYTES));
	digest_buf(SMALL_BYTES, strlen(SMALL_BYTES), small_sha);
	big = xmalloc(BIG_LEN);
	for (size_t i = 0; i < BIG_LEN; i++)
		big[i] = (char)(i * 7 + i / 4096);
	put(BIG, big, BIG_LEN);
	digest_buf(big, BIG_LEN, big_sha);
	free(big);
	server = fork();
	if (server == 0) {
		dup2(fds[1], 1);
		execlp("python3", "python3", "-c", server_py, root, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	atexit(server_stop);
	f = fdopen(fds[0], "r");
	if (!f || !fgets(line, sizeof(line), f) || atoi(line) <= 0) {
		fprintf(stderr, "  the python3 http.server did not start\n");
		abort();
	}
	fclose(f);
	base_url = xasprintf("http://127.0.0.1:%d", atoi(line));
	closed_url = closed_port();
}

static char *out_dir(void)
{
	char *dir = xstrdup("/tmp/lockstep-fetch-out-XXXXXX");

	server_start();
	if (!mkdtemp(dir))
		abort();
	return dir;
}

/* How many entries dir holds: a failed fetch must leave none. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static void out_done(char *dir)
{
	struct err e = ERR_INIT;

	fs_remove_tree(dir, &e);
	free(dir);
}

TEST(a_file_with_the_right_sha256_appears_with_exactly_its_bytes)
{
	char *dir = out_dir(), *dest = fs_join(dir, "hello.deb"), *got = NULL,
	     hex[DIGEST_HEX_LEN + 1] = "";
	const char *bases[] = { base_url, NULL };
	struct err e = ERR_INIT;
	struct stat st;
	size_t len = 0;

	CHECK(fetch_file(bases, SMALL, dest, small_sha, WHAT, 0, 0, hex, &e) == 0);
	CHECK_STR(hex, small_sha);
	CHECK(fs_read_file(dest, 1 << 20, &got, &len, &e) == 0);
	CHECK(len == strlen(SMALL_BYTES) && got && !memcmp(got, SMALL_BYTES, len));
	CHECK(stat(dest, &st) == 0 && (st.st_mode & 0777) == 0644);
	CHECK(entries(dir) == 1);
	/* Without an expected digest it is only hashed. */
	CHECK(fetch_file(bases, SMALL, dest, NULL, NULL, 0, 0, NULL, &e) == 0);
	CHECK(entries(dir) == 1);
	free(got);
	free(dest);
	out_done(dir);
}

TEST(a_wrong_sha256_is_refused_naming_what_the_url_and_both_digests_leaving_nothing)
{
	char *dir = out_dir(), *dest = fs_join(dir, "hello.deb");
	char *url = xasprintf("%s/%s", base_url, SMALL);
	const char *bases[] = { base_url, NULL };
	struct err e = ERR_INIT;

	CHECK(fetch_file(bases, SMALL, dest, ZEROS, WHAT, 0, 0, NULL, &e) == -1);
	CHECK(e.kind == ERR_NO);
	CHECK_CONTAINS(e.msg, WHAT);
	CHECK_CONTAINS(e.msg, url);
	CHECK_CONTAINS(e.msg, small_sha);
	CHECK_CONTAINS(e.msg, ZEROS);
	CHECK(entries(dir) == 0);
	/* An expected digest that is not one is refused before any transfer. */
	CHECK(fetch_file(bases, SMALL, dest, "ABC", WHAT, 0, 0, NULL, &e) == -1);
	CHECK_CONTAINS(e.msg, "expected sha256 \"ABC\" is not 64 lowercase hex digits");
	CHECK(entries(dir) == 0);
	free(url);
	free(dest);
	out_done(dir);
}

TEST(an_unreachable_base_is_skipped_for_the_next_one)
{
	char *dir = out_dir(), *dest = fs_join(dir, "hello.deb");
	const char *bases[] = { closed_url, base_url, NULL };
	struct err e = ERR_INIT;

	CHECK(fetch_file(bases, SMALL, dest, small_sha, WHAT, 0, 0, NULL, &e) == 0);
	CHECK(fs_exists(dest));
	CHECK(entries(dir) == 1);
	free(dest);
	out_done(dir);
}

TEST(when_every_base_fails_the_error_names_the_path_and_each_base_with_its_reason)
{
	char *dir = out_dir(), *dest = fs_join(dir, "hello.deb");
	char *missing = xasprintf("%s/missing/", base_url), *reason;
	const char *bases[] = { closed_url, missing, NULL };
	struct err e = ERR_INIT;

	CHECK(fetch_file(bases, SMALL, dest, small_sha, WHAT, 0, 0, NULL, &e) == -1);
	CHECK(e.kind == ERR_OP);
	CHECK_CONTAINS(e.msg, "\"" SMALL "\": every mirror failed: ");
	reason = xasprintf("%s: ", closed_url);
	CHECK_CONTAINS(e.msg, reason);
	CHECK_CONTAINS(e.msg, "Connection refused");
	free(reason);
	reason = xasprintf("; %s/missing: HTTP 404", base_url);
	CHECK_CONTAINS(e.msg, reason);
	CHECK(entries(dir) == 0);
	free(reason);
	free(missing);
	free(dest);
	out_done(dir);
}

TEST(a_missing_file_is_http_404)
{
	char *dir = out_dir(), *dest = fs_join(dir, "x.deb");
	const char *bases[] = { base_url, NULL };
	struct err e = ERR_INIT;

	CHECK(fetch_file(bases, "pool/main/n/nope/nope_1_amd64.deb", dest, NULL, NULL, 0, 0, NULL,
			 &e) == -1);
	CHECK_CONTAINS(e.msg, "\"pool/main/n/nope/nope_1_amd64.deb\": every mirror failed: ");
	CHECK_CONTAINS(e.msg, ": HTTP 404");
	CHECK(entries(dir) == 0);
	free(dest);
	out_done(dir);
}

TEST(a_file_above_max_bytes_is_refused_leaving_nothing)
{
	char *dir = out_dir(), *dest = fs_join(dir, "big.deb");
	char *nolength = xasprintf("%s/nolength", base_url);
	const char *bases[] = { base_url, NULL }, *unsized[] = { nolength, NULL };
	struct err e = ERR_INIT;

	/* Announced too big: refused before the body comes. */
	CHECK(fetch_file(bases, BIG, dest, big_sha, "big", BIG_LEN - 1, 0, NULL, &e) == -1);
	CHECK(e.kind == ERR_OP);
	CHECK_CONTAINS(e.msg, "larger than the 3145727-byte limit");
	CHECK(entries(dir) == 0);
	/* Not announced: refused when the bytes pass the cap. */
	CHECK(fetch_file(unsized, BIG, dest, big_sha, "big", 1000, 0, NULL, &e) == -1);
	CHECK_CONTAINS(e.msg, "/nolength/" BIG ": larger than the 1000-byte limit");
	CHECK(entries(dir) == 0);
	/* Exactly at the cap is fine. */
	CHECK(fetch_file(unsized, BIG, dest, big_sha, "big", BIG_LEN, 0, NULL, &e) == 0);
	CHECK(entries(dir) == 1);
	free(nolength);
	free(dest);
	out_done(dir);
}

TEST(a_connection_cut_halfway_leaves_nothing_and_the_next_base_starts_afresh)
{
	char *dir = out_dir(), *dest = fs_join(dir, "big.deb"), hex[DIGEST_HEX_LEN + 1];
	char *half = xasprintf("%s/half", base_url),
	     *missing = xasprintf(" %u bytes ", BIG_LEN / 2);
	const char *cut[] = { half, NULL }, *then_good[] = { half, base_url, NULL };
	struct err e = ERR_INIT;

	CHECK(fetch_file(cut, BIG, dest, big_sha, "big", 0, 0, NULL, &e) == -1);
	CHECK(e.kind == ERR_OP);
	/* The words are curl's: "transfer closed with N bytes remaining to
	 * read" (7.88, Debian 12), "end of response with N bytes missing" (8.x,
	 * Debian 13); both name the base and the bytes that never came. */
	CHECK_CONTAINS(e.msg, "/half: ");
	CHECK_CONTAINS(e.msg, missing);
	CHECK(entries(dir) == 0);
	/* Without a digest to catch it the transfer itself must be refused. */
	CHECK(fetch_file(cut, BIG, dest, NULL, "big", 0, 0, NULL, &e) == -1);
	CHECK(entries(dir) == 0);
	/* The half from the first base is not kept in front of the second's. */
	CHECK(fetch_file(then_good, BIG, dest, big_sha, "big", 0, 0, hex, &e) == 0);
	CHECK_STR(hex, big_sha);
	CHECK(digest_file(dest, hex, &e) == 0);
	CHECK_STR(hex, big_sha);
	CHECK(entries(dir) == 1);
	free(missing);
	free(half);
	free(dest);
	out_done(dir);
}

TEST(fetch_mem_returns_the_bytes_nul_terminated_within_its_cap)
{
	const char *bases[3] = { NULL, NULL, NULL };
	struct err e = ERR_INIT;
	char *out = NULL;
	size_t len = 0;

	server_start();
	bases[0] = closed_url;
	bases[1] = base_url;
	CHECK(fetch_mem(bases, SMALL, 4096, &out, &len, &e) == 0);
	CHECK(len == strlen(SMALL_BYTES));
	CHECK_STR(out, SMALL_BYTES);
	free(out);
	CHECK(fetch_mem(bases, SMALL, 10, &out, &len, &e) == -1);
	CHECK_CONTAINS(e.msg, "larger than the 10-byte limit");
	CHECK(out == NULL);
	CHECK(fetch_mem(bases, "dists/nope/InRelease", 0, &out, &len, &e) == -1);
	CHECK_CONTAINS(e.msg, "\"dists/nope/InRelease\": every mirror failed: ");
	CHECK_CONTAINS(e.msg, "HTTP 404");
	CHECK(out == NULL);
}

TEST(a_path_that_is_not_plainly_below_the_archive_root_is_refused)
{
	char *dir = out_dir(), *dest = fs_join(dir, "x");
	const char *bases[] = { base_url, NULL };
	const char *bad[] = { "../etc/passwd", "/etc/passwd", "pool/a b.deb",
			      "pool/x?y=1",    "pool/x#frag", "" };
	struct err e = ERR_INIT;
	char *out = NULL;
	size_t len;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(fetch_file(bases, bad[i], dest, NULL, "x", 0, 0, NULL, &e) == -1);
		CHECK_CONTAINS(e.msg, "not a plain path below an archive root");
		CHECK(fetch_mem(bases, bad[i], 0, &out, &len, &e) == -1);
		CHECK_CONTAINS(e.msg, "not a plain path below an archive root");
	}
	/* And no base at all is named as such. */
	bases[0] = NULL;
	CHECK(fetch_mem(bases, SMALL, 0, &out, &len, &e) == -1);
	CHECK_CONTAINS(e.msg,
		       "no mirror to download from (give --mirror URL or set LOCKSTEP_MIRROR)");
	CHECK(entries(dir) == 0);
	free(dest);
	out_done(dir);
}

TEST(a_file_url_base_serves_like_an_http_one)
{
	char *dir = out_dir(), *dest = fs_join(dir, "hello.deb"), *file_base;
	const char *bases[2] = { NULL, NULL };
	struct err e = ERR_INIT;

	file_base = xasprintf("file://%s", root);
	bases[0] = file_base;
	CHECK(fetch_file(bases, SMALL, dest, small_sha, WHAT, 0, 0, NULL, &e) == 0);
	CHECK(fetch_file(bases, "pool/none.deb", dest, NULL, NULL, 0, 0, NULL, &e) == -1);
	CHECK_CONTAINS(e.msg, "every mirror failed");
	CHECK(entries(dir) == 1);
	free(file_base);
	free(dest);
	out_done(dir);
}

TEST(a_long_transfer_shows_progress_in_a_few_lines_ending_with_a_newline)
{
	char *dir = out_dir(), *dest = fs_join(dir, "big.deb"), *log = fs_join(dir, "..log");
	const char *bases[] = { base_url, NULL };
	struct err e = ERR_INIT;
	char *text = NULL;
	size_t len = 0, lines = 0;
	int saved = dup(2), fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	fflush(stderr);
	dup2(fd, 2);
	CHECK(fetch_file(bases, BIG, dest, big_sha, "big", 0, 1, NULL, &e) == 0);
	CHECK(fetch_file(bases, SMALL, dest, small_sha, WHAT, 0, 1, NULL, &e) == 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	CHECK(fs_read_file(log, 1 << 20, &text, &len, &e) == 0);
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	/* Not a tty: a first line and a last one, for the big file only. */
	CHECK(lines == 2);
	CHECK(len && text[len - 1] == '\n');
	CHECK_CONTAINS(text, "lockstep: fetching big_2.0-1_amd64.deb (3.1 MB)\n");
	CHECK_CONTAINS(text, "lockstep: fetching big_2.0-1_amd64.deb: done, 3.1 MB\n");
	free(text);
	free(log);
	free(dest);
	out_done(dir);
}

/* Last: the interrupt flag, once set, stays set for the process. */
TEST(ctrl_c_stops_a_stalled_download_promptly_leaving_nothing)
{
	char *dir = out_dir(), *dest = fs_join(dir, "big.deb");
	char *stall = xasprintf("%s/stall", base_url);
	const char *bases[] = { stall, base_url, NULL };
	struct err e = ERR_INIT;
	double t0 = clock_mono();
	pid_t me = getpid(), pid;

	cleanup_init();
	pid = fork();
	if (pid == 0) {
		usleep(500 * 1000);
		kill(me, SIGINT);
		_exit(0);
	}
	CHECK(fetch_file(bases, BIG, dest, big_sha, "big", 0, 0, NULL, &e) == -1);
	waitpid(pid, NULL, 0);
	CHECK(e.kind == ERR_INTERRUPT);
	CHECK_CONTAINS(e.msg, "interrupted");
	CHECK(clock_mono() - t0 < 5);
	CHECK(entries(dir) == 0);
	free(stall);
	free(dest);
	out_done(dir);
}

TEST_MAIN(T(a_file_with_the_right_sha256_appears_with_exactly_its_bytes),
	  T(a_wrong_sha256_is_refused_naming_what_the_url_and_both_digests_leaving_nothing),
	  T(an_unreachable_base_is_skipped_for_the_next_one),
	  T(when_every_base_fails_the_error_names_the_path_and_each_base_with_its_reason),
	  T(a_missing_file_is_http_404), T(a_file_above_max_bytes_is_refused_leaving_nothing),
	  T(a_connection_cut_halfway_leaves_nothing_and_the_next_base_starts_afresh),
	  T(fetch_mem_returns_the_bytes_nul_terminated_within_its_cap),
	  T(a_path_that_is_not_plainly_below_the_archive_root_is_refused),
	  T(a_file_url_base_serves_like_an_http_one),
	  T(a_long_transfer_shows_progress_in_a_few_lines_ending_with_a_newline),
	  T(ctrl_c_stops_a_stalled_download_promptly_leaving_nothing))
