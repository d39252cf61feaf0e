/* SPDX-License-Identifier: MIT */
/* builder/elfinfo: identity, compiler ids, producers and build-id of ELF
 * files this test compiles itself with the RISC-V cross compiler; truncated,
 * corrupted and non-ELF files are errors naming the file, never crashes. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/elfinfo.h"
#include "core/alloc.h"
#include "core/fs.h"
#include "tests/unit/harness.h"

#define CROSS "riscv64-unknown-elf-gcc"
#define BUILD_ID "0123456789abcdef0123456789abcdef01234567"

/* One scratch directory with the files every test reads, built once. */
static char dir[] = "/tmp/lockstep-elfinfo-XXXXXX";
static int built = -1;

static char *path_in(const char *name)
{
	return fs_join(dir, name);
}

/* Runs a shell command line in the scratch directory. */
static int sh_in_dir(const char *cmdline)
{
	char *cmd = xasprintf("cd '%s' && %s", dir, cmdline);
	int rc = system(cmd);

	free(cmd);
	return rc;
}

static int write_file(const char *name, const char *text)
{
	char *p = path_in(name);
	struct err e = ERR_INIT;
	int rc = fs_write_atomic(p, text, strlen(text), 0644, &e);

	free(p);
	return rc;
}

/* Teardown, at exit: not a test of its own, so nothing to pass or fail. */
static void remove_samples(void)
{
	fs_remove_tree(dir, NULL);
}

/* fw.elf: two units with different flags plus one with the same flags as
 * the first (deduplicated); a fixed build-id so the test knows it. */
static int build_samples(void)
{
	if (built >= 0)
		return built;
	built = 0;
	if (!mkdtemp(dir))
		return 0;
	atexit(remove_samples);
	if (write_file("a.c", "int a(int x) { return x * 3; }\n") < 0 ||
	    write_file("b.c", "int b(int x) { return x + 7; }\n") < 0 ||
	    write_file("c.c", "int a(int); int b(int);\n"
			      "void _start(void) { for (;;) a(b(1)); }\n") < 0 ||
	    write_file("text.txt", "not an ELF file\n") < 0)
		return 0;
	if (sh_in_dir(CROSS
		      " -march=rv64imac -mabi=lp64 -mcmodel=medany -O2 -g "
		      "-grecord-gcc-switches -c a.c c.c && " CROSS " -march=rv64imac -mabi=lp64 "
		      "-mcmodel=medany -Os -g -grecord-gcc-switches -c b.c && " CROSS
		      " -nostdlib -nostartfiles -Wl,--build-id=0x" BUILD_ID
		      " -o fw.elf c.o a.o b.o && cp a.o a-copy.o && gcc -O1 -g -c -o host.o a.c") !=
	    0)
		return 0;
	built = 1;
	return 1;
}

/* The pin-style compiler id, derived from --version independently of
 * libelf: "riscv64-unknown-elf-gcc (X) V" -> "GCC: (X) V". */
static char *expected_id(void)
{
	char line[256] = "";
	FILE *f = popen(CROSS " --version", "r");
	char *sp;

	if (!f)
		return NULL;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	pclose(f);
	line[strcspn(line, "\n")] = '\0';
	sp = strchr(line, ' ');
	return sp ? xasprintf("GCC:%s", sp) : NULL;
}

static const char *str_at(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int has_flag(const cJSON *producer, const char *flag)
{
	const cJSON *it;

	cJSON_ArrayForEach(it,
			   cJSON_GetObjectItemCaseSensitive(producer,
							    "flags")) if (strcmp(it->valuestring,
										 flag) ==
									  0) return 1;
	return 0;
}

TEST(is_elf_tells_elf_from_text_and_missing_files)
{
	char *fw, *txt, *missing, *link;

	CHECK(build_samples());
	fw = path_in("fw.elf");
	txt = path_in("text.txt");
	missing = path_in("missing");
	link = path_in("fw-link");
	CHECK(symlink(fw, link) == 0);
	CHECK(elfinfo_is_elf(fw) == 1);
	CHECK(elfinfo_is_elf(txt) == 0);
	CHECK(elfinfo_is_elf(missing) == 0);
	CHECK(elfinfo_is_elf(link) == 0);
	free(fw);
	free(txt);
	free(missing);
	free(link);
}

TEST(riscv_executable_identity_comment_and_build_id)
{
	struct err e = ERR_INIT;
	cJSON *info = NULL;
	char *fw = path_in("fw.elf"), *id = expected_id();
	const cJSON *comment;

	CHECK(build_samples());
	CHECK(elfinfo_read(fw, &info, &e) == 0);
	CHECK_STR(str_at(info, "machine"), "RISC-V");
	CHECK_STR(str_at(info, "class"), "ELF64");
	CHECK_STR(str_at(info, "data"), "little");
	CHECK_STR(str_at(info, "type"), "EXEC");
	CHECK_STR(str_at(info, "build_id"), BUILD_ID);
	comment = cJSON_GetObjectItemCaseSensitive(info, "comment");
	/* Three objects, one compiler: one deduplicated entry. */
	CHECK(cJSON_GetArraySize(comment) == 1);
	CHECK(id != NULL);
	CHECK_STR(cJSON_GetArrayItem(comment, 0) ? cJSON_GetArrayItem(comment, 0)->valuestring
						 : NULL,
		  id);
	cJSON_Delete(info);
	free(fw);
	free(id);
}

TEST(producers_are_deduplicated_in_order_and_parsed)
{
	struct err e = ERR_INIT;
	cJSON *info = NULL;
	char *fw = path_in("fw.elf");
	const cJSON *prods, *p0, *p1;

	CHECK(build_samples());
	CHECK(elfinfo_read(fw, &info, &e) == 0);
	prods = cJSON_GetObjectItemCaseSensitive(info, "producers");
	/* c.o and a.o share flags (-O2), b.o differs (-Os): two producers, in
	 * link order. */
	CHECK(cJSON_GetArraySize(prods) == 2);
	p0 = cJSON_GetArrayItem(prods, 0);
	p1 = cJSON_GetArrayItem(prods, 1);
	CHECK_CONTAINS(str_at(p0, "compiler"), "GNU C");
	CHECK(str_at(p0, "compiler") && !strchr(str_at(p0, "compiler"), '-'));
	CHECK(has_flag(p0, "-O2") && !has_flag(p0, "-Os"));
	CHECK(has_flag(p0, "-march=rv64imac") && has_flag(p0, "-mabi=lp64"));
	CHECK(has_flag(p0, "-g"));
	CHECK(has_flag(p1, "-Os") && !has_flag(p1, "-O2"));
	CHECK_CONTAINS(str_at(p0, "producer"), str_at(p0, "compiler"));
	cJSON_Delete(info);
	free(fw);
}

TEST(relocatable_object_producer_is_read_after_relocation)
{
	struct err e = ERR_INIT;
	cJSON *info = NULL;
	char *obj = path_in("a.o");
	const cJSON *p0;

	CHECK(build_samples());
	CHECK(elfinfo_read(obj, &info, &e) == 0);
	CHECK_STR(str_at(info, "type"), "REL");
	CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(info, "build_id")));
	p0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(info, "producers"), 0);
	CHECK_CONTAINS(str_at(p0, "producer"), "GNU C");
	CHECK(has_flag(p0, "-O2"));
	cJSON_Delete(info);
	free(obj);
}

TEST(check_compiler_accepts_the_pin_and_names_a_foreign_compiler)
{
	struct err e = ERR_INIT;
	cJSON *info = NULL, *host = NULL;
	char *fw = path_in("fw.elf"), *hostobj = path_in("host.o"), *id = expected_id();

	CHECK(build_samples());
	CHECK(id != NULL);
	CHECK(elfinfo_read(fw, &info, &e) == 0);
	CHECK(elfinfo_check_compiler(info, id, fw, &e) == 0);
	CHECK(elfinfo_check_compiler(info, "GCC: (Acme 9.9-1) 9.9.0", fw, &e) < 0);
	CHECK(e.kind == ERR_NO);
	CHECK_CONTAINS(e.msg, fw);
	CHECK_CONTAINS(e.msg, id);
	/* The host's compiler is foreign to the RISC-V pin. */
	err_clear(&e);
	CHECK(elfinfo_read(hostobj, &host, &e) == 0);
	CHECK_STR(str_at(host, "machine"), "x86-64");
	CHECK(elfinfo_check_compiler(host, id, hostobj, &e) < 0);
	CHECK_CONTAINS(e.msg, hostobj);
	CHECK_CONTAINS(e.msg, "foreign compiler");
	cJSON_Delete(info);
	cJSON_Delete(host);
	free(fw);
	free(hostobj);
	free(id);
}

TEST(check_compilers_accepts_what_the_pin_ships_and_nothing_else)
{
	struct err e = ERR_INIT;
	cJSON *info = NULL;
	char *fw = path_in("fw.elf"), *id = expected_id();
	/* As if fw.elf's compiler were a library's, not the pinned one. */
	const char *shipped[] = { "GCC: (12.1.0-7+11) 12.1.0", id };
	const char *other[] = { "GCC: (12.1.0-7+11) 12.1.0" };

	CHECK(build_samples());
	CHECK(id != NULL);
	CHECK(elfinfo_read(fw, &info, &e) == 0);
	CHECK(elfinfo_check_compilers(info, "GCC: (Acme 9.9-1) 9.9.0", shipped, 2, fw, &e) == 0);
	CHECK(elfinfo_check_compilers(info, "GCC: (Acme 9.9-1) 9.9.0", other, 1, fw, &e) < 0);
	CHECK(e.kind == ERR_NO);
	CHECK_CONTAINS(e.msg, "Acme");
	cJSON_Delete(info);
	free(fw);
	free(id);
}

/* Writes the first n bytes of data to cut and reads it: 1 when that is an
 * error naming the file, as it must be. */
static int truncated_is_refused(const char *cut, const char *data, size_t n, size_t len)
{
	struct err e = ERR_INIT;
	cJSON *info = NULL;

	if (fs_write_atomic(cut, data, n, 0644, &e) < 0)
		return 0;
	if (elfinfo_read(cut, &info, &e) == 0) {
		fprintf(stderr, "  truncated to %zu of %zu bytes: read fine\n", n, len);
		cJSON_Delete(info);
		return 0;
	}
	if (!strstr(e.msg, cut)) {
		fprintf(stderr, "  truncated to %zu bytes: \"%s\" does not name the file\n", n,
			e.msg);
		return 0;
	}
	return 1;
}

TEST(every_truncation_is_an_error_naming_the_file)
{
	struct err e = ERR_INIT;
	char *fw = path_in("fw.elf"), *cut = path_in("cut.elf"), *data = NULL;
	size_t len = 0, step;
	int ok = 1;

	CHECK(build_samples());
	CHECK(fs_read_file(fw, 1 << 24, &data, &len, &e) == 0);
	/* About a hundred cut points spread over the file, and one byte short. */
	step = len / 97 ? len / 97 : 1;
	for (size_t n = 0; data && n < len; n += step)
		ok &= truncated_is_refused(cut, data, n, len);
	if (data && len)
		ok &= truncated_is_refused(cut, data, len - 1, len);
	CHECK(ok);
	free(data);
	free(fw);
	free(cut);
}

TEST(corrupted_section_offset_is_an_error)
{
	struct err e = ERR_INIT;
	char *obj = path_in("a-copy.o"), *data = NULL;
	size_t len = 0;
	cJSON *info = NULL;

	CHECK(build_samples());
	CHECK(fs_read_file(obj, 1 << 24, &data, &len, &e) == 0);
	/* e_shoff of an ELF64 file lives at byte 40: point it past the end. */
	if (data && len > 48) {
		memset(data + 40, 0x7f, 6);
		CHECK(fs_write_atomic(obj, data, len, 0644, &e) == 0);
	}
	CHECK(elfinfo_read(obj, &info, &e) < 0);
	CHECK(info == NULL);
	CHECK_CONTAINS(e.msg, obj);
	free(data);
	free(obj);
}

TEST(non_elf_file_is_an_error_naming_the_file)
{
	struct err e = ERR_INIT;
	char *txt = path_in("text.txt");
	cJSON *info = NULL;

	CHECK(build_samples());
	CHECK(elfinfo_read(txt, &info, &e) < 0);
	CHECK(info == NULL);
	CHECK_CONTAINS(e.msg, txt);
	CHECK_CONTAINS(e.msg, "not an ELF file");
	free(txt);
}

TEST(producer_string_splits_into_compiler_and_flags)
{
	cJSON *p = elfinfo_parse_producer("GNU C17 12.2.0 -mabi=lp64 -march=rv64imac -g -O2 "
					  "-include cfg.h -fno-common");
	cJSON *as = elfinfo_parse_producer("GNU AS 2.40");
	const cJSON *flags = cJSON_GetObjectItemCaseSensitive(p, "flags");

	CHECK_STR(str_at(p, "compiler"), "GNU C17 12.2.0");
	CHECK(cJSON_GetArraySize(flags) == 6);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(flags, 0)), "-mabi=lp64");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(flags, 4)), "-include cfg.h");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(flags, 5)), "-fno-common");
	CHECK_STR(str_at(as, "compiler"), "GNU AS 2.40");
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(as, "flags")) == 0);
	cJSON_Delete(p);
	cJSON_Delete(as);
}

TEST_MAIN(T(is_elf_tells_elf_from_text_and_missing_files),
	  T(riscv_executable_identity_comment_and_build_id),
	  T(producers_are_deduplicated_in_order_and_parsed),
	  T(relocatable_object_producer_is_read_after_relocation),
	  T(check_compiler_accepts_the_pin_and_names_a_foreign_compiler),
	  T(check_compilers_accepts_what_the_pin_ships_and_nothing_else),
	  T(every_truncation_is_an_error_naming_the_file), T(corrupted_section_offset_is_an_error),
	  T(non_elf_file_is_an_error_naming_the_file),
	  T(producer_string_splits_into_compiler_and_flags))
