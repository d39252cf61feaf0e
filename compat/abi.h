/* SPDX-License-Identifier: MIT */
/* ABI comparison of two builds of a driver library (a shared object or a
 * static archive of ELF objects): which exported symbols, symbol versions
 * and SONAME changed, and the version bump that change requires. */
#ifndef COMPAT_ABI_H
#define COMPAT_ABI_H

#include <stddef.h>
#include "core/err.h"
#include "versioning/version.h"

/* One difference between the old and the new library. */
struct abi_change {
	char *what;             /* owned: "removed", "added", "changed", "soname",
			  "version-removed", "version-added", "machine" */
	char *subject;          /* owned: symbol (name@VERSION when versioned), version
			  node, SONAME */
	char *detail;           /* owned: "FUNC GLOBAL size 24", "size 16 -> 32", ... */
	enum version_bump bump; /* what this change alone requires */
};

struct abi_report {
	struct abi_change *changes; /* owned, sorted: biggest bump first */
	size_t n;
	size_t old_symbols, new_symbols; /* exported symbols counted */
	char *old_soname, *new_soname;   /* owned, NULL when none (archives) */
	enum version_bump required;      /* PATCH when nothing changed */
};
#define ABI_REPORT_INIT \
	{ \
		NULL, 0, 0, 0, NULL, NULL, BUMP_PATCH \
	}

/* Compares the exported ABI of old_path and new_path (each an ELF shared
 * object, an ELF relocatable object or an ar archive of them).  Exported
 * means defined, global/weak/unique, default or protected visibility.
 * Fills out (release with abi_report_release); -1 with e naming the file
 * when one is not such a library. */
int abi_diff(const char *old_path, const char *new_path, struct abi_report *out, struct err *e);
void abi_report_release(struct abi_report *r);

#endif
