import { randomBytes } from 'node:crypto';
import { newId } from '@avn/database';
import { SessionsService } from '@avn/identity';
import type { TestApp } from './test-app';

/** The one password of test accounts (passes the password policy). */
export const PASSWORD = 'Tr0ub4dor&3-horse-staple';

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

let counter = 0;
/** A unique address per call (suites share one app). */
export const uniqueEmail = (label: string, domain = 'example.test') =>
  `${label}-${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString('hex')}@${domain}`;

/** A distinct client IP (TRUST_PROXY=true) so per-IP counters of one test never affect another. */
let ipCounter = 1;
export const freshIp = () => `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter++ & 255}`;

/** SQL as the platform (no RLS scope), for fixtures and assertions. */
export function sqlAsPlatform<T = Record<string, unknown>>(t: TestApp, text: string, params: unknown[] = []): Promise<T[]> {
  return t.db.asPlatform(() => t.db.query<T>(text, params));
}

export interface SignedUp {
  userId: string;
  teamId: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  auth: { Authorization: string };
}

/** A new account owning a new team (team_owner), through the public sign-up route. */
export async function signup(t: TestApp, label: string, overrides: Record<string, string> = {}): Promise<SignedUp> {
  const email = overrides.email ?? uniqueEmail(label);
  const res = await t.http
    .post('/v1/auth/signup')
    .set('X-Forwarded-For', freshIp())
    .send({ email, password: PASSWORD, displayName: label, teamName: `${label} team`, ...overrides });
  if (res.status !== 201) throw new Error(`signup ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    userId: res.body.user.id,
    teamId: res.body.team.id,
    email: res.body.user.email,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    auth: bearer(res.body.accessToken),
  };
}

export interface TestUser {
  id: string;
  email: string;
  token: string;
  auth: { Authorization: string };
}

/** A user row inserted directly (no password, no team) with a real access token from identity's SessionsService. */
export async function mintUser(t: TestApp, label: string, domain = 'example.test'): Promise<TestUser> {
  const id = newId();
  const email = `${label}-${id.slice(-12)}@${domain}`;
  await sqlAsPlatform(t, `INSERT INTO aventian.tbl_users (id, email, email_normalized, display_name) VALUES ($1, $2, $2, $3)`, [
    id,
    email,
    label,
  ]);
  const { accessToken } = await t.api.app.get(SessionsService, { strict: false }).issueTokens(id);
  return { id, email, token: accessToken, auth: bearer(accessToken) };
}

export async function makePlatformAdmin(t: TestApp, userId: string): Promise<void> {
  await sqlAsPlatform(
    t,
    `INSERT INTO aventian.tbl_platform_role_assignments (user_id, role_id)
     SELECT $1, id FROM aventian.tbl_roles WHERE team_id IS NULL AND code = 'platform_admin'`,
    [userId],
  );
}

/** The contract's error body. */
export function expectErrorShape(body: Record<string, unknown>, status: number, error: string): void {
  expect(body).toEqual(expect.objectContaining({ statusCode: status, error, message: expect.any(String), requestId: expect.any(String) }));
}

/**
 * Retries `check` until it passes or `timeoutMs` runs out (then its last error is thrown): wait for
 * a condition, never for a fixed time.
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
