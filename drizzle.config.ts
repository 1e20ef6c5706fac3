import { defineConfig } from 'drizzle-kit';

// drizzle-kit reads the schema and writes SQL migrations into migrations/. `bbsync migrate`
// applies them; drizzle-kit never touches a database here. The schema is one file per domain
// (src/db/schema.ts re-exports them for the code).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/*.ts',
  out: './migrations',
});
