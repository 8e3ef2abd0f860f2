import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { CacheStore, openCache } from '@avn/cache';
import { createValidationPipe } from '@avn/common';
import { AppConfig } from '@avn/config';
import { DatabaseHandle, openDatabase } from '@avn/database';
import { MetricsService } from '@avn/observability';
import { UserDirectoryGrpcServer } from '@avn/user-details';
import type { FastifyInstance } from 'fastify';
import { AppModule } from './app.module';
import { BootstrapAdminService, BootstrapResult } from './bootstrap/bootstrap-admin.service';
import { installEdgeHooks, requestIdOf } from './http/edge-hooks';
import { HotRouteLane } from './http/hot-route-lane';
import { serveOpenApi } from './http/openapi';
import { installRequestContext } from './http/request-context-hooks';
import { verifyEncryptionKey } from './keys/verify-encryption-key';
import { computeSecurityHeaders } from './security-headers';

export interface ApiApp {
  app: NestFastifyApplication;
  config: AppConfig;
  database: DatabaseHandle;
  cache: CacheStore;
  metrics: MetricsService;
  bootstrap: BootstrapResult;
  /** gRPC UserDirectory (GetUserDetails); started when the HTTP server listens, `port` once bound. */
  grpc: UserDirectoryGrpcServer;
}

const startupLogger = new NestLogger('Startup');

interface StartupOptions {
  /** false: no Nest logger and no startup lines (tests). */
  logger?: boolean;
}

/**
 * Builds the API application (used by main.ts and by the e2e tests). Does not listen. The steps,
 * in order: open (and migrate) the database and open the cache; create Nest on Fastify with the
 * hot-route lane; check the key-encryption key against the database; install the HTTP edge (content types, security headers, metrics, request
 * context); serve OpenAPI; attach gRPC to the HTTP server's life; initialise (hot routes register
 * here); run the bootstrap-admin step. A failure closes what was opened.
 */
export async function createApiApp(config: AppConfig, options: StartupOptions = {}): Promise<ApiApp> {
  const metrics = new MetricsService();
  const { database, cache } = await openResources(config, metrics, options);
  try {
    const securityHeaders = computeSecurityHeaders();
    // Hot routes (GetUserDetails) are served on the same port by a lean Fastify instance (see HotRouteLane).
    const lane = new HotRouteLane({ trustProxy: config.TRUST_PROXY, securityHeaders, metrics });
    const app = await createNestApp(config, { database, cache, metrics, lane }, options);
    await verifyEncryptionKey(app); // before any module uses a key
    const fastify = app.getHttpAdapter().getInstance();
    installHttpEdge(fastify, securityHeaders, metrics);
    serveOpenApi(app);
    const grpc = attachGrpc(app, config, lane);
    await initialise(app, lane);
    const bootstrap = await app.get(BootstrapAdminService).run();
    return { app, config, database, cache, metrics, bootstrap, grpc };
  } catch (error) {
    await cache.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw error;
  }
}

/** Opens (and migrates) the database, then the cache; a cache failure closes the database. */
async function openResources(
  config: AppConfig,
  metrics: MetricsService,
  options: StartupOptions,
): Promise<{ database: DatabaseHandle; cache: CacheStore }> {
  const quiet = options.logger === false;
  const database = await openDatabase(config, (m) => !quiet && startupLogger.log(m));
  try {
    const cache = await openCache(config, metrics.recordCacheRead, (level, m) =>
      quiet ? undefined : level === 'warn' ? startupLogger.warn(m) : startupLogger.log(m),
    );
    metrics.setPoolStatsSource(database.poolStats);
    return { database, cache };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}

/** Nest on Fastify (the lane's server factory), the pino logger, the global validation pipe. */
async function createNestApp(
  config: AppConfig,
  resources: { database: DatabaseHandle; cache: CacheStore; metrics: MetricsService; lane: HotRouteLane },
  options: StartupOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    serverFactory: resources.lane.serverFactory,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    genReqId: requestIdOf,
    logger: false,
    return503OnClosing: true,
    // Slow-client protection: a request must arrive in full within 30 s.
    requestTimeout: 30_000,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({
      config,
      database: resources.database,
      cache: resources.cache,
      metrics: resources.metrics,
      hotRoutes: resources.lane,
    }),
    adapter,
    { bufferLogs: true, logger: options.logger === false ? false : undefined, abortOnError: false },
  );
  if (options.logger !== false) app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  return app;
}

/** What every request passes through before Nest: JSON-only bodies, edge hooks, the request context. */
function installHttpEdge(fastify: FastifyInstance, securityHeaders: Record<string, string>, metrics: MetricsService): void {
  // Every body of the API is JSON (contract): anything else is 415, not a string to validate.
  fastify.removeContentTypeParser(['text/plain']);
  installEdgeHooks(fastify, securityHeaders, metrics);
  installRequestContext(fastify);
}

/** gRPC on its own port, in the same process: opened with the HTTP listener, closed with the app. */
function attachGrpc(app: NestFastifyApplication, config: AppConfig, lane: HotRouteLane): UserDirectoryGrpcServer {
  const grpc = app.get(UserDirectoryGrpcServer);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onListen', async () => {
    await grpc.start(config.GRPC_PORT, config.HOST);
  });
  fastify.addHook('onClose', async () => {
    await Promise.all([grpc.stop(), lane.close()]);
  });
  return grpc;
}

/** Nest init (hot routes register themselves here), Fastify ready, then the lane. */
async function initialise(app: NestFastifyApplication, lane: HotRouteLane): Promise<void> {
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  await lane.start();
}
