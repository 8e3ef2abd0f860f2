import { PASSWORD, signup, uniqueEmail } from '@avn/testing';
import type { SignedUp, TestApp } from '@avn/testing';

export { bearer, PASSWORD, uniqueEmail } from '@avn/testing';
export type { SignedUp } from '@avn/testing';

/** A new account owning a new team; `email` defaults to a unique address. */
export function signUp(t: TestApp, name: string, email = uniqueEmail(name)): Promise<SignedUp> {
  return signup(t, name, { email, teamName: `${name}'s team` });
}

export async function login(t: TestApp, email: string, teamId?: string): Promise<string> {
  const res = await t.http.post('/v1/auth/login').send({ email, password: PASSWORD, ...(teamId ? { teamId } : {}) });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}
