/* SPDX-License-Identifier: MIT */
/* The compatibility matrix people read in release notes: boards and cores
 * down, driver x firmware across, each cell coloured by status. */
#ifndef COMPAT_MATRIX_H
#define COMPAT_MATRIX_H

#include "core/json.h"

/* Renders a validated manifest as "md" (GitHub-flavoured Markdown) or
 * "html" (one self-contained page).  Rows and columns keep the order in
 * which the manifest first names them.  Returns the text (caller frees),
 * or NULL for an unknown format. */
char *matrix_render(const cJSON *m, const char *format);

#endif
