import { CacheKeys } from '@avn/cache';
import { startTestApp, TestApp } from '@avn/testing';
import { CookieJar, startTestIdp, TestIdp } from './oidc-test-idp';

const PUBLIC_URL = 'http://avn.test';
const SECRET = 'test-client-secret-0123456789';

interface IdpRedirect {
  /** Path + query of the callback the IdP sent the browser to. */
  callbackPath: string;
  /** The app's browser-binding cookie set when the login started. */
  appCookie: string;
  authorizationUrl: URL;
}

/**
 * Plays the browser: starts the login at the app, follows the IdP's redirects with cookies, logs in
 * as `account` at the IdP's interaction, and stops at the redirect back to the app's callback.
 */
async function browserLogin(t: TestApp, provider: string, account: string): Promise<IdpRedirect> {
  const start = await t.http.get(`/v1/auth/oidc/${provider}`).expect(302);
  const appCookie = (start.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
  const authorizationUrl = new URL(start.headers.location);
  const jar = new CookieJar();
  let url = authorizationUrl.toString();
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(`${PUBLIC_URL}/`)) {
      const callback = new URL(url);
      return { callbackPath: `${callback.pathname}${callback.search}`, appCookie, authorizationUrl };
    }
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(res.headers.getSetCookie());
    if (res.status < 300 || res.status >= 400) throw new Error(`IdP answered ${res.status} at ${url}: ${await res.text()}`);
    const next = new URL(res.headers.get('location')!, url);
    if (next.pathname.startsWith('/interaction/')) next.searchParams.set('account', account);
    url = next.toString();
  }
  throw new Error('too many redirects');
}

describe('SSO through OpenID Connect against a real provider', () => {
  let idp: TestIdp;
  let t: TestApp;

  const finish = (r: IdpRedirect) => t.http.get(r.callbackPath).set('cookie', r.appCookie);
  const login = async (provider: string, account: string) => finish(await browserLogin(t, provider, account));

  beforeAll(async () => {
    const client = (id: string, provider: string) => ({
      client_id: id,
      client_secret: SECRET,
      redirect_uris: [`${PUBLIC_URL}/v1/auth/oidc/${provider}/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    });
    idp = await startTestIdp([client('avn-open', 'idp'), client('avn-closed', 'idp-closed')]);
    t = await startTestApp({
      env: {
        PUBLIC_URL,
        OIDC_PROVIDERS: JSON.stringify([
          { name: 'idp', issuer: idp.issuer, clientId: 'avn-open', clientSecret: SECRET, autoCreateUsers: true },
          { name: 'idp-closed', issuer: idp.issuer, clientId: 'avn-closed', clientSecret: SECRET, autoCreateUsers: false },
          { name: 'idp-down', issuer: 'http://127.0.0.1:1', clientId: 'c', clientSecret: SECRET, autoCreateUsers: false },
        ]),
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  it('redirects to the authorization endpoint with PKCE S256, state and nonce', async () => {
    const start = await t.http.get('/v1/auth/oidc/idp').expect(302);
    const location = new URL(start.headers.location);
    expect(`${location.origin}${location.pathname}`).toBe(`${idp.issuer}/auth`);
    const q = location.searchParams;
    expect(q.get('client_id')).toBe('avn-open');
    expect(q.get('response_type')).toBe('code');
    expect(q.get('redirect_uri')).toBe(`${PUBLIC_URL}/v1/auth/oidc/idp/callback`);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('scope')).toBe('openid email profile');
    expect(start.headers['set-cookie']![0]).toMatch(
      /^avn_oidc_[A-Za-z0-9_-]+=[A-Za-z0-9_-]+; Path=\/v1\/auth\/oidc\/; Max-Age=600; HttpOnly; SameSite=Lax$/,
    );
    // The verifier stays server-side: nothing in the URL reveals it.
    expect(start.headers.location).not.toContain('code_verifier');
  });

  it('first login creates the user, the second signs in the same linked user', async () => {
    const first = await login('idp', 'frank');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      activeTeamId: null,
      user: { id: expect.any(String), email: 'frank@example.test', displayName: 'Test frank' },
    });
    const me = await t.http.get('/v1/me').set('Authorization', `Bearer ${first.body.accessToken}`).expect(200);
    expect(me.body).toMatchObject({ id: first.body.user.id, email: 'frank@example.test' });

    const second = await login('idp', 'frank');
    expect(second.status).toBe(200);
    expect(second.body.user.id).toBe(first.body.user.id);
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);

    const identities = await t.db.query<{ provider: string; subject: string; user_id: string }>(
      `SELECT provider, subject, user_id FROM aventian.tbl_oauth_identities WHERE user_id = $1`,
      [first.body.user.id],
    );
    expect(identities).toEqual([{ provider: 'idp', subject: 'sub-frank', user_id: first.body.user.id }]);
    const users = await t.db.query(`SELECT id FROM aventian.tbl_users WHERE email_normalized = 'frank@example.test'`);
    expect(users).toHaveLength(1);
    const activity = await t.db.query(`SELECT 1 FROM aventian_audit.activity_log WHERE user_id = $1 AND action = 'login.sso_succeeded'`, [
      first.body.user.id,
    ]);
    expect(activity).toHaveLength(2);
  });

  it('a provider without autoCreateUsers refuses an unknown e-mail', async () => {
    const res = await login('idp-closed', 'gina');
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('SSO_SIGNUP_DISABLED');
    expect(await t.db.query(`SELECT 1 FROM aventian.tbl_users WHERE email_normalized = 'gina@example.test'`)).toHaveLength(0);
    expect(
      await t.db.query(`SELECT 1 FROM aventian_audit.activity_log WHERE user_email = 'gina@example.test' AND action = 'login.sso_refused'`),
    ).toHaveLength(1);
  });

  it('links an existing account with the same verified e-mail, keeping its teams', async () => {
    const signup = await t.http
      .post('/v1/auth/signup')
      .send({ email: 'Hugo@Example.test', password: 'correct horse battery staple 42', displayName: 'Hugo', teamName: 'Hugo team' })
      .expect(201);
    const res = await login('idp-closed', 'hugo');
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(signup.body.user.id);
    expect(res.body.activeTeamId).toBe(signup.body.team.id);
    const audit = await t.db.query<{ action: string }>(
      `SELECT action FROM aventian_audit.audit_events WHERE target_id = $1 AND action = 'user.sso_linked'`,
      [signup.body.user.id],
    );
    expect(audit).toHaveLength(1);
  });

  it('refuses to link or create from an unverified e-mail', async () => {
    await t.http
      .post('/v1/auth/signup')
      .send({ email: 'unverified-ivy@example.test', password: 'correct horse battery staple 42', displayName: 'Ivy', teamName: 'Ivy team' })
      .expect(201);
    const linked = await login('idp', 'unverified-ivy');
    expect(linked.status).toBe(403);
    expect(linked.body.error).toBe('SSO_EMAIL_UNVERIFIED');
    const created = await login('idp', 'unverified-jay');
    expect(created.status).toBe(403);
    expect(created.body.error).toBe('SSO_EMAIL_UNVERIFIED');
    expect(
      await t.db.query(`SELECT 1 FROM aventian.tbl_oauth_identities WHERE subject IN ('sub-unverified-ivy', 'sub-unverified-jay')`),
    ).toHaveLength(0);
  });

  it('refuses a tampered, missing, replayed or unbound state', async () => {
    const r = await browserLogin(t, 'idp', 'kim');
    const callback = new URL(r.callbackPath, PUBLIC_URL);

    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${callback.searchParams.get('state')!.slice(0, -2)}xx`);
    const bad = await t.http.get(`${tampered.pathname}${tampered.search}`).set('cookie', r.appCookie).expect(400);
    expect(bad.body.error).toBe('OIDC_STATE_INVALID');

    const missing = new URL(callback);
    missing.searchParams.delete('state');
    await t.http.get(`${missing.pathname}${missing.search}`).set('cookie', r.appCookie).expect(400);

    // Without the browser-binding cookie (a link forwarded to someone else) the state is refused and spent.
    await t.http.get(r.callbackPath).expect(400);
    await finish(r).expect(400);

    // A fresh, untouched login works; replaying its callback does not.
    const ok = await browserLogin(t, 'idp', 'kim');
    await finish(ok).expect(200);
    expect((await finish(ok).expect(400)).body.error).toBe('OIDC_STATE_INVALID');

    // Another provider's callback cannot consume this provider's state.
    const cross = await browserLogin(t, 'idp', 'kim');
    await t.http.get(cross.callbackPath.replace('/oidc/idp/', '/oidc/idp-closed/')).set('cookie', cross.appCookie).expect(400);
  });

  it('the IdP checks the PKCE verifier and the app checks the nonce (server-side values are what count)', async () => {
    for (const field of ['codeVerifier', 'nonce'] as const) {
      const r = await browserLogin(t, 'idp', 'lea');
      const key = CacheKeys.oidcState(new URL(r.callbackPath, PUBLIC_URL).searchParams.get('state')!);
      const pending = JSON.parse((await t.cache.get(key))!);
      pending[field] = 'x'.repeat(43); // what a code stolen for another login attempt would meet
      await t.cache.set(key, JSON.stringify(pending), 60);
      const res = await finish(r).expect(401);
      expect(res.body.error).toBe('SSO_FAILED');
    }
    expect(await t.db.query(`SELECT 1 FROM aventian.tbl_users WHERE email_normalized = 'lea@example.test'`)).toHaveLength(0);
  });

  it('answers 503 when the provider cannot be reached, without failing start-up', async () => {
    const res = await t.http.get('/v1/auth/oidc/idp-down').expect(503);
    expect(res.body).toMatchObject({ error: 'DEPENDENCY_UNAVAILABLE', message: expect.stringContaining('identity provider') });
  });

  it('answers 404 for an unknown provider', async () => {
    expect((await t.http.get('/v1/auth/oidc/nope').expect(404)).body.error).toBe('NOT_FOUND');
    await t.http.get('/v1/auth/oidc/nope/callback?code=x&state=y').expect(404);
  });

  it('refuses to start with malformed OIDC_PROVIDERS', async () => {
    await expect(startTestApp({ database: t.database, env: { OIDC_PROVIDERS: '[{"name": "x",' } })).rejects.toThrow(
      /OIDC_PROVIDERS: is not valid JSON/,
    );
    await expect(
      startTestApp({ database: t.database, env: { OIDC_PROVIDERS: JSON.stringify([{ name: 'x', issuer: 'ftp://idp', clientId: 'c' }]) } }),
    ).rejects.toThrow(/provider "x": issuer must be an https URL/);
  });
});
