import { Client } from 'pg';
import { startTestApp, TestApp } from '@avn/testing';
import { adminQuery, createTestDatabase, PG_ADMIN_URL, randomSuffix, TestDatabase } from '../support/test-env';
import { bearer, signup } from '../identity/helpers';

/**
 * The production layout: the server logs in as a role that owns nothing (DATABASE_URL, a NOINHERIT
 * member of the app role) and only migrations, backup and restore use the schema owner
 * (DATABASE_OWNER_URL). A runtime session then has no way back to the owner's rights.
 */
describe('runtime login role without ownership (DATABASE_OWNER_URL)', () => {
  const login = `avn_rt_${randomSuffix()}`;
  let database: TestDatabase;
  let runtimeUrl: string;
  let t: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    // What an operator provisions once per cluster (the migrations create the app role too, but the
    // login role must be a member of it before the server's first connection).
    await adminQuery(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aventian_app') THEN
                     CREATE ROLE aventian_app NOLOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$`);
    await adminQuery(`CREATE ROLE ${login} LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS IN ROLE aventian_app`);
    const url = new URL(database.url);
    url.username = login;
    runtimeUrl = url.toString();
    // A fresh database: the server migrates it at start, which only works over the owner's URL.
    t = await startTestApp({ database, env: { DATABASE_URL: runtimeUrl, DATABASE_OWNER_URL: database.url } });
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await adminQuery(`DROP ROLE IF EXISTS ${login}`);
  });

  it('migrates a fresh database as the owner and serves reads and writes as the login role', async () => {
    const [owner] = await t.db.query<{ tableowner: string }>(
      `SELECT tableowner FROM pg_tables WHERE schemaname = 'aventian' AND tablename = 'tbl_users'`,
    );
    expect(owner.tableowner).toBe(new URL(PG_ADMIN_URL).username);
    const [who] = await t.db.query<{ current: string; session: string }>('SELECT current_user AS current, session_user AS session');
    expect(who).toEqual({ current: 'aventian_app', session: login });

    await t.http.get('/health/ready').expect(200);
    const user = await signup(t, 'runtime-role');
    await t.http.get('/v1/me').set(bearer(user.accessToken)).expect(200);
    await t.http.post('/v1/teams').set(bearer(user.accessToken)).send({ name: 'Second' }).expect(201);
  });

  it('leaves a runtime session no rights of its own when it drops the app role (SET ROLE NONE)', async () => {
    const session = new Client({ connectionString: runtimeUrl, options: '-c role=aventian_app' });
    await session.connect();
    try {
      // RESET ROLE returns to the connection's `role` option (the app role); NONE returns to the login.
      await session.query('SET ROLE NONE');
      expect((await session.query<{ u: string }>('SELECT current_user AS u')).rows[0].u).toBe(login);
      await expect(session.query('SELECT count(*) FROM aventian.tbl_users')).rejects.toThrow(/permission denied/);
      await expect(session.query('CREATE TABLE aventian.intruder (id int)')).rejects.toThrow(/permission denied/);
    } finally {
      await session.end();
    }
  });
});
