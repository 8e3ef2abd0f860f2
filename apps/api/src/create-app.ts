import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { CacheStore, openCache } from '@avn/cache';
import { createValidationPipe, RequestContext, RequestContextData } from '@avn/common';
import { AppConfig } from '@avn/config';
import { DatabaseHandle, openDatabase } from '@avn/database';
import { MetricsService } from '@avn/observability';
import { UserDirectoryGrpcServer, addUserDetailsOpenApi, USER_DETAILS_OPENAPI_MODELS } from '@avn/user-details';
import { AppModule } from './app.module';
import { BootstrapAdminService, BootstrapResult } from './bootstrap/bootstrap-admin.service';
import { installEdgeHooks, requestIdOf } from './http/edge-hooks';
import { HotRouteLane } from './http/hot-route-lane';
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

/**
 * Builds the API application (used by main.ts and by the e2e tests): opens and migrates the
 * database, opens the cache, wires Nest on Fastify with the global pipe, filter, guard, security
 * headers, OpenAPI and metrics, then runs the bootstrap-admin step. Does not listen.
 */
export async function createApiApp(config: AppConfig, options: { logger?: boolean } = {}): Promise<ApiApp> {
  const metrics = new MetricsService();
  const quiet = options.logger === false;
  const database = await openDatabase(config, (m) => !quiet && startupLogger.log(m));
  let cache: CacheStore | undefined;
  try {
    cache = await openCache(config, metrics.recordCacheRead, (level, m) =>
      quiet ? undefined : level === 'warn' ? startupLogger.warn(m) : startupLogger.log(m),
    );
    metrics.setPoolStatsSource(database.poolStats);

    const securityHeaders = computeSecurityHeaders();
    // Hot routes (GetUserDetails) are served on the same port by a lean Fastify instance (see HotRouteLane).
    const lane = new HotRouteLane({ trustProxy: config.TRUST_PROXY, securityHeaders, metrics });
    const adapter = new FastifyAdapter({
      serverFactory: lane.serverFactory,
      bodyLimit: config.BODY_LIMIT_BYTES,
      trustProxy: config.TRUST_PROXY,
      genReqId: requestIdOf,
      logger: false,
      return503OnClosing: true,
      // Slow-client protection: a request must arrive in full within 30 s.
      requestTimeout: 30_000,
    });
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({ config, database, cache, metrics, hotRoutes: lane }),
      adapter,
      { bufferLogs: true, logger: options.logger === false ? false : undefined, abortOnError: false },
    );
    if (options.logger !== false) app.useLogger(app.get(Logger));
    app.useGlobalPipes(createValidationPipe());
    app.enableShutdownHooks();

    const fastify = app.getHttpAdapter().getInstance();
    // Every body of the API is JSON (contract): anything else is 415, not a string to validate.
    fastify.removeContentTypeParser(['text/plain']);
    installEdgeHooks(fastify, securityHeaders, metrics);
    const contexts = new WeakMap<object, RequestContextData>();
    fastify.addHook('onRequest', (request, _reply, done) => {
      // The rest of the request (guard, handler, services, audit writes) runs in this context.
      const ua = request.headers['user-agent'];
      const context: RequestContextData = { requestId: request.id, ip: request.ip, userAgent: Array.isArray(ua) ? ua[0] : ua };
      contexts.set(request, context);
      RequestContext.run(context, done);
    });
    // Body parsing continues from stream events (outside that context): enter it again afterwards.
    fastify.addHook('preValidation', (request, _reply, done) => {
      const context = contexts.get(request);
      if (context) RequestContext.run(context, done);
      else done();
    });

    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Aventian control plane')
        .setDescription('Teams, users, RBAC, products, subscriptions, GetUserDetails and audit. See shared/contract/api-v1.md.')
        .setVersion('1')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'User access token (JWT) or product key (avn_pk_...)' })
        .build(),
      { extraModels: USER_DETAILS_OPENAPI_MODELS },
    );
    addUserDetailsOpenApi(document);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

    // gRPC on its own port, in the same process: opened with the HTTP listener, closed with the app.
    const grpc = app.get(UserDirectoryGrpcServer);
    fastify.addHook('onListen', async () => {
      await grpc.start(config.GRPC_PORT, config.HOST);
    });
    fastify.addHook('onClose', async () => {
      await Promise.all([grpc.stop(), lane.close()]);
    });

    await app.init(); // hot routes register themselves here
    await fastify.ready();
    await lane.start();
    const bootstrap = await app.get(BootstrapAdminService).run();
    return { app, config, database, cache, metrics, bootstrap, grpc };
  } catch (error) {
    await cache?.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw error;
  }
}
