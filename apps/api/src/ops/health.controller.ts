import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { CacheStore } from '@avn/cache';
import { Public } from '@avn/common';
import { DatabaseService } from '@avn/database';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, fallback: T): Promise<T> {
  return Promise.race([promise, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), CHECK_TIMEOUT_MS).unref())]);
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly db: DatabaseService,
    @Inject(CacheStore) private readonly cache: CacheStore,
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: database and cache reachable (503 names what is down)' })
  async ready(@Res() reply: FastifyReply): Promise<void> {
    try {
      reply.status(200).send(await this.checkDependencies());
    } catch (error) {
      // Terminus reports a down dependency as a 503 whose body names it (no internals in it).
      if (error instanceof ServiceUnavailableException) reply.status(503).send(error.getResponse());
      else throw error;
    }
  }

  private checkDependencies() {
    return this.health.check([
      async () => {
        const check = this.indicator.check('database');
        const ok = await withTimeout(
          this.db.query('SELECT 1').then(
            () => true,
            () => false,
          ),
          false,
        );
        return ok ? check.up() : check.down({ message: 'unreachable' });
      },
      async () => {
        const check = this.indicator.check('cache');
        const ok = await withTimeout(this.cache.ping(), false);
        return ok ? check.up({ kind: this.cache.kind }) : check.down({ kind: this.cache.kind, message: 'unreachable' });
      },
    ]);
  }
}
