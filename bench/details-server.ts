/**
 * Child process of bench/details.bench.ts: the real API (env-configured), or with BENCH_BARE=1 a
 * bare Fastify JSON endpoint (the ceiling). Prints one JSON line with its ports once listening.
 */
import 'reflect-metadata';
import Fastify from 'fastify';
import { createHash } from 'node:crypto';
import { CacheKeys, CacheStore } from '@avn/cache';
import { ProductKeyVerifier, ProductPrincipal } from '@avn/common';
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
  if (process.env.BENCH_KEY_CACHE === '1') cacheProductKeys(api.app.get(ProductKeyVerifier, { strict: false }), api.cache);
  const port = (api.app.getHttpServer().address() as { port: number }).port;
  process.stdout.write(`${JSON.stringify({ ready: true, port, grpcPort: await api.grpc.whenListening() })}\n`);
  process.on('SIGTERM', () => void api.app.close().finally(() => process.exit(0)));
}

/**
 * PROJECTION ONLY (BENCH_KEY_CACHE=1): what the hot path costs once the product-key lookup is
 * cached too (today ProductKeyVerifier runs one SQL query per request, by the products module's
 * choice). A versioned entry per key hash, depending on the product's version (a key revoke bumps
 * it) and the global epoch, so revokes stay immediate. Not used by the server itself.
 */
function cacheProductKeys(verifier: ProductKeyVerifier, cache: CacheStore): void {
  const lookup = verifier.verify.bind(verifier);
  verifier.verify = async (key: string): Promise<ProductPrincipal | null> => {
    const entryKey = `bench:pk:${createHash('sha256').update(key).digest('base64url')}`;
    const read = await cache.readVersioned(entryKey, [CacheKeys.epoch()]);
    if (read.value !== null) return JSON.parse(read.value) as ProductPrincipal;
    const principal = await lookup(key);
    if (principal && read.versions) {
      const productVersion = CacheKeys.productVersion(principal.productId);
      void cache
        .writeVersioned(entryKey, [[CacheKeys.epoch(), read.versions.get(CacheKeys.epoch())!], [productVersion, read.versions.get(productVersion) ?? '?']], JSON.stringify(principal), 300)
        .catch(() => undefined);
    }
    return principal;
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
