/* SPDX-License-Identifier: MIT */
/* ELF inspection of build outputs (libelf, libdw): which compilers made an
 * artifact (.comment), with which flags (DW_AT_producer, as recorded by
 * -grecord-gcc-switches), its build-id, and its ELF identity.  Used to put
 * the compiler evidence in provenance and to refuse artifacts a foreign
 * compiler produced.  Artifacts are only read, never executed or patched. */
#ifndef BUILDER_ELFINFO_H
#define BUILDER_ELFINFO_H

#include "core/err.h"
#include "core/json.h"

/* Largest file elfinfo_read reads. */
#define ELFINFO_MAX_FILE (1024u << 20)

/* 1 if the file at path is a regular file (not a symlink) starting with the
 * ELF magic, 0 otherwise (also when it cannot be read). */
int elfinfo_is_elf(const char *path);

/* Reads the ELF file at path and returns in *out (caller owns, cJSON_Delete)
 * an object:
 *   {"class": "ELF64", "data": "little", "machine": "RISC-V", "type": "EXEC",
 *    "comment": ["GCC: (...) 12.2.0", ...],   .comment strings, deduplicated,
 *                                             in order of appearance
 *    "producers": [{"producer": "GNU C17 12.2.0 -march=... -O2",
 *                   "compiler": "GNU C17 12.2.0",
 *                   "flags": ["-march=...", "-O2"]}, ...],
 *                                             one per distinct DW_AT_producer
 *                                             of the compile units, in order
 *    "build_id": "<hex>" or null}
 * A file that is not ELF, or is truncated or malformed (headers, a section
 * or the DWARF beyond the end of the file or unreadable), is an error naming
 * the file; nothing is returned then. */
int elfinfo_read(const char *path, cJSON **out, struct err *e);

/* Splits one DW_AT_producer string into {"producer", "compiler", "flags"}:
 * the compiler is the text before the first " -" option, the flags are the
 * options after it (an option's separate argument stays with it).  Caller
 * owns the result. */
cJSON *elfinfo_parse_producer(const char *producer);

/* Checks that every .comment string of info (from elfinfo_read) is exactly
 * expected_id, the pin's compiler identification such as
 * "GCC: (12.2.0-14+deb12u1+11+b2) 12.2.0".  Returns 0, or -1 with an
 * ERR_NO error naming path and quoting the foreign compiler.  A file with
 * no .comment at all passes: it holds no evidence either way. */
int elfinfo_check_compiler(const cJSON *info, const char *expected_id, const char *path,
			   struct err *e);
/* The same with more identities accepted: also any of also[0..nalso), the
 * identities of what the pin ships (toolchain_shipped_ids); the message
 * still names expected_id. */
int elfinfo_check_compilers(const cJSON *info, const char *expected_id, const char *const *also,
			    size_t nalso, const char *path, struct err *e);

#endif
