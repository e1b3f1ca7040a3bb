// mocha's spec reporter plus the plain closing line `<label>: N passed, N failed[, N skipped]`,
// which CI reads from any test runner (mocha's own "N passing" is not among those it knows).
// Use: mocha --reporter ./scripts/mocha-summary-reporter.cjs --reporter-option label=unit
const Mocha = require('mocha/lib/mocha.cjs');

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const label = (options && options.reporterOptions && options.reporterOptions.label) || 'tests';
    // Registered after Spec's own epilogue, so the line comes last.
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      const skipped = pending ? `, ${pending} skipped` : '';
      process.stdout.write(`\n${label}: ${passes} passed, ${failures} failed${skipped}\n`);
    });
  }
}

module.exports = SpecWithSummary;
