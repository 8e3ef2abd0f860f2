/**
 * Child process of bench/details.bench.ts, plain JavaScript on the BUILT server (`nest build api`
 * output in dist/, what production runs): no ts-node in the measured process (ts-node loads Node's
 * REPL, which loads `domain`, which slows down every EventEmitter). With BENCH_BARE=1 it is a bare
 * Fastify JSON endpoint instead (the ceiling). Prints one JSON line with its ports once listening.
 */
'use strict';
require('reflect-metadata');
const { join } = require('node:path');

async function main() {
  if (process.env.BENCH_BARE === '1') {
    const Fastify = require('fastify');
    const body = process.env.BENCH_BARE_BODY || '{}';
    const app = Fastify({ logger: false });
    // Same kind of answer: a JSON document of the same size, application/json.
    app.get('/v1/users/:userId/details', async (_req, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(body));
    await app.listen({ port: 0, host: '127.0.0.1' });
    process.stdout.write(`${JSON.stringify({ ready: true, port: app.server.address().port })}\n`);
    return;
  }
  const dist = join(__dirname, '..', 'dist');
  const { loadConfig } = require(join(dist, 'libs/config/src'));
  const { createApiApp } = require(join(dist, 'apps/api/src/create-app'));
  const api = await createApiApp(loadConfig(process.env), { logger: false });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const port = api.app.getHttpServer().address().port;
  process.stdout.write(`${JSON.stringify({ ready: true, port, grpcPort: await api.grpc.whenListening() })}\n`);
  process.on('SIGTERM', () => void api.app.close().finally(() => process.exit(0)));
}

main().catch((error) => {
  process.stderr.write(`bench server failed: ${error && error.stack ? error.stack : String(error)}\n`);
  process.exit(1);
});
