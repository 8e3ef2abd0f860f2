import { startTestApp, TestApp } from '@avn/testing';

describe('foundation on real PostgreSQL + Redis', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is ready with database and redis', async () => {
    const res = await t.http.get('/health/ready').expect(200);
    expect(res.body.info.database.status).toBe('up');
    expect(res.body.info.cache).toEqual({ status: 'up', kind: 'redis' });
  });

  it('answers unknown routes with the contract error shape and a request id', async () => {
    const res = await t.http.get('/v1/nope').set('x-request-id', 'req-123').expect(404);
    expect(res.headers['x-request-id']).toBe('req-123');
    expect(res.body).toEqual({ statusCode: 404, error: 'NOT_FOUND', message: expect.any(String), requestId: 'req-123' });
  });

  it('runs runtime queries as the non-owner app role, so RLS applies', async () => {
    const [who] = await t.db.query<{ user: string }>('SELECT current_user AS user');
    expect(who.user).toBe('aventian_app');
  });
});
