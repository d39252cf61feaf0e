// SPDX-License-Identifier: MIT
// An independent check of a lockstep sigstore bundle: sigstore-js's own
// parser and verifier, offline, trusting one public key and nothing else.
// usage: node verify-bundle.js BUNDLE PUBKEY.pem [ARTIFACT]
// (ARTIFACT: the signed file of a messageSignature bundle)
// exit 0 verified, 1 rejected, 2 usage or unreadable input.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const { bundleFromJSON } = require('@sigstore/bundle');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

if (process.argv.length !== 4 && process.argv.length !== 5) {
	console.error('usage: node verify-bundle.js BUNDLE PUBKEY.pem [ARTIFACT]');
	process.exit(2);
}
let json, pem, artifact;
try {
	json = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
	pem = fs.readFileSync(process.argv[3], 'utf8');
	if (process.argv[4])
		artifact = fs.readFileSync(process.argv[4]);
} catch (err) {
	console.error(`verify-bundle: ${err.message}`);
	process.exit(2);
}

try {
	const der = crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' });
	// The hint sigstore looks the key up by: base64 of sha256 over the DER
	// SubjectPublicKeyInfo, computed here on our own, not read from the bundle.
	const hint = crypto.createHash('sha256').update(der).digest('base64');
	// No Fulcio, Rekor, CT logs or timestamp authorities: only the key.
	const emptyRoot = {
		mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
		tlogs: [],
		certificateAuthorities: [],
		ctlogs: [],
		timestampAuthorities: [],
	};
	const trust = toTrustMaterial(emptyRoot, { [hint]: { rawBytes: der } });
	const verifier = new Verifier(trust, {
		tlogThreshold: 0,
		ctlogThreshold: 0,
		timestampThreshold: 0,
	});
	const bundle = bundleFromJSON(json);
	verifier.verify(toSignedEntity(bundle, artifact));
	console.log(`verified: ${process.argv[2]} (key hint ${hint})`);
	process.exit(0);
} catch (err) {
	console.error(`rejected: ${process.argv[2]}: ${err.code || err.name}: ${err.message}`);
	process.exit(1);
}
