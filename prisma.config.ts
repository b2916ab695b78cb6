import { defineConfig } from "prisma/config";

// Used by the Prisma CLI only. Trainyard applies migrations itself
// (`npm run migrate`), keeping Prisma's bookkeeping so that `prisma migrate
// deploy`, on a machine that has the schema engine, agrees with it.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/trainyard" },
});
