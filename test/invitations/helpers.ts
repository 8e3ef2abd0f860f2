import { randomBytes } from 'node:crypto';
import type { TestApp } from '@avn/testing';

export const PASSWORD = 'correct horse battery staple 42';

export interface SignedUp {
  userId: string;
  teamId: string;
  email: string;
  accessToken: string;
}

export const uniqueEmail = (name: string): string => `${name}-${randomBytes(4).toString('hex')}@example.test`;

export async function signUp(t: TestApp, name: string, email = uniqueEmail(name)): Promise<SignedUp> {
  const res = await t.http.post('/v1/auth/signup').send({ email, password: PASSWORD, displayName: name, teamName: `${name}'s team` });
  if (res.status !== 201) throw new Error(`signup ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return { userId: res.body.user.id, teamId: res.body.team.id, email, accessToken: res.body.accessToken };
}

export async function login(t: TestApp, email: string, teamId?: string): Promise<string> {
  const res = await t.http.post('/v1/auth/login').send({ email, password: PASSWORD, ...(teamId ? { teamId } : {}) });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
