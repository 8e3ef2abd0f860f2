// Regenerates docs/schema.snapshot.txt: migrates a scratch database on the test server
// (TEST_PG_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres) and writes its catalog.
// `npm run schema:snapshot`; test/foundation/schema-snapshot.e2e-spec.ts fails until it is re-run
// after a migration changes the schema.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migratedScratchDatabase, schemaCatalog } from '../test/support/schema-catalog';

export const SNAPSHOT_PATH = join(__dirname, '..', 'docs', 'schema.snapshot.txt');

async function main(): Promise<void> {
  const { database, client } = await migratedScratchDatabase();
  try {
    writeFileSync(SNAPSHOT_PATH, await schemaCatalog(async (sql) => (await client.query(sql)).rows));
    process.stdout.write(`wrote ${SNAPSHOT_PATH}\n`);
  } finally {
    await client.end();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`schema:snapshot failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
