/* SPDX-License-Identifier: MIT */
/* The release's software bill of materials: a CycloneDX 1.6 BOM listing the
 * artifacts, the source archive and every package of the build environment,
 * generated from the signed provenance and the environment pin it names
 * (docs/verification.md says why CycloneDX and not SPDX). */
#ifndef VERIFIER_SBOM_H
#define VERIFIER_SBOM_H

#include <stddef.h>
#include "core/err.h"

/* The in-toto predicate type of a CycloneDX BOM (the in-toto attestation
 * predicate registry's). */
#define SBOM_PREDICATE_TYPE "https://cyclonedx.org/bom"
#define SBOM_SPEC_VERSION "1.6"

struct provenance_record;

/* Generates the BOM from the parsed provenance statement (prov_sha256: the
 * sha256 of its bytes) and the environment pin file at pin_path (its
 * digest already checked against the provenance).
 * A function of those two inputs only: audit regenerates it and compares.
 * *bom gets the BOM as a file (pretty JSON), *statement the in-toto
 * Statement whose subjects are the provenance's and whose predicate is the
 * BOM (the bytes to sign); both owned by the caller.  0, or -1 with e set. */
int sbom_generate(const struct provenance_record *rec, const char *prov_sha256,
		  const char *pin_path, char **bom, char **statement, struct err *e);

#endif
