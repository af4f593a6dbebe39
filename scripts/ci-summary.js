// Prints one "tests: N passed, N failed" line from the jest JSON report and the pytest JUnit reports.
const fs = require('node:fs');

let passed = 0;
let failed = 0;
try {
  const jest = JSON.parse(fs.readFileSync('.reports/jest.json', 'utf8'));
  passed += jest.numPassedTests;
  failed += jest.numFailedTests;
} catch {
  failed += 1; // no report: the jest run did not complete
}
// One JUnit report per recipe (scripts/test-models.sh).
const reports = fs.existsSync('.reports') ? fs.readdirSync('.reports').filter((f) => /^pytest-.+\.xml$/.test(f)) : [];
if (reports.length === 0) failed += 1; // no report: the pytest runs did not complete
for (const report of reports) {
  const xml = fs.readFileSync(`.reports/${report}`, 'utf8');
  const suite = /<testsuite\s[^>]*>/.exec(xml)?.[0] ?? '';
  const attr = (name) => Number(new RegExp(`${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
  const bad = attr('failures') + attr('errors');
  passed += attr('tests') - bad - attr('skipped');
  failed += bad;
}
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
