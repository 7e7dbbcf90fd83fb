// Tests run against the real PostgreSQL and Redis that `npm test` starts (tools/src/dev/test.ts).
// Running vitest directly without them would only produce confusing connection errors.
export default function setup(): void {
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'ENCRYPTION_KEY', 'SIGNING_SECRET']) {
    if (!process.env[name]) {
      throw new Error(`${name} is not set: run the tests with \`npm test\` (from the repository root), which starts private PostgreSQL and Redis`);
    }
  }
}
