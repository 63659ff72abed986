// Run @pactflow/swagger-mock-validator on one spec and several pact files, in one process, and print
// one JSON line per pact file: {"pact", "seconds", "errors": [...], "warnings": [...], "crash"}.
// Used by benchmarks/bench_expect.py; no network (no analytics URL, local files only).
import { SwaggerMockValidatorFactory } from '@pactflow/swagger-mock-validator';

const [spec, ...pacts] = process.argv.slice(2);
const validator = SwaggerMockValidatorFactory.create();
const brief = (r) => ({
  code: r.code,
  interaction: r.mockDetails ? r.mockDetails.interactionDescription : null,
  location: r.mockDetails ? r.mockDetails.location : null,
  message: r.message,
});
for (const pact of pacts) {
  const start = process.hrtime.bigint();
  let out;
  try {
    const result = await validator.validate({ specPathOrUrl: spec, mockPathOrUrl: pact });
    out = { errors: result.errors.map(brief), warnings: result.warnings.map(brief) };
  } catch (e) {
    out = { errors: [], warnings: [], crash: String(e && e.message ? e.message : e).slice(0, 300) };
  }
  out.pact = pact;
  out.seconds = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(JSON.stringify(out) + '\n');
}
