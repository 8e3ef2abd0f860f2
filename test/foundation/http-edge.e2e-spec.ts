import { startTestApp, TestApp } from '@avn/testing';

describe('HTTP edge and operations endpoints (real PostgreSQL + Redis)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is live, and ready with database and redis', async () => {
    await t.http.get('/health/live').expect(200, { status: 'ok' });
    const res = await t.http.get('/health/ready').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'up', keyCheck: 'ok', cache: 'up', cacheKind: 'redis' });
  });

  it('answers unknown routes with the contract error shape and echoes a valid request id', async () => {
    const res = await t.http.get('/v1/nope').set('x-request-id', 'req-123').expect(404);
    expect(res.headers['x-request-id']).toBe('req-123');
    expect(res.body).toEqual({ statusCode: 404, error: 'NOT_FOUND', message: expect.any(String), requestId: 'req-123' });
  });

  it('replaces a request id that could inject into logs', async () => {
    const res = await t.http.get('/v1/nope').set('x-request-id', 'bad id\twith spaces').expect(404);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('sets security headers', async () => {
    const res = await t.http.get('/health/live');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain(`default-src 'self'`);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('runs runtime queries as the non-owner app role, so RLS applies', async () => {
    const [who] = await t.db.query<{ user: string }>('SELECT current_user AS user');
    expect(who.user).toBe('aventian_app');
    expect(await t.db.query('SELECT id FROM aventian.tbl_teams')).toEqual([]);
  });

  it('serves OpenAPI JSON and the Swagger UI', async () => {
    const json = await t.http.get('/docs-json').expect(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(json.body.paths['/health/ready']).toBeDefined();
    const ui = await t.http.get('/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('exposes Prometheus metrics: HTTP latency by route, DB pool and cache reads', async () => {
    await t.http.get('/health/ready').expect(200);
    await t.cache.get('metrics-probe-miss');
    const res = await t.http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toMatch(/avn_http_request_duration_seconds_bucket\{[^}]*route="\/health\/ready"/);
    expect(res.text).toMatch(/avn_db_pool_connections \d+/);
    expect(res.text).toMatch(/avn_cache_reads_total\{result="miss"\} [1-9]/);
    expect(res.text).toContain('avn_process_resident_memory_bytes');
  });

  it('returns 400 VALIDATION_FAILED for malformed JSON, and never a stack', async () => {
    const res = await t.http.post('/v1/auth/login').set('content-type', 'application/json').send('{"email":');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'VALIDATION_FAILED', message: expect.any(String), requestId: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('refuses bodies over BODY_LIMIT_BYTES with 413 in the error shape', async () => {
    const big = JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(t.config.BODY_LIMIT_BYTES + 10) });
    const res = await t.http.post('/v1/auth/login').set('content-type', 'application/json').send(big);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413, error: 'PAYLOAD_TOO_LARGE', requestId: expect.any(String) });
  });

  it('carries the request id, client IP and principal into audit events written during the request', async () => {
    const signup = await t.http
      .post('/v1/auth/signup')
      .set('x-request-id', 'req-signup-1')
      .send({ email: 'ctx@example.com', password: 'a-very-long-passphrase-9', displayName: 'Ctx', teamName: 'Ctx team' })
      .expect(201);
    await t.http
      .patch(`/v1/teams/${signup.body.team.id}`)
      .set('authorization', `Bearer ${signup.body.accessToken}`)
      .set('x-request-id', 'req-rename-1')
      .send({ name: 'Renamed' })
      .expect(200);
    const events = await t.db.asPlatform(() =>
      t.db.query<{ action: string; request_id: string; ip: string; actor_id: string | null }>(
        `SELECT action, request_id, ip, actor_id FROM aventian_audit.audit_events WHERE request_id IN ('req-signup-1', 'req-rename-1') ORDER BY seq`,
      ),
    );
    expect(events.find((e) => e.request_id === 'req-signup-1')).toMatchObject({ ip: '127.0.0.1' });
    expect(events.find((e) => e.request_id === 'req-rename-1')).toMatchObject({ ip: '127.0.0.1', actor_id: signup.body.user.id });
  });

  it('refuses non-JSON bodies with 415', async () => {
    const res = await t.http.post('/v1/auth/login').set('content-type', 'text/plain').send('hello');
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ statusCode: 415, requestId: expect.any(String) });
  });
});
