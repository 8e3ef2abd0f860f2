import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CacheStore } from '@avn/cache';
import { DEPENDENCY_RETRY_AFTER_SECONDS, ErrorDetail, Public } from '@avn/common';
import { KeyMismatchError, SecretProvider } from '@avn/crypto';
import { DatabaseService } from '@avn/database';
import { ServerState } from './server-state';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, fallback: T): Promise<T> {
  return Promise.race([promise, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), CHECK_TIMEOUT_MS).unref())]);
}

export interface Readiness {
  database: 'up' | 'down';
  /** The key-encryption key matches the database's key check ('unknown': not checkable right now). */
  keyCheck: 'ok' | 'mismatch' | 'unknown';
  /** 'degraded': GetUserDetails and sessions fall back to PostgreSQL; the instance still serves. */
  cache: 'up' | 'degraded';
  cacheKind: 'redis' | 'memory';
  shuttingDown: boolean;
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: DatabaseService,
    @Inject(CacheStore) private readonly cache: CacheStore,
    private readonly secrets: SecretProvider,
    private readonly state: ServerState,
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process answers (depends on no dependency)' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({
    summary: 'Readiness: database reachable, key check passed, not shutting down (200 with cache "degraded" when only the cache is down)',
  })
  async ready(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const checks = await this.check();
    const problems: ErrorDetail[] = [];
    if (checks.database === 'down') problems.push({ dependency: 'database', message: 'database unreachable' });
    if (checks.keyCheck !== 'ok') problems.push({ check: 'keyCheck', message: `key check ${checks.keyCheck}` });
    if (checks.shuttingDown) problems.push({ message: 'shutting down' });
    if (problems.length === 0) {
      reply
        .status(200)
        .header('cache-control', 'no-store')
        .send({ status: 'ok', ...checks });
      return;
    }
    reply
      .status(503)
      .header('cache-control', 'no-store')
      .header('retry-after', String(DEPENDENCY_RETRY_AFTER_SECONDS))
      .send({
        statusCode: 503,
        error: 'NOT_READY',
        message: `Not ready: ${problems.map((p) => p.message).join(', ')}`,
        requestId: String(request.id),
        details: problems,
        status: 'unavailable',
        ...checks,
      });
  }

  private async check(): Promise<Readiness> {
    const [database, keyCheck, cache] = await Promise.all([
      withTimeout(
        this.db.query('SELECT 1').then(
          () => 'up' as const,
          () => 'down' as const,
        ),
        'down' as const,
      ),
      withTimeout(this.checkKey(), 'unknown' as const),
      withTimeout(this.cache.ping(), false).then((ok) => (ok ? ('up' as const) : ('degraded' as const))),
    ]);
    return { database, keyCheck, cache, cacheKind: this.cache.kind, shuttingDown: this.state.shuttingDown };
  }

  /** The current KEK, checked against the database (remembered once verified, so usually no I/O). */
  private async checkKey(): Promise<Readiness['keyCheck']> {
    try {
      await this.secrets.currentKek();
      return 'ok';
    } catch (error) {
      return error instanceof KeyMismatchError ? 'mismatch' : 'unknown';
    }
  }
}
