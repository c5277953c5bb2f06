// Schema and data entry points used by the stack (`loadctl up`) and by tests.
export { migrate, listMigrations, MIGRATIONS_DIR, type MigrationResult } from './migrate.ts';
export { seed, SeedSizes, type SeedInput, type SeedResult } from './seed.ts';
