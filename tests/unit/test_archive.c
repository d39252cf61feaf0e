/* SPDX-License-Identifier: MIT */
/* archive/archive: deterministic writing, normalization of archives made by
 * the usual tools (tar, cpio, zip, ar), and extraction that refuses every
 * way out of the destination.  Archives under test are built with the real
 * tools or with python3's tarfile (for the hostile ones), and the results
 * are read back with libarchive, the tools and python3. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "archive/archive.h"
#include "core/fs.h"
#include "tests/unit/harness.h"

#define SDE 1700000000LL /* 2023-11-14, older than any file the tests create */

static char *tmpdir(void)
{
	char *d = xstrdup("/tmp/lockstep-archive-XXXXXX");
	if (!mkdtemp(d))
		abort();
	return d;
}

/* Runs a shell command built like printf; 0 when it exits 0. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *len)
{
	char *p = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	if (fs_read_file(path, (size_t)1 << 30, &p, &n, &e) < 0)
		return NULL;
	if (len)
		*len = n;
	return p;
}

static int same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = slurp(a, &la), *y = slurp(b, &lb);
	int same = x && y && la == lb && !memcmp(x, y, la);
	free(x);
	free(y);
	return same;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* One line per member as libarchive reads it back:
 * "name type perm uid gid uname gname mtime size [-> link]\n". */
static char *describe(const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *en;
	struct buf b = BUF_INIT;

	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, path, 10240) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	while (archive_read_next_header(a, &en) == ARCHIVE_OK) {
		buf_addf(&b, "%s %o %o %lld %lld %s %s %lld %lld", archive_entry_pathname(en),
			 (unsigned)archive_entry_filetype(en) >> 12,
			 (unsigned)archive_entry_perm(en), (long long)archive_entry_uid(en),
			 (long long)archive_entry_gid(en), or_dash(archive_entry_uname(en)),
			 or_dash(archive_entry_gname(en)), (long long)archive_entry_mtime(en),
			 (long long)archive_entry_size(en));
		if (archive_entry_symlink(en))
			buf_addf(&b, " -> %s", archive_entry_symlink(en));
		buf_addstr(&b, "\n");
	}
	archive_read_free(a);
	return buf_take(&b, NULL);
}

/* A small tree: files (one executable), a subdirectory, an empty
 * directory, a symlink, names whose byte order differs from a locale's
 * ("B" < "a" < "a-b" < "a/..."), all stamped with the time `stamp`.
 * reverse creates it in the opposite order under another umask. */
static int make_tree(const char *d, int reverse, const char *stamp)
{
	static const char *fwd =
		"umask 022 && printf one > a && printf two > B && mkdir -p sub/deep empty && "
		"printf 3 > sub/deep/c && printf '#!/bin/sh\\n' > run.sh && chmod +x run.sh && "
		"printf x > a-b && ln -s sub/deep/c link";
	static const char *rev =
		"umask 077 && ln -s sub/deep/c link && printf x > a-b && "
		"printf '#!/bin/sh\\n' > run.sh && chmod 700 run.sh && mkdir empty sub sub/deep && "
		"printf 3 > sub/deep/c && printf two > B && printf one > a";
	return sh("cd %s && (%s) && find . -exec touch -h -d '%s' {} +", d, reverse ? rev : fwd,
		  stamp);
}

TEST(write_tree_is_byte_identical_for_two_differently_created_copies)
{
	char *t = tmpdir(), *x = fs_join(t, "x"), *y = fs_join(t, "y");
	struct err e = ERR_INIT;
	static const char *const comp[] = { "none", "gzip", "xz", "zstd" };

	CHECK(mkdir(x, 0755) == 0 && mkdir(y, 0700) == 0);
	CHECK(make_tree(x, 0, "2030-01-01 00:00:00") == 0);
	CHECK(make_tree(y, 1, "2031-06-06 12:34:56") == 0);
	/* A name too long for ustar takes a pax record: deterministic too. */
	CHECK(sh("cd %s && mkdir -p %s && touch %s/%0150d && cd %s && mkdir -p %s && "
		 "touch -d 2032-01-01 %s/%0150d",
		 x, "sub", "sub", 0, y, "sub", "sub", 0) == 0);
	for (size_t i = 0; i < 4; i++) {
		char *ox = xasprintf("%s/x.%s", t, comp[i]), *oy = xasprintf("%s/y.%s", t, comp[i]);
		CHECK(archive_write_tree(x, "pkg-1.0", ox, comp[i], SDE, &e) == 0);
		CHECK(archive_write_tree(y, "pkg-1.0", oy, comp[i], SDE, &e) == 0);
		CHECK(same_file(ox, oy));
		free(ox);
		free(oy);
	}
	CHECK(sh("cd %s && tar -tf x.none | tr '\\n' ' ' | grep -qx 'pkg-1.0/ pkg-1.0/B pkg-1.0/a "
		 "pkg-1.0/a-b pkg-1.0/empty/ pkg-1.0/link pkg-1.0/run.sh pkg-1.0/sub/ "
		 "pkg-1.0/sub/%0150d pkg-1.0/sub/deep/ pkg-1.0/sub/deep/c '",
		 t, 0) == 0);
	CHECK(sh("cd %s && xz -t x.xz && gzip -t x.gzip && zstd -qt x.zstd", t) == 0);
	/* zstd: the same tar inside, and the same bytes on one CPU as on all
	 * (libzstd's multi-threaded format does not depend on the count). */
	CHECK(sh("cd %s && zstd -dc x.zstd | cmp -s - x.none", t) == 0);
	{
		char *one = xasprintf("%s/one.zstd", t);
		cpu_set_t all, cpu0;

		CHECK(sched_getaffinity(0, sizeof(all), &all) == 0);
		CPU_ZERO(&cpu0);
		CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &cpu0);
		CHECK(sched_setaffinity(0, sizeof(cpu0), &cpu0) == 0);
		CHECK(archive_write_tree(x, "pkg-1.0", one, "zstd", SDE, &e) == 0);
		CHECK(sched_setaffinity(0, sizeof(all), &all) == 0);
		CHECK(sh("cmp -s %s %s/x.zstd", one, t) == 0);
		free(one);
	}
	fs_remove_tree(t, NULL);
	free(x);
	free(y);
	free(t);
}

TEST(write_tree_stores_root_owner_normalized_modes_and_clamped_mtimes)
{
	char *t = tmpdir(), *x = fs_join(t, "x"), *out = fs_join(t, "o.tar"), *d;
	struct err e = ERR_INIT;

	CHECK(mkdir(x, 0755) == 0);
	CHECK(make_tree(x, 1, "2030-01-01") == 0);
	/* One file older than SOURCE_DATE_EPOCH keeps its own time. */
	CHECK(sh("touch -d @1600000000 %s/a", x) == 0);
	CHECK(archive_write_tree(x, NULL, out, "none", SDE, &e) == 0);
	d = describe(out);
	CHECK_STR(d, "B 10 644 0 0 - - 1700000000 3\n"
		     "a 10 644 0 0 - - 1600000000 3\n"
		     "a-b 10 644 0 0 - - 1700000000 1\n"
		     "empty/ 4 755 0 0 - - 1700000000 0\n"
		     "link 12 777 0 0 - - 1700000000 0 -> sub/deep/c\n"
		     "run.sh 10 755 0 0 - - 1700000000 10\n"
		     "sub/ 4 755 0 0 - - 1700000000 0\n"
		     "sub/deep/ 4 755 0 0 - - 1700000000 0\n"
		     "sub/deep/c 10 644 0 0 - - 1700000000 1\n");
	/* Plain ustar, no pax records (no atime/ctime), no user names. */
	CHECK(sh("python3 -c 'import tarfile,sys; t=tarfile.open(sys.argv[1]); "
		 "ms=t.getmembers(); sys.exit(any(m.pax_headers or m.uname or m.gname "
		 "for m in ms))' %s",
		 out) == 0);
	CHECK(sh("! grep -aq -e atime -e ctime -e PaxHeader %s", out) == 0);
	free(d);
	fs_remove_tree(t, NULL);
	free(x);
	free(out);
	free(t);
}

TEST(gzip_output_has_no_timestamp_and_no_name)
{
	char *t = tmpdir(), *x = fs_join(t, "x"), *out = fs_join(t, "o.tar.gz"), *p;
	struct err e = ERR_INIT;
	size_t n = 0;

	CHECK(mkdir(x, 0755) == 0 && make_tree(x, 0, "2030-01-01") == 0);
	CHECK(archive_write_tree(x, NULL, out, "gzip", SDE, &e) == 0);
	p = slurp(out, &n);
	CHECK(p && n > 10);
	if (p && n > 10) {
		CHECK((unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b);
		CHECK((p[3] & 0x08) == 0);            /* FNAME */
		CHECK(!memcmp(p + 4, "\0\0\0\0", 4)); /* MTIME */
	}
	free(p);
	fs_remove_tree(t, NULL);
	free(x);
	free(out);
	free(t);
}

TEST(write_tree_refuses_a_fifo_and_leaves_nothing_behind)
{
	char *t = tmpdir(), *x = fs_join(t, "x"), *out = fs_join(t, "o.tar"), *fifo;
	struct err e = ERR_INIT;

	CHECK(mkdir(x, 0755) == 0 && make_tree(x, 0, "2030-01-01") == 0);
	fifo = fs_join(x, "pipe");
	CHECK(mkfifo(fifo, 0644) == 0);
	CHECK(archive_write_tree(x, NULL, out, "gzip", SDE, &e) < 0);
	CHECK_CONTAINS(e.msg, "pipe: not a regular file, directory or symlink");
	CHECK(sh("test \"$(ls -A %s)\" = x", t) == 0);
	CHECK(archive_write_tree(x, "a/b", out, "none", SDE, &e) < 0);
	CHECK(archive_write_tree(x, NULL, out, "bzip9", SDE, &e) < 0);
	CHECK_CONTAINS(e.msg, "\"bzip9\": unknown compression");
	CHECK(sh("test \"$(ls -A %s)\" = x", t) == 0);
	fs_remove_tree(t, NULL);
	free(fifo);
	free(x);
	free(out);
	free(t);
}

TEST(write_files_adds_parent_directories_and_refuses_duplicates_and_escapes)
{
	char *t = tmpdir(), *f = fs_join(t, "fw.bin"), *out = fs_join(t, "b.tar"), *d;
	struct err e = ERR_INIT;
	struct archive_entry_spec ok[] = { { "artifacts/fw.bin", f },
					   { "key.pub", f },
					   { "artifacts/sub/fw.bin", f } };
	struct archive_entry_spec dup[] = { { "a", f }, { "a", f } };
	struct archive_entry_spec esc[] = { { "../a", f } };
	struct archive_entry_spec under[] = { { "a", f }, { "a/b", f } };

	CHECK(fs_write_atomic(f, "fw", 2, 0600, &e) == 0);
	CHECK(sh("touch -d 2030-01-01 %s", f) == 0);
	CHECK(archive_write_files(ok, 3, out, "none", SDE, &e) == 0);
	d = describe(out);
	CHECK_STR(d, "artifacts/ 4 755 0 0 - - 1700000000 0\n"
		     "artifacts/fw.bin 10 644 0 0 - - 1700000000 2\n"
		     "artifacts/sub/ 4 755 0 0 - - 1700000000 0\n"
		     "artifacts/sub/fw.bin 10 644 0 0 - - 1700000000 2\n"
		     "key.pub 10 644 0 0 - - 1700000000 2\n");
	CHECK(archive_write_files(dup, 2, out, "none", SDE, &e) < 0);
	CHECK_CONTAINS(e.msg, "member \"a\": listed twice");
	CHECK(archive_write_files(esc, 1, out, "none", SDE, &e) < 0);
	CHECK_CONTAINS(e.msg, "member \"../a\": not a clean relative name");
	CHECK(archive_write_files(under, 2, out, "none", SDE, &e) < 0);
	CHECK_CONTAINS(e.msg, "member \"a\": not a directory but has members below it");
	free(d);
	fs_remove_tree(t, NULL);
	free(f);
	free(out);
	free(t);
}

/* Python's tarfile writes the hostile archives: the tools refuse to. */
static int py_tar(const char *out, const char *body)
{
	return sh("python3 -c 'import tarfile,io,sys\n"
		  "t=tarfile.open(sys.argv[1],\"w\",format=tarfile.USTAR_FORMAT)\n"
		  "def add(name,type=tarfile.REGTYPE,data=b\"x\",link=\"\",mode=0o644):\n"
		  "    i=tarfile.TarInfo(name); i.type=type; i.linkname=link; i.mode=mode\n"
		  "    i.size=len(data) if type==tarfile.REGTYPE else 0\n"
		  "    t.addfile(i,io.BytesIO(data) if type==tarfile.REGTYPE else None)\n"
		  "%s\n"
		  "t.close()' %s",
		  body, out);
}

TEST(normalize_fixes_a_gnu_tar_with_random_mtimes_owners_and_order)
{
	char *t = tmpdir(), *x = fs_join(t, "x"), *tar = fs_join(t, "x.tar");
	char *ref = fs_join(t, "ref.tar"), *tgz = fs_join(t, "x.tgz"), *p;
	struct err e = ERR_INIT;
	int changed = -1;
	size_t n;

	CHECK(mkdir(x, 0755) == 0 && make_tree(x, 0, "2030-01-01") == 0);
	CHECK(sh("cd %s && touch -d 2031-02-03 a sub/deep/c && touch -d 2035-01-01 B && "
		 "tar --owner=1234 --group=99 -cf %s sub run.sh a B link a-b empty && "
		 "tar --owner=ci --group=ci -czf %s run.sh a sub B link a-b empty",
		 x, tar, tgz) == 0);
	CHECK_STR(archive_detect(tar), "tar");
	CHECK(archive_normalize(tar, SDE, &changed, &e) == 0);
	CHECK(changed == 1);
	/* The same bytes as writing the tree ourselves. */
	CHECK(archive_write_tree(x, NULL, ref, "none", SDE, &e) == 0);
	CHECK(same_file(tar, ref));
	CHECK(archive_normalize(tar, SDE, &changed, &e) == 0);
	CHECK(changed == 0);
	/* Compression is kept, without the gzip timestamp. */
	CHECK_STR(archive_detect(tgz), "tar");
	CHECK(archive_normalize(tgz, SDE, &changed, &e) == 0 && changed == 1);
	p = slurp(tgz, &n);
	CHECK(p && n > 10 && (unsigned char)p[0] == 0x1f && !memcmp(p + 4, "\0\0\0\0", 4));
	CHECK(sh("gzip -dc %s | cmp -s - %s", tgz, ref) == 0);
	free(p);
	fs_remove_tree(t, NULL);
	free(x);
	free(tar);
	free(ref);
	free(tgz);
	free(t);
}

TEST(normalize_turns_an_odc_cpio_into_a_sorted_newc_cpio_that_cpio_reads)
{
	char *t = tmpdir(), *x = fs_join(t, "x"), *c = fs_join(t, "x.cpio"), *d, *p;
	struct err e = ERR_INIT;
	int changed = -1;
	size_t n;

	CHECK(mkdir(x, 0755) == 0 && make_tree(x, 1, "2030-01-01") == 0);
	CHECK(sh("cd %s && find . ! -name a | cpio --quiet -o -H odc > %s && "
		 "echo a | cpio --quiet -o -A -H odc -F %s",
		 x, c, c) == 0);
	CHECK_STR(archive_detect(c), "cpio");
	CHECK(archive_normalize(c, SDE, &changed, &e) == 0);
	CHECK(changed == 1);
	p = slurp(c, &n);
	CHECK(p && n > 6 && !memcmp(p, "070701", 6)); /* newc */
	d = describe(c);
	CHECK_STR(d, ". 4 755 0 0 - - 1700000000 0\n"
		     "B 10 644 0 0 - - 1700000000 3\n"
		     "a 10 644 0 0 - - 1700000000 3\n"
		     "a-b 10 644 0 0 - - 1700000000 1\n"
		     "empty 4 755 0 0 - - 1700000000 0\n"
		     "link 12 777 0 0 - - 1700000000 10 -> sub/deep/c\n"
		     "run.sh 10 755 0 0 - - 1700000000 10\n"
		     "sub 4 755 0 0 - - 1700000000 0\n"
		     "sub/deep 4 755 0 0 - - 1700000000 0\n"
		     "sub/deep/c 10 644 0 0 - - 1700000000 1\n");
	CHECK(sh("mkdir %s/out && cd %s/out && cpio --quiet -id < %s && diff -r %s . && "
		 "test \"$(readlink link)\" = sub/deep/c",
		 t, t, c, x) == 0);
	CHECK(archive_normalize(c, SDE, &changed, &e) == 0 && changed == 0);
	free(p);
	free(d);
	fs_remove_tree(t, NULL);
	free(x);
	free(c);
	free(t);
}

TEST(normalize_gives_a_zip_the_same_bytes_whatever_its_times_and_the_time_zone)
{
	char *t = tmpdir(), *x = fs_join(t, "x"), *z1 = fs_join(t, "1.zip"),
	     *z2 = fs_join(t, "2.zip");
	struct err e = ERR_INIT;
	int changed = -1;

	CHECK(mkdir(x, 0755) == 0 && make_tree(x, 0, "2030-01-01") == 0);
	CHECK(sh("cd %s && zip -qry %s . && find . -exec touch -h -d 2032-05-05 {} + && "
		 "TZ=Asia/Tokyo zip -qry %s sub run.sh a B link a-b empty",
		 x, z1, z2) == 0);
	CHECK(!same_file(z1, z2));
	CHECK_STR(archive_detect(z1), "zip");
	setenv("TZ", "Asia/Tokyo", 1);
	CHECK(archive_normalize(z1, SDE, &changed, &e) == 0 && changed == 1);
	/* The time zone is pinned only while the zip is written. */
	CHECK_STR(getenv("TZ"), "Asia/Tokyo");
	setenv("TZ", "America/New_York", 1);
	CHECK(archive_normalize(z2, SDE, &changed, &e) == 0 && changed == 1);
	unsetenv("TZ");
	CHECK(same_file(z1, z2));
	CHECK(sh("unzip -tq %s >/dev/null && mkdir %s/out && cd %s/out && unzip -q %s && "
		 "diff -r %s . && test -x run.sh && test \"$(readlink link)\" = sub/deep/c && "
		 "TZ=UTC unzip -Z -T %s B | grep -q ' 20231114.22' ",
		 z1, t, t, z1, x, z1) == 0);
	CHECK(archive_normalize(z1, SDE, &changed, &e) == 0 && changed == 0);
	fs_remove_tree(t, NULL);
	free(x);
	free(z1);
	free(z2);
	free(t);
}

/* Builds lib.a from two objects (one with a name longer than 15 bytes, so
 * GNU ar's name table is used) with real times and owners (ar U), and a
 * main program calling both; prefix is "" or a cross prefix. */
static int make_lib(const char *d, const char *prefix)
{
	static const char *const src[][2] = {
		{ "a.c", "int alpha(int x){return x+1;}\n" },
		{ "beta_long_name_obj.c", "int beta_with_a_long_name(int x){return x*2;}\n" },
		{ "main.c",
		  "#include <stdio.h>\nint alpha(int);int beta_with_a_long_name(int);\n"
		  "int main(void){printf(\"%d\\n\",alpha(beta_with_a_long_name(20)));}\n" },
	};
	struct err e = ERR_INIT;

	for (size_t i = 0; i < 3; i++) {
		char *p = fs_join(d, src[i][0]);
		int rc = fs_write_atomic(p, src[i][1], strlen(src[i][1]), 0644, &e);
		free(p);
		if (rc < 0)
			return -1;
	}
	return sh("cd %s && %sgcc -c a.c beta_long_name_obj.c && "
		  "%sar rcsU libx.a a.o beta_long_name_obj.o && chown 1234:99 libx.a",
		  d, prefix, prefix);
}

TEST(normalize_keeps_a_static_library_linkable_with_its_symbol_index)
{
	char *t = tmpdir(), *lib = fs_join(t, "libx.a"), *d;
	struct err e = ERR_INIT;
	int changed = -1;

	CHECK(make_lib(t, "") == 0);
	CHECK(sh("touch -d 2030-01-01 %s/*.o", t) == 0);
	CHECK_STR(archive_detect(lib), "ar");
	CHECK(archive_normalize(lib, SDE, &changed, &e) == 0);
	CHECK(changed == 1);
	d = describe(lib);
	CHECK_CONTAINS(d, "a.o 10 644 0 0 - - 1700000000");
	CHECK_CONTAINS(d, "beta_long_name_obj.o 10 644 0 0 - - 1700000000");
	CHECK(sh("cd %s && ar t libx.a | tr '\\n' ' ' | grep -qx 'a.o beta_long_name_obj.o ' && "
		 "nm --print-armap libx.a | grep -q 'alpha in a.o' && "
		 "nm --print-armap libx.a | grep -q 'beta_with_a_long_name in beta_long_name_obj.o' && "
		 "ar tv libx.a | grep -v 'rw-r--r-- 0/0' | grep . ; "
		 "gcc -o prog main.c -L. -lx && test \"$(./prog)\" = 41",
		 t) == 0);
	CHECK(archive_normalize(lib, SDE, &changed, &e) == 0 && changed == 0);
	/* Made again later, with other times and owner: the same bytes. */
	CHECK(sh("cd %s && mv libx.a first.a && touch -d 2033-03-03 a.o && ar rcsU libx.a a.o beta_long_name_obj.o",
		 t) == 0);
	CHECK(archive_normalize(lib, SDE, &changed, &e) == 0 && changed == 1);
	CHECK(sh("cd %s && cmp -s first.a libx.a", t) == 0);
	free(d);
	fs_remove_tree(t, NULL);
	free(lib);
	free(t);
}

TEST(normalize_keeps_a_riscv_static_library_linkable)
{
	char *t = tmpdir(), *lib = fs_join(t, "libx.a");
	struct err e = ERR_INIT;
	int changed = -1;

	CHECK(make_lib(t, "riscv64-linux-gnu-") == 0);
	CHECK(archive_normalize(lib, SDE, &changed, &e) == 0 && changed == 1);
	CHECK(sh("cd %s && riscv64-linux-gnu-nm --print-armap libx.a | grep -q 'alpha in a.o' && "
		 "riscv64-linux-gnu-gcc -static -o prog main.c -L. -lx && "
		 "test \"$(qemu-riscv64 ./prog)\" = 41",
		 t) == 0);
	fs_remove_tree(t, NULL);
	free(lib);
	free(t);
}

TEST(normalize_refuses_escaping_members_and_device_nodes_and_leaves_the_file)
{
	char *t = tmpdir(), *a = fs_join(t, "a.tar"), *b = fs_join(t, "b.tar"),
	     *c = fs_join(t, "c.tar");
	char *before = NULL, *after = NULL;
	struct err e = ERR_INIT;
	int changed = -1;

	CHECK(py_tar(a, "add(\"ok\"); add(\"../x\")") == 0);
	CHECK(py_tar(b, "add(\"dev/null\", type=tarfile.CHRTYPE)") == 0);
	CHECK(py_tar(c, "add(\"ok\"); add(\"/etc/x\")") == 0);
	before = slurp(a, NULL);
	CHECK(archive_normalize(a, SDE, &changed, &e) < 0);
	CHECK_CONTAINS(e.msg, "a.tar: member \"../x\": path escapes the archive");
	after = slurp(a, NULL);
	CHECK(before && after && !strcmp(before, after));
	CHECK(archive_normalize(b, SDE, &changed, &e) < 0);
	CHECK_CONTAINS(e.msg, "b.tar: member \"dev/null\": device nodes, FIFOs and sockets");
	CHECK(archive_normalize(c, SDE, &changed, &e) < 0);
	CHECK_CONTAINS(e.msg, "c.tar: member \"/etc/x\": path escapes the archive");
	CHECK(sh("test \"$(ls -A %s | tr '\\n' ' ')\" = 'a.tar b.tar c.tar '", t) == 0);
	free(before);
	free(after);
	fs_remove_tree(t, NULL);
	free(a);
	free(b);
	free(c);
	free(t);
}

TEST(normalize_turns_hard_links_into_copies_in_tar_and_cpio)
{
	char *t = tmpdir(), *tar = fs_join(t, "h.tar"), *cp = fs_join(t, "h.cpio");
	struct err e = ERR_INIT;
	int changed = -1;

	CHECK(sh("cd %s && mkdir x && cd x && printf data > z && ln z a && ln z m && "
		 "tar -cf %s z a m && find . -type f | cpio --quiet -o -H newc > %s",
		 t, tar, cp) == 0);
	CHECK(archive_normalize(tar, SDE, &changed, &e) == 0 && changed == 1);
	CHECK(archive_normalize(cp, SDE, &changed, &e) == 0 && changed == 1);
	CHECK(sh("cd %s && mkdir t c && tar -C t -xf h.tar && (cd c && cpio --quiet -id < ../h.cpio) && "
		 "for f in t/a t/m t/z c/a c/m c/z; do test \"$(cat $f)\" = data || exit 1; done && "
		 "test \"$(stat -c %%h t/a)\" = 1 && test \"$(stat -c %%h c/z)\" = 1",
		 t) == 0);
	fs_remove_tree(t, NULL);
	free(tar);
	free(cp);
	free(t);
}

/* Extracting the hostile archive `body` must fail with `msg` and leave
 * the destination empty, with no staging directory left beside it. */
static int refused(const char *t, const char *body, const char *msg)
{
	char *a = fs_join(t, "bad.tar"), *d = fs_join(t, "dest");
	struct err e = ERR_INIT;
	int ok;

	fs_remove_tree(d, NULL);
	ok = mkdir(d, 0755) == 0 && py_tar(a, body) == 0 && archive_extract(a, d, &e) < 0 &&
	     strstr(e.msg, msg) &&
	     sh("test -z \"$(ls -A %s)\" && test \"$(ls -A %s | wc -l)\" = 2", d, t) == 0;
	if (!ok)
		fprintf(stderr, "  %s: got \"%s\"\n", msg, e.msg);
	free(a);
	free(d);
	return ok;
}

TEST(extract_refuses_members_and_links_that_escape_the_destination)
{
	char *t = tmpdir();

	CHECK(refused(t, "add(\"ok\"); add(\"../x\")",
		      "bad.tar: member \"../x\": path escapes the destination"));
	CHECK(refused(t, "add(\"a/../../x\")",
		      "member \"a/../../x\": path escapes the destination"));
	CHECK(refused(t, "add(\"/tmp/lockstep-escape-probe\")",
		      "member \"/tmp/lockstep-escape-probe\": path escapes the destination"));
	CHECK(refused(t, "add(\"l\", type=tarfile.SYMTYPE, link=\"../../etc\")",
		      "member \"l\": symlink to \"../../etc\": path escapes the destination"));
	CHECK(refused(t, "add(\"l\", type=tarfile.SYMTYPE, link=\"/etc/passwd\")",
		      "member \"l\": symlink to \"/etc/passwd\": path escapes the destination"));
	/* Each link alone stays inside; followed through the other, it leaves. */
	CHECK(refused(
		t,
		"add(\"d/sub\", type=tarfile.DIRTYPE); add(\"d/up\", type=tarfile.SYMTYPE, link=\".\");"
		"add(\"d/s\", type=tarfile.SYMTYPE, link=\"up/../..\")",
		"member \"d/s\": symlink to \"up/../..\": path escapes the destination"));
	CHECK(refused(t, "add(\"l\", type=tarfile.SYMTYPE, link=\"sub\"); add(\"l/x\")",
		      "member \"l/x\": path goes through a symlink"));
	CHECK(refused(
		t, "add(\"h\", type=tarfile.LNKTYPE, link=\"../etc/passwd\")",
		"member \"h\": hard link to \"../etc/passwd\": path escapes the destination"));
	CHECK(refused(
		t, "add(\"h\", type=tarfile.LNKTYPE, link=\"etc/passwd\")",
		"member \"h\": hard link to \"etc/passwd\", not an earlier file of the archive"));
	CHECK(refused(t, "add(\"null\", type=tarfile.CHRTYPE)",
		      "member \"null\": device nodes, FIFOs and sockets are not extracted"));
	CHECK(refused(t, "add(\"p\", type=tarfile.FIFOTYPE)",
		      "member \"p\": device nodes, FIFOs and sockets are not extracted"));
	CHECK(refused(
		t,
		"add(\"a/\", type=tarfile.DIRTYPE); add(\"l1\", type=tarfile.SYMTYPE, link=\"l2\");"
		"add(\"l2\", type=tarfile.SYMTYPE, link=\"l1/x\")",
		"path escapes the destination"));
	CHECK(sh("test ! -e %s/x && test ! -e /tmp/lockstep-escape-probe", t) == 0);
	fs_remove_tree(t, NULL);
	free(t);
}

TEST(extract_recreates_a_written_tree_without_setuid_bits)
{
	char *t = tmpdir(), *x = fs_join(t, "x"), *a = fs_join(t, "a.tgz"), *d = fs_join(t, "d");
	char *s = fs_join(t, "s.tar"), *sd = fs_join(t, "sd");
	struct err e = ERR_INIT;

	CHECK(mkdir(x, 0755) == 0 && make_tree(x, 0, "2030-01-01") == 0);
	CHECK(mkdir(d, 0755) == 0 && mkdir(sd, 0755) == 0);
	CHECK(archive_write_tree(x, "pkg", a, "gzip", SDE, &e) == 0);
	CHECK(archive_extract(a, d, &e) == 0);
	CHECK(sh("cd %s/pkg && diff -r %s . && test -x run.sh && test ! -x a && "
		 "test \"$(readlink link)\" = sub/deep/c && test \"$(stat -c %%Y a)\" = %lld && "
		 "test \"$(stat -c %%a %s)\" = 755",
		 d, x, SDE, d) == 0);
	CHECK(py_tar(s,
		     "add(\"suid\", mode=0o4755); add(\"sgid/\", type=tarfile.DIRTYPE, mode=0o2775);"
		     "add(\"h\", type=tarfile.LNKTYPE, link=\"suid\")") == 0);
	CHECK(archive_extract(s, sd, &e) == 0);
	CHECK(sh("cd %s && test \"$(stat -c %%a suid)\" = 755 && test \"$(stat -c %%a sgid)\" = 775 && "
		 "test \"$(stat -c %%i suid)\" = \"$(stat -c %%i h)\"",
		 sd) == 0);
	fs_remove_tree(t, NULL);
	free(x);
	free(a);
	free(d);
	free(s);
	free(sd);
	free(t);
}

TEST(extract_refuses_a_truncated_or_corrupt_archive_and_writes_nothing)
{
	char *t = tmpdir(), *x = fs_join(t, "x"), *a = fs_join(t, "a.tgz"), *d = fs_join(t, "d");
	char *c = fs_join(t, "c.tar"), *g = fs_join(t, "g.bin"), *big = fs_join(t, "big.tar");
	struct err e = ERR_INIT;

	CHECK(mkdir(x, 0755) == 0 && make_tree(x, 0, "2030-01-01") == 0 && mkdir(d, 0755) == 0);
	CHECK(sh("head -c 4000 /dev/urandom > %s/x/noise", t) == 0);
	CHECK(archive_write_tree(x, NULL, a, "gzip", SDE, &e) == 0);
	CHECK(sh("cd %s && head -c $(( $(stat -c %%s a.tgz) / 2 )) a.tgz > cut && mv cut a.tgz",
		 t) == 0);
	CHECK(archive_extract(a, d, &e) < 0);
	CHECK_CONTAINS(e.msg, "a.tgz: ");
	CHECK_CONTAINS(e.msg, "truncated");
	/* A tar whose second header is garbage. */
	CHECK(archive_write_tree(x, NULL, c, "none", SDE, &e) == 0);
	CHECK(sh("cd %s && dd if=/dev/urandom of=c.tar bs=512 seek=2 count=1 conv=notrunc 2>/dev/null",
		 t) == 0);
	CHECK(archive_extract(c, d, &e) < 0);
	CHECK_CONTAINS(e.msg, "c.tar: corrupt or truncated archive: ");
	CHECK(sh("head -c 3000 /dev/urandom > %s", g) == 0);
	CHECK(archive_extract(g, d, &e) < 0);
	CHECK_CONTAINS(e.msg, "g.bin: not a readable archive");
	/* A header declaring more content than the cap is refused before reading. */
	CHECK(sh("python3 -c 'import tarfile,sys\n"
		 "i=tarfile.TarInfo(\"huge\"); i.size=5<<30\n"
		 "open(sys.argv[1],\"wb\").write(i.tobuf(tarfile.GNU_FORMAT)+bytes(1024))' %s",
		 big) == 0);
	CHECK(archive_extract(big, d, &e) < 0);
	CHECK_CONTAINS(e.msg,
		       "big.tar: member \"huge\": content beyond the cap of 4294967296 bytes");
	CHECK(sh("test -z \"$(ls -A %s)\" && test \"$(ls -A %s | tr '\\n' ' ')\" = 'a.tgz big.tar c.tar d g.bin x '",
		 d, t) == 0);
	fs_remove_tree(t, NULL);
	free(x);
	free(a);
	free(d);
	free(c);
	free(g);
	free(big);
	free(t);
}

static int collect(const char *name, int64_t size, unsigned mode, char type, void *arg)
{
	buf_addf(arg, "%s %lld %o %c\n", name, (long long)size, mode, type);
	return 0;
}

static int stop_at_b(const char *name, int64_t size, unsigned mode, char type, void *arg)
{
	return !strcmp(name, "B") ? 7 : 0;
}

TEST(list_read_member_and_detect_answer_from_the_archive)
{
	char *t = tmpdir(), *x = fs_join(t, "x"), *a = fs_join(t, "a.tar.xz"), *g = fs_join(t, "g");
	char *out = NULL, *l;
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	size_t len = 0;

	CHECK(mkdir(x, 0755) == 0 && make_tree(x, 0, "2030-01-01") == 0);
	CHECK(archive_write_tree(x, NULL, a, "xz", SDE, &e) == 0);
	CHECK(archive_list(a, collect, &b, &e) == 0);
	l = buf_take(&b, NULL);
	CHECK_STR(l, "B 3 644 f\na 3 644 f\na-b 1 644 f\nempty/ 0 755 d\nlink 0 777 l\n"
		     "run.sh 10 755 f\nsub/ 0 755 d\nsub/deep/ 0 755 d\nsub/deep/c 1 644 f\n");
	CHECK(archive_list(a, stop_at_b, NULL, &e) == 7);
	CHECK(archive_read_member(a, "run.sh", 100, &out, &len, &e) == 0);
	CHECK(out && len == 10 && !strcmp(out, "#!/bin/sh\n"));
	free(out);
	out = NULL;
	CHECK(archive_read_member(a, "run.sh", 9, &out, &len, &e) < 0);
	CHECK_CONTAINS(e.msg, "member \"run.sh\": larger than 9 bytes");
	CHECK(archive_read_member(a, "nope", 9, &out, &len, &e) < 0);
	CHECK_CONTAINS(e.msg, "member \"nope\": not found");
	CHECK(archive_read_member(a, "link", 9, &out, &len, &e) < 0);
	CHECK_CONTAINS(e.msg, "member \"link\": not a regular file");
	CHECK_STR(archive_detect(a), "tar");
	/* A compressed single file, an ELF, zeros and text are not archives. */
	CHECK(sh("cd %s && cp /bin/true elf && gzip -c elf > elf.gz && head -c 10240 /dev/zero > zeros && "
		 "echo hello > text",
		 t) == 0);
	static const char *const no[] = { "elf", "elf.gz", "zeros", "text", "missing" };
	for (size_t i = 0; i < 5; i++) {
		char *p = fs_join(t, no[i]);
		CHECK(archive_detect(p) == NULL);
		free(p);
	}
	free(l);
	fs_remove_tree(t, NULL);
	free(x);
	free(a);
	free(g);
	free(t);
}

TEST_MAIN(T(write_tree_is_byte_identical_for_two_differently_created_copies),
	  T(write_tree_stores_root_owner_normalized_modes_and_clamped_mtimes),
	  T(gzip_output_has_no_timestamp_and_no_name),
	  T(write_tree_refuses_a_fifo_and_leaves_nothing_behind),
	  T(write_files_adds_parent_directories_and_refuses_duplicates_and_escapes),
	  T(normalize_fixes_a_gnu_tar_with_random_mtimes_owners_and_order),
	  T(normalize_turns_an_odc_cpio_into_a_sorted_newc_cpio_that_cpio_reads),
	  T(normalize_gives_a_zip_the_same_bytes_whatever_its_times_and_the_time_zone),
	  T(normalize_keeps_a_static_library_linkable_with_its_symbol_index),
	  T(normalize_keeps_a_riscv_static_library_linkable),
	  T(normalize_refuses_escaping_members_and_device_nodes_and_leaves_the_file),
	  T(normalize_turns_hard_links_into_copies_in_tar_and_cpio),
	  T(extract_refuses_members_and_links_that_escape_the_destination),
	  T(extract_recreates_a_written_tree_without_setuid_bits),
	  T(extract_refuses_a_truncated_or_corrupt_archive_and_writes_nothing),
	  T(list_read_member_and_detect_answer_from_the_archive))
