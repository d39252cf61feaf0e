// SPDX-License-Identifier: MIT
// An independent check of a lockstep SBOM: the CycloneDX project's own
// JavaScript library validates it against the CycloneDX 1.6 JSON schema it
// ships (strict: no member the schema does not define), offline.
// usage: node validate-sbom.js BOM.json
// exit 0 valid, 1 invalid, 2 usage, unreadable input or validator missing.
'use strict';
const fs = require('fs');
const { Spec, Validation } = require('@cyclonedx/cyclonedx-library');

if (process.argv.length !== 3) {
	console.error('usage: node validate-sbom.js BOM.json');
	process.exit(2);
}
let text;
try {
	text = fs.readFileSync(process.argv[2], 'utf8');
} catch (err) {
	console.error(`validate-sbom: ${err.message}`);
	process.exit(2);
}
const version = JSON.parse(text).specVersion;
if (version !== '1.6') {
	console.error(`validate-sbom: specVersion ${JSON.stringify(version)}, expected "1.6"`);
	process.exit(1);
}
new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text).then(
	(errors) => {
		if (errors === null) {
			console.log('validate-sbom: valid CycloneDX 1.6');
			process.exit(0);
		}
		console.error(`validate-sbom: invalid: ${JSON.stringify(errors, null, 1)}`);
		process.exit(1);
	},
	(err) => {
		console.error(`validate-sbom: ${err.message}`);
		process.exit(2);
	});
