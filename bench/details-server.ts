/**
 * Child process of bench/details.bench.ts: the real API (env-configured), or with BENCH_BARE=1 a
 * bare Fastify JSON endpoint (the ceiling). Prints one JSON line with its ports once listening.
 */
import 'reflect-metadata';
import Fastify from 'fastify';
import { loadConfig } from '@avn/config';
import { createApiApp } from '../apps/api/src/create-app';

async function main(): Promise<void> {
  if (process.env.BENCH_BARE === '1') {
    const body = process.env.BENCH_BARE_BODY ?? '{}';
    const app = Fastify({ logger: false });
    // Same kind of answer: a JSON document of the same size, application/json.
    app.get('/v1/users/:userId/details', async (_req, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(body));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
    return;
  }
  const config = loadConfig(process.env as Record<string, string>);
  const api = await createApiApp(config, { logger: false });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (api.app.getHttpServer().address() as { port: number }).port;
  process.stdout.write(`${JSON.stringify({ ready: true, port, grpcPort: await api.grpc.whenListening() })}\n`);
  process.on('SIGTERM', () => void api.app.close().finally(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
