// Development secrets: generated once into <dataDir>/secrets.json (mode 0600) so that a second
// `npm start` can still decrypt what the first one encrypted. Production sets them in the env.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const NAMES = ['ENCRYPTION_KEY', 'SIGNING_SECRET'] as const;

export function ensureDevSecrets(dataDir: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = path.join(dataDir, 'secrets.json');
  mkdirSync(dataDir, { recursive: true });
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  let changed = false;
  for (const name of NAMES) {
    if (!stored[name]) {
      stored[name] = randomBytes(32).toString('hex');
      changed = true;
    }
    env[name] ??= stored[name];
  }
  if (changed) writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
}

/** Fresh secrets for a throwaway stack (tests, load tests, benchmarks): nothing outlives the run. */
export function throwawaySecrets(): { ENCRYPTION_KEY: string; SIGNING_SECRET: string } {
  return { ENCRYPTION_KEY: randomBytes(32).toString('hex'), SIGNING_SECRET: randomBytes(32).toString('hex') };
}
