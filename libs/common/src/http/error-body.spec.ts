import { BadRequestException, ServiceUnavailableException } from '@nestjs/common';
import { Errors } from '../errors/domain-error';
import { CacheUnavailableError } from '@avn/cache';
import { mapError } from './error-body';

describe('mapError', () => {
  it('renders domain errors with their code, details and headers', () => {
    const mapped = mapError(Errors.tooManyRequests(12.2), 'r1');
    expect(mapped.body).toEqual({
      statusCode: 429,
      error: 'RATE_LIMITED',
      message: 'Too many requests',
      requestId: 'r1',
      details: undefined,
    });
    expect(mapped.headers).toEqual({ 'Retry-After': '13' });
    expect(mapped.unexpected).toBe(false);
  });

  it('turns unknown errors into a generic 500 that leaks nothing', () => {
    const mapped = mapError(new Error('relation "aventian.secret_table" does not exist at /app/x.ts:1'), 'r2');
    expect(mapped.body).toEqual({ statusCode: 500, error: 'INTERNAL_ERROR', message: 'Internal server error', requestId: 'r2' });
    expect(mapped.unexpected).toBe(true);
  });

  it('keeps Nest 4xx exceptions but hides 5xx ones', () => {
    expect(mapError(new BadRequestException('bad'), 'r').body).toMatchObject({
      statusCode: 400,
      error: 'VALIDATION_FAILED',
      message: 'bad',
    });
    expect(mapError(new ServiceUnavailableException('db down at host 10.0.0.1'), 'r').body.statusCode).toBe(500);
  });

  it('maps database-enforced domain rules (SQLSTATE AV422) to 422 with their code', () => {
    const error = Object.assign(new Error('x'), { driverError: { code: 'AV422', message: 'SEATS_EXHAUSTED: all 3 seats are taken' } });
    expect(mapError(error, 'r').body).toEqual({
      statusCode: 422,
      error: 'SEATS_EXHAUSTED',
      message: 'all 3 seats are taken',
      requestId: 'r',
    });
  });

  it('maps unique violations and serialization failures to 409 without SQL', () => {
    const unique = Object.assign(new Error('duplicate key value violates unique constraint "uq_x"'), { code: '23505' });
    expect(mapError(unique, 'r').body).toEqual({ statusCode: 409, error: 'CONFLICT', message: 'Already exists', requestId: 'r' });
    expect(mapError(Object.assign(new Error('x'), { code: '40001' }), 'r').body.statusCode).toBe(409);
  });

  it('maps Fastify body errors to 4xx', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(mapError(tooLarge, 'r').body).toMatchObject({ statusCode: 413, error: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('mapError: unreachable dependencies', () => {
  const expectDependency503 = (error: unknown, dependency: string) => {
    const mapped = mapError(error, 'r');
    expect(mapped.body).toEqual({
      statusCode: 503,
      error: 'DEPENDENCY_UNAVAILABLE',
      message: `A dependency is unavailable: ${dependency}`,
      requestId: 'r',
      details: [{ dependency, message: `${dependency} unavailable` }],
    });
    expect(mapped.headers).toEqual({ 'Retry-After': '5' });
    expect(mapped.unexpected).toBe(false);
  };

  it('answers 503 naming the database for a refused or lost PostgreSQL connection, never its address', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });
    expectDependency503(refused, 'database');
    expectDependency503(new Error('Connection terminated unexpectedly'), 'database');
    expectDependency503(
      Object.assign(new Error('query failed'), { driverError: new Error('Connection terminated due to connection timeout') }),
      'database',
    );
    expectDependency503(Object.assign(new Error('x'), { code: '57P01' }), 'database'); // admin_shutdown
    expectDependency503(Object.assign(new Error('x'), { driverError: { code: '08006', message: 'connection failure' } }), 'database');
    expect(JSON.stringify(mapError(refused, 'r').body)).not.toContain('10.0.0.5');
  });

  it('answers 503 naming the cache for CacheUnavailableError', () => {
    expectDependency503(new CacheUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:6379')), 'cache');
  });

  it('keeps statement errors as they were (not outages)', () => {
    expect(mapError(Object.assign(new Error('syntax'), { code: '42601' }), 'r').body.statusCode).toBe(500);
    expect(mapError(Object.assign(new Error('dup'), { code: '23505' }), 'r').body.statusCode).toBe(409);
  });
});
