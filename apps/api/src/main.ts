import 'reflect-metadata';
import { ConfigError, loadConfig } from '@avn/config';
import { resolveDatabaseUrlFromGcp } from '@avn/crypto';
import { MigrationError } from '@avn/database';
import { createApiApp } from './create-app';

async function main(): Promise<void> {
  let config;
  try {
    loadConfig(); // validate what we were given before asking Secret Manager for anything
    // The core database's own credentials may come from Secret Manager (GCP_DATABASE_URL_SECRET).
    config = loadConfig(await resolveDatabaseUrlFromGcp(process.env));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`aventian: refusing to start. ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const { app, bootstrap, grpc } = await createApiApp(config);
  await app.listen({ port: config.PORT, host: config.HOST });
  const grpcPort = await grpc.whenListening(); // started by the listen (see create-app.ts)

  const base = config.publicUrl;
  const lines = [
    '',
    `Aventian control plane listening on ${base}`,
    `  API docs:   ${base}/docs   (OpenAPI JSON: ${base}/docs-json)`,
    `  Readiness:  ${base}/health/ready`,
    `  gRPC:       ${config.HOST}:${grpcPort} (aventian.v1.UserDirectory)`,
    `  Database:   ${config.isEmbeddedDatabase ? `embedded PGlite (${config.DATA_DIR}/pgdata)` : 'PostgreSQL (DATABASE_URL)'}`,
    `  Cache:      ${config.isEmbeddedCache ? 'in-process (embedded)' : 'Redis (REDIS_URL)'}`,
  ];
  if (bootstrap.created) {
    lines.push(`  First platform admin created: ${bootstrap.created.email}`);
    // Printed once, on the console only (never through the logger), so it can be copied and changed.
    if (bootstrap.created.generatedPassword) lines.push(`  Password (shown once): ${bootstrap.created.generatedPassword}`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((error: unknown) => {
  const message =
    error instanceof MigrationError ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`aventian: failed to start: ${message}\n`);
  process.exit(1);
});
