import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

// The Prisma CLI insists on a schema engine binary before `generate`, which it
// would download. Generation itself runs on bundled wasm, so any file will do;
// the stub tells whoever runs `prisma migrate` which npm script to use instead.
// `??=` keeps a real engine, where one is installed, in charge.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(new URL('./scripts/schema-engine-stub.sh', import.meta.url));

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
