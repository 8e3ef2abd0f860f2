import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp } from '@avn/testing';
import { freshIp, PASSWORD, signup } from '../identity/helpers';

/**
 * Two instances, two keys: the database keeps a check of its key-encryption key, so an instance
 * with another key refuses to start, naming its key, instead of reporting ready and failing every
 * login with a decryption error.
 */
describe('key check: instances must share the key-encryption key', () => {
  let a: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'avn-keys-'));

  beforeAll(async () => {
    a = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await a?.close();
  });

  it('an instance with its own key file refuses to start, naming the key file', async () => {
    const ownKey = join(dir, 'other.key');
    const error = await startTestApp({
      database: a.database,
      cachePrefix: a.config.CACHE_KEY_PREFIX,
      env: { LOCAL_KEY_FILE: ownKey },
    }).then(
      (t) => t.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('KeyMismatchError');
    expect((error as Error).message).toContain(`key file ${ownKey}`);
  });

  it('an instance with the same key starts, is ready and serves logins of users made on the other', async () => {
    const sharedKey = join(dir, 'shared.key');
    copyFileSync(a.config.LOCAL_KEY_FILE!, sharedKey);
    const b = await startTestApp({
      database: a.database,
      cachePrefix: a.config.CACHE_KEY_PREFIX,
      env: { LOCAL_KEY_FILE: sharedKey, TRUST_PROXY: 'true' },
    });
    try {
      const u = await signup(a, 'shared-key');
      expect((await b.http.get('/health/ready').expect(200)).body).toMatchObject({ status: 'ok', keyCheck: 'ok' });
      await b.http.post('/v1/auth/login').set('X-Forwarded-For', freshIp()).send({ email: u.email, password: PASSWORD }).expect(200);
    } finally {
      await b.close();
    }
  });

  it('a malformed key file is a clear start-up error, not a JSON SyntaxError', async () => {
    const broken = join(dir, 'broken.key');
    writeFileSync(broken, '{"id": "local", "versions": ');
    const error = (await startTestApp({ database: a.database, env: { LOCAL_KEY_FILE: broken } }).catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('KeyFileError');
    expect(error.message).toBe(
      `key file ${broken} is not a usable key file: not JSON (expected {"id", "current", "versions": {"1": "<base64 of 32 bytes>"}})`,
    );
  });

  it('the server process exits 1 with the reason on stderr', async () => {
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      PORT: '0',
      GRPC_PORT: '0',
      DATA_DIR: dir,
      DATABASE_URL: a.database!.url,
      REDIS_URL: a.config.REDIS_URL,
      CACHE_KEY_PREFIX: a.config.CACHE_KEY_PREFIX,
      LOCAL_KEY_FILE: join(dir, 'third.key'),
    };
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'],
      {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('aventian: failed to start: KeyMismatchError: key-encryption key mismatch');
    expect(stderr).toContain(`key file ${join(dir, 'third.key')}`);
  });
});
