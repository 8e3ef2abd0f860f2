import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { MetricsService } from '@avn/observability';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `x-request-id` when it is a sane token, else a new UUID. */
export function requestIdOf(req: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
}

/**
 * What every response of the API carries, whichever Fastify instance serves it: the security
 * headers (computed once), the request id, and its latency in the route histogram.
 */
export function installEdgeHooks(fastify: FastifyInstance, securityHeaders: Record<string, string>, metrics: MetricsService): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeaders);
    reply.header('x-request-id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttp(request.method, request.routeOptions?.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
