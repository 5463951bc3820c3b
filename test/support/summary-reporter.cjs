// Prints the closing line CI reads, `tests: N passed, N failed`, as the very
// last line of the run (after jest's own summary, hence at process exit).
const { writeSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed\n`;
    process.once('exit', () => writeSync(1, line));
  }
}
module.exports = SummaryReporter;
