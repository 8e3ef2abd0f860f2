import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { loadConfig } from '@avn/config';
import { PasswordHasher } from '@avn/crypto';
import { DatabaseService } from '@avn/database';
import { startTestApp } from '@avn/testing';
import { createApiApp } from '../../apps/api/src/create-app';

/** The embedded default: PGlite on disk under DATA_DIR + in-process cache, no servers at all. */
describe('embedded default (PGlite + in-process cache)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'avn-embedded-'));
  const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, PORT: '0' };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts ready, creates admin@localhost once with a printed password, and keeps data across restarts', async () => {
    const first = await createApiApp(loadConfig(env), { logger: false });
    let password: string;
    try {
      await first.app.listen({ port: 0, host: '127.0.0.1' });
      const ready = await request(first.app.getHttpServer()).get('/health/ready').expect(200);
      expect(ready.body.cacheKind).toBe('memory');
      expect(first.database.kind).toBe('pglite');
      expect(first.bootstrap.created?.email).toBe('admin@localhost');
      password = first.bootstrap.created!.generatedPassword!;
      expect(password.length).toBeGreaterThanOrEqual(20);

      const db = first.app.get(DatabaseService);
      const [who] = await db.query<{ u: string }>('SELECT current_user AS u');
      expect(who.u).toBe('aventian_app');
      const [admin] = await db.asPlatform(() =>
        db.query<{ password_hash: string }>(`SELECT password_hash FROM aventian.tbl_users WHERE email_normalized = 'admin@localhost'`),
      );
      expect(admin.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      expect(await new PasswordHasher().verify(admin.password_hash, password)).toBe(true);
    } finally {
      await first.app.close();
    }

    expect(statSync(join(dataDir, 'pgdata')).isDirectory()).toBe(true);
    const second = await createApiApp(loadConfig(env), { logger: false });
    try {
      expect(second.bootstrap.created).toBeUndefined();
      const db = second.app.get(DatabaseService);
      const admins = await db.asPlatform(() => db.query(`SELECT 1 FROM aventian.tbl_platform_role_assignments`));
      expect(admins).toHaveLength(1);
    } finally {
      await second.app.close();
    }
  });

  it('isolates transactions on the single embedded connection (rollback really rolls back)', async () => {
    const api = await createApiApp(loadConfig({ ...env, DATA_DIR: 'memory://' }), { logger: false });
    try {
      const db = api.app.get(DatabaseService);
      await expect(
        db.asPlatform(async () => {
          await db.query(`INSERT INTO aventian.tbl_users (email, email_normalized, display_name) VALUES ('r@x.io', 'r@x.io', 'R')`);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await db.query(`SELECT 1 FROM aventian.tbl_users WHERE email_normalized = 'r@x.io'`)).toHaveLength(0);
    } finally {
      await api.app.close();
    }
  });
  it('runs named prepared statements on the single embedded connection, inside and outside transactions', async () => {
    const api = await createApiApp(loadConfig({ ...env, DATA_DIR: 'memory://' }), { logger: false });
    try {
      const db = api.app.get(DatabaseService);
      const sql = 'SELECT $1::int + 1 AS n';
      expect(await db.queryPrepared('avn_test_plus_one', sql, [41])).toEqual([{ n: 42 }]);
      expect(await db.queryPrepared('avn_test_plus_one', sql, [1])).toEqual([{ n: 2 }]); // prepared once, reused
      expect(await db.asPlatform(() => db.queryPrepared('avn_test_plus_one', sql, [2]))).toEqual([{ n: 3 }]);
    } finally {
      await api.app.close();
    }
  });
});

describe('bootstrap admin from configuration (real PostgreSQL)', () => {
  it('creates the configured admin once; a second instance does nothing', async () => {
    const envAdmin = { AVN_BOOTSTRAP_ADMIN_EMAIL: 'Root@Example.com', AVN_BOOTSTRAP_ADMIN_PASSWORD: 'a-long-enough-password' };
    const one = await startTestApp({ env: envAdmin });
    try {
      expect(one.api.bootstrap.created).toEqual({ email: 'root@example.com', generatedPassword: undefined });
      const two = await startTestApp({ env: envAdmin, database: one.database, cachePrefix: one.config.CACHE_KEY_PREFIX });
      try {
        expect(two.api.bootstrap.created).toBeUndefined();
      } finally {
        await two.close();
      }
      const rows = await one.db.asPlatform(() =>
        one.db.query(
          `SELECT u.email_normalized FROM aventian.tbl_platform_role_assignments a JOIN aventian.tbl_users u ON u.id = a.user_id`,
        ),
      );
      expect(rows).toEqual([{ email_normalized: 'root@example.com' }]);
      // The grant is audited on the platform chain, by the system.
      const events = await one.db.asPlatform(() =>
        one.db.query(
          `SELECT e.action, e.actor_type, e.data FROM aventian_audit.audit_events e
             JOIN aventian.tbl_users u ON u.id = e.target_id::uuid WHERE e.team_id IS NULL AND u.email_normalized = 'root@example.com'`,
        ),
      );
      expect(events).toEqual([{ action: 'platform_admin.granted', actor_type: 'system', data: { reason: 'bootstrap' } }]);
    } finally {
      await one.close();
    }
  });

  it('promotes an existing account of the configured address, keeping its password', async () => {
    const first = await startTestApp();
    try {
      const signup = await first.http
        .post('/v1/auth/signup')
        .send({ email: 'Ops@Example.com', password: 'Tr0ub4dor&3-horse-staple', displayName: 'Ops', teamName: 'Ops' })
        .expect(201);
      const env = {
        AVN_BOOTSTRAP_ADMIN_EMAIL: 'ops@example.com',
        AVN_BOOTSTRAP_ADMIN_PASSWORD: 'another-long-password',
        LOCAL_KEY_FILE: first.config.LOCAL_KEY_FILE!, // same deployment: same master key
      };
      const second = await startTestApp({ env, database: first.database, cachePrefix: first.config.CACHE_KEY_PREFIX });
      try {
        expect(second.api.bootstrap.created).toEqual({ email: 'ops@example.com', generatedPassword: undefined });
        const login = await second.http
          .post('/v1/auth/login')
          .send({ email: 'ops@example.com', password: 'Tr0ub4dor&3-horse-staple' })
          .expect(200);
        await second.http
          .get('/v1/users')
          .set({ Authorization: `Bearer ${login.body.accessToken}` })
          .expect(200);
        expect(login.body.user.id).toBe(signup.body.user.id);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it('creates no admin on real PostgreSQL when none is configured', async () => {
    const t = await startTestApp();
    try {
      expect(t.api.bootstrap.created).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
