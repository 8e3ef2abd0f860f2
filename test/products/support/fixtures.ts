import { randomBytes } from 'node:crypto';
import { newId } from '@avn/database';
import { SessionsService } from '@avn/identity';
import { signup, startTestApp, TestApp, TestAppOptions } from '@avn/testing';

export { bearer, PASSWORD } from '@avn/testing';

export const ADMIN_EMAIL = 'root@products.test';
const ADMIN_PASSWORD = 'Platform-Admin-Password-42!';

/** The real app with a bootstrap platform admin and a short provisioning time limit. */
export function startProductsApp(options: TestAppOptions = {}): Promise<TestApp> {
  return startTestApp({
    ...options,
    env: {
      AVN_BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
      AVN_BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PROVISIONING_TIMEOUT_MS: '4000',
      ...options.env,
    },
  });
}

export async function tokenFor(t: TestApp, userId: string, teamId?: string): Promise<string> {
  return (await t.api.app.get(SessionsService).issueTokens(userId, teamId)).accessToken;
}

export async function adminToken(t: TestApp): Promise<string> {
  const admin = await t.db.asPlatform(() =>
    t.db.queryOne<{ id: string }>('SELECT id FROM aventian.tbl_users WHERE email_normalized = $1', [ADMIN_EMAIL]),
  );
  return (await t.api.app.get(SessionsService).issueTokens(admin!.id)).accessToken;
}

export interface SignedUp {
  userId: string;
  teamId: string;
  token: string;
}

/** A new user owning a new team (team_owner), through the public sign-up route. */
export async function signUp(t: TestApp, label = 'owner'): Promise<SignedUp> {
  const u = await signup(t, label, { teamName: `Team ${label}` });
  return { userId: u.userId, teamId: u.teamId, token: u.accessToken };
}

/** A plain member of the team (no roles), inserted directly: invitations are another module's concern. */
export async function addMember(t: TestApp, teamId: string, label = 'member'): Promise<string> {
  const id = newId();
  const email = `${label}-${randomBytes(4).toString('hex')}@example.com`;
  await t.db.asPlatform(async () => {
    await t.db.query('INSERT INTO aventian.tbl_users (id, email, email_normalized, display_name) VALUES ($1, $2, $2, $3)', [
      id,
      email,
      label,
    ]);
    await t.db.query('INSERT INTO aventian.tbl_team_members (team_id, user_id) VALUES ($1, $2)', [teamId, id]);
  });
  return id;
}
