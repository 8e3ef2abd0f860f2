import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { startTestApp, TestApp } from '@avn/testing';

/** A private redis-server for this test, so stopping it never disturbs other suites. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function startRedis(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => reject(new Error('redis did not start')), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('error', reject);
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not met in time');
}

describe('readiness through a Redis outage: the instance keeps serving (cache degraded), the process never dies', () => {
  let port: number;
  let redis: ChildProcess;
  let t: TestApp;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    t = await startTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await t?.close();
    if (redis) await stop(redis);
  });

  it('stays ready with cache "degraded" while Redis is down, and reports it up again by itself', async () => {
    expect((await t.http.get('/health/ready').expect(200)).body).toEqual({
      status: 'ok',
      database: 'up',
      keyCheck: 'ok',
      cache: 'up',
      cacheKind: 'redis',
      shuttingDown: false,
    });

    await stop(redis);
    await eventually(async () => (await t.http.get('/health/ready')).body.cache === 'degraded');
    const degraded = await t.http.get('/health/ready').expect(200);
    expect(degraded.body).toMatchObject({ status: 'ok', database: 'up', cache: 'degraded' });
    expect(JSON.stringify(degraded.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    await t.http.get('/health/live').expect(200);

    redis = await startRedis(port);
    await eventually(async () => (await t.http.get('/health/ready')).body.cache === 'up');
    expect((await t.http.get('/health/ready').expect(200)).body.cache).toBe('up');
  });
});
