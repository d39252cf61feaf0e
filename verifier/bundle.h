/* SPDX-License-Identifier: MIT */
/* The layout of a release bundle: its member names, shared by release
 * (which writes it) and audit (which checks it). */
#ifndef VERIFIER_BUNDLE_H
#define VERIFIER_BUNDLE_H

/* Member names inside a release bundle. */
#define BUNDLE_PROVENANCE "provenance.intoto.json"
#define BUNDLE_SUMMARY "verification.intoto.json"
#define BUNDLE_PUBKEY "pubkey.pem"
/* The source archive, under the name the provenance gives it: release
 * writes source.tar.zst; audit reads a bundle of an older release with its
 * source.tar.gz too. */
#define BUNDLE_SOURCE "source.tar.zst"
/* The environment pin the provenance names by digest. */
#define BUNDLE_PIN "environment.json"
#define BUNDLE_RELEASE_MD "RELEASE.md"
/* The SBOM (CycloneDX JSON) and the signed in-toto statement carrying it. */
#define BUNDLE_SBOM "sbom.cdx.json"
#define BUNDLE_SBOM_SIGNED "sbom.intoto.json"
/* Each signed statement again as a sigstore bundle v0.3 (the same
 * envelope, the key named by its hint), for sigstore tooling.  Bundles made
 * before these existed hold none of the three; audit accepts that. */
#define BUNDLE_PROVENANCE_SIGSTORE "provenance.sigstore.json"
#define BUNDLE_SUMMARY_SIGSTORE "verification.sigstore.json"
#define BUNDLE_SBOM_SIGSTORE "sbom.sigstore.json"
#define BUNDLE_ARTIFACTS "artifacts/"
#define RELEASE_MD_MAX (1u << 20) /* bytes audit reads of RELEASE.md */

#endif
