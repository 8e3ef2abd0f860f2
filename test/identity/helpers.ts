import { randomBytes } from 'node:crypto';
import type { TestApp } from '@avn/testing';

export const PASSWORD = 'Tr0ub4dor&3-horse-staple';

let counter = 0;
/** A unique address per call (tests share one app). */
export const uniqueEmail = (label: string) =>
  `${label}-${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString('hex')}@id.test`;

/** A distinct client IP (TRUST_PROXY=true) so per-IP counters of one test never affect another. */
let ipCounter = 1;
export const freshIp = () => `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter++ & 255}`;

export interface SignedUp {
  userId: string;
  teamId: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  auth: { Authorization: string };
}

export async function signup(t: TestApp, label: string, overrides: Record<string, string> = {}): Promise<SignedUp> {
  const email = uniqueEmail(label);
  const res = await t.http
    .post('/v1/auth/signup')
    .set('X-Forwarded-For', freshIp())
    .send({ email, password: PASSWORD, displayName: label, teamName: `${label} team`, ...overrides })
    .expect(201);
  return {
    userId: res.body.user.id,
    teamId: res.body.team.id,
    email: res.body.user.email,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    auth: { Authorization: `Bearer ${res.body.accessToken}` },
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export function expectErrorShape(body: Record<string, unknown>, status: number, error: string): void {
  expect(body).toEqual(expect.objectContaining({ statusCode: status, error, message: expect.any(String), requestId: expect.any(String) }));
}

export async function activity(t: TestApp, userId: string): Promise<string[]> {
  const rows = await t.db.asPlatform(() =>
    t.db.query<{ action: string }>(`SELECT action FROM aventian_audit.activity_log WHERE user_id = $1 ORDER BY ts, id`, [userId]),
  );
  return rows.map((r) => r.action);
}
