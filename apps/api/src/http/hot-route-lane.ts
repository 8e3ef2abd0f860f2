import { Logger } from '@nestjs/common';
import Fastify, { FastifyInstance, FastifyServerOptions } from 'fastify';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { Errors, HotRouteHandler, HotRoutes, mapError } from '@avn/common';
import type { MetricsService } from '@avn/observability';
import { installEdgeHooks, requestIdOf } from './edge-hooks';

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HotRouteLaneOptions {
  trustProxy: FastifyServerOptions['trustProxy'];
  securityHeaders: Record<string, string>;
  metrics: MetricsService;
}

/**
 * The API's fast lane: one HTTP server (the port Nest listens on), two Fastify instances behind it.
 * Requests a hot route owns (a string test on method and URL) go to a lean Fastify instance with only
 * the edge hooks (security headers, request id, latency histogram); everything else goes to the Nest
 * application. Why: Nest's Fastify instance runs its middleware engine, four adapter hooks and a
 * version-constrained router on every request, which cost GetUserDetails more than all its own work.
 */
export class HotRouteLane extends HotRoutes {
  private readonly logger = new Logger('HotRouteLane');
  private readonly fastify: FastifyInstance;
  private readonly owners: Array<(url: string) => boolean> = [];
  private ready = false;

  constructor(options: HotRouteLaneOptions) {
    super();
    this.fastify = Fastify({ logger: false, trustProxy: options.trustProxy, genReqId: requestIdOf, return503OnClosing: true });
    installEdgeHooks(this.fastify, options.securityHeaders, options.metrics);
    // Only reachable for URLs a route owns but Fastify does not resolve (malformed encoding and the like).
    this.fastify.setNotFoundHandler((request, reply) => {
      const mapped = mapError(Errors.notFound('Route'), String(request.id));
      void reply.status(404).send(mapped.body);
    });
    this.fastify.setErrorHandler((error, request, reply) => {
      const mapped = mapError(error, String(request.id));
      if (mapped.unexpected) this.logger.error({ err: error, requestId: request.id }, 'unhandled error');
      for (const [name, value] of Object.entries(mapped.headers ?? {})) void reply.header(name, value);
      void reply.status(mapped.body.statusCode).send(mapped.body);
    });
  }

  get(path: string, ownsUrl: (url: string) => boolean, handler: HotRouteHandler): void {
    if (this.ready) throw new Error('hot routes must be registered before the lane is ready');
    this.fastify.get(path, handler);
    this.owners.push(ownsUrl);
  }

  /** Fastify `serverFactory` for the Nest adapter: the one server that dispatches between both. */
  readonly serverFactory = (nestHandler: RequestHandler, options: FastifyServerOptions): Server => {
    const server = createServer((req, res) => {
      if (this.ready && (req.method === 'GET' || req.method === 'HEAD') && this.owns(req.url!)) this.fastify.routing(req, res);
      else nestHandler(req, res);
    });
    // What Fastify applies to a server it creates itself.
    server.keepAliveTimeout = options.keepAliveTimeout ?? 72_000;
    server.requestTimeout = options.requestTimeout ?? 0;
    server.setTimeout(options.connectionTimeout ?? 0);
    return server;
  };

  /** Starts routing to the lane; call once every hot route is registered. */
  async start(): Promise<void> {
    await this.fastify.ready();
    this.ready = true;
  }

  async close(): Promise<void> {
    this.ready = false;
    await this.fastify.close();
  }

  private owns(url: string): boolean {
    for (const owns of this.owners) if (owns(url)) return true;
    return false;
  }
}
