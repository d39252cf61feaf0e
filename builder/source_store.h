/* SPDX-License-Identifier: MIT */
/* Source archives stored once, by digest: <home>/sources/SHA256.tar.zst
 * (docs/recipe.md, "Source").  A build writes its source archive there and
 * hard-links it into its output directory as source.tar.zst (a copy only
 * when the two are on different file systems), so a 200 MB kernel tree is
 * on disk once however many builds, verifications and rebuilds use it;
 * verify and release find it there by the digest the provenance gives when
 * it is not beside the provenance. */
#ifndef BUILDER_SOURCE_STORE_H
#define BUILDER_SOURCE_STORE_H

#include "core/digest.h"
#include "core/err.h"

/* The compression of every source archive lockstep writes (libarchive's
 * zstd filter, level 3, multi-threaded: core/archive.h). */
#define SOURCE_COMPRESS "zstd"

/* 1 when name is one a source archive goes by: "source.tar.zst", or an
 * older build's "source.tar.gz" (a provenance's name is checked before it
 * names a file). */
int source_name_known(const char *name);

/* The stored archive's path for a digest and the name the archive goes by
 * in outputs ("source.tar.zst", or an older build's "source.tar.gz"):
 * <home>/sources/HEX.tar.zst (whether it exists or not).  Returns a new
 * string or NULL with e set when there is no home. */
char *source_store_path(const char *hex, const char *name, struct err *e);

/* Stores the archive at path, named name in outputs, under its sha256
 * (computed here, into hex) and returns the stored path in *stored (caller
 * frees).  With take set,
 * path is a file of ours (a fresh archive): it is renamed into the store,
 * or removed when the store already holds those bytes; otherwise path is
 * left alone and copied (a user's archive, verify --source).  An existing
 * stored file is used only when its bytes still have its digest. */
int source_store_put(const char *path, const char *name, int take, char hex[DIGEST_HEX_LEN + 1],
		     char **stored, struct err *e);

/* Makes dest name the stored archive: a hard link, else (another file
 * system, a store that refuses links) a copy.  dest must not exist. */
int source_store_link(const char *stored, const char *dest, struct err *e);

#endif
