// `npm run prisma:generate`: regenerates every committed generated file. Prisma's schema engine
// cannot be downloaded here and generation does not need it, so any file stands in for it.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const serverDir = path.resolve(import.meta.dirname, '../../../server');
execFileSync(process.execPath, [path.join(serverDir, 'node_modules', 'prisma', 'build', 'index.js'), 'generate'], {
  cwd: serverDir,
  stdio: 'inherit',
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true', PATH: `${path.join(serverDir, 'node_modules', '.bin')}:${process.env.PATH}`, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
});
const { printedSchema, SCHEMA_PATH } = await import('../../../server/src/graphql/print-schema.ts');
writeFileSync(SCHEMA_PATH, printedSchema());
console.log(`wrote ${SCHEMA_PATH}`);
