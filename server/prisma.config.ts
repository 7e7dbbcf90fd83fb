// Prisma CLI configuration (generate, and `prisma migrate deploy` where Prisma's engine is
// available). The runtime does not read this file: server/src/db.ts passes the URL to the
// pg adapter, and server/src/migrate.ts applies the same migrations without the engine.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: '../prisma/schema.prisma',
  migrations: { path: '../prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/flowdeck' },
});
