import { defineConfig } from 'prisma/config';

// Prisma 7 reads the connection from here, not from schema.prisma. The default matches the local
// stack so `prisma generate` (which needs no database) and `prisma migrate status` work as is.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.CORE_DATABASE_URL ?? 'postgresql://aetherial:aetherial@127.0.0.1:5432/aetherial',
  },
});
