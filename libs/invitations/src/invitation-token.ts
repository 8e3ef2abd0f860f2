import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes (256 bits), base64url: 43 characters. */
export function newInvitationToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashInvitationToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;
export const isInvitationTokenShape = (value: string): boolean => TOKEN_RE.test(value);
