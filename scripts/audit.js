#!/usr/bin/env node
// Fails on high or critical advisories in production dependencies that security/audit-exceptions.json does not
// accept. Where the registry offers no audit endpoint (it answers 405 on some mirrors), it says so and passes,
// unless AUDIT_REQUIRED=1 (set where the endpoint is known to work, e.g. GitHub Actions).
'use strict';
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const exceptions = JSON.parse(readFileSync(path.join(root, 'security', 'audit-exceptions.json'), 'utf8')).exceptions;
const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8' });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = undefined;
}
if (report === undefined || report.vulnerabilities === undefined) {
  const why = report?.statusCode !== undefined ? `HTTP ${report.statusCode}` : (report?.error?.code ?? 'no report');
  process.stdout.write(`audit: the registry's audit endpoint is unavailable here (${why}); nothing was checked\n`);
  process.exit(process.env.AUDIT_REQUIRED === '1' ? 1 : 0);
}

const findings = [];
for (const [name, entry] of Object.entries(report.vulnerabilities)) {
  for (const via of entry.via) {
    if (typeof via !== 'object' || !['high', 'critical'].includes(via.severity)) continue;
    const id = /GHSA-[\w-]+/.exec(via.url ?? '')?.[0] ?? String(via.source);
    findings.push({ id, package: name, severity: via.severity, title: via.title });
  }
}
const accepted = (f) => exceptions.some((e) => e.id === f.id && e.package === f.package);
const unaccepted = findings.filter((f) => !accepted(f));
const stale = exceptions.filter((e) => !findings.some((f) => f.id === e.id && f.package === e.package));
for (const f of findings.filter(accepted))
  process.stdout.write(`audit: accepted ${f.id} in ${f.package} (see security/audit-exceptions.json)\n`);
for (const f of unaccepted) process.stdout.write(`audit: NEW ${f.severity} ${f.id} in ${f.package}: ${f.title}\n`);
for (const e of stale)
  process.stdout.write(`audit: exception ${e.id} (${e.package}) no longer matches any advisory: remove it\n`);
process.exit(unaccepted.length > 0 || stale.length > 0 ? 1 : 0);
