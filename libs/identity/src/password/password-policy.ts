import { Injectable } from '@nestjs/common';
import { Errors } from '@avn/common';
import { COMMON_PASSWORDS } from './common-passwords';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

const BLOCKLIST = new Set(COMMON_PASSWORDS.map((p) => p.toLowerCase()));

/**
 * NIST SP 800-63B style policy: length over composition rules, no known-breached passwords, nothing
 * derived from the account's own e-mail. Length is counted in code points so emoji are not penalised.
 */
@Injectable()
export class PasswordPolicy {
  /** The reason the password is refused, or undefined when it is acceptable. */
  problem(password: string, email?: string): string | undefined {
    if (typeof password !== 'string') return 'password must be a string';
    const length = [...password].length;
    if (length < PASSWORD_MIN_LENGTH) return `password must be at least ${PASSWORD_MIN_LENGTH} characters`;
    if (length > PASSWORD_MAX_LENGTH) return `password must be at most ${PASSWORD_MAX_LENGTH} characters`;
    const lowered = password.toLowerCase();
    if (commonForms(lowered).some((form) => BLOCKLIST.has(form))) return 'password is too common';
    if (new Set(lowered).size < 4) return 'password is too repetitive';
    const localPart = email?.trim().toLowerCase().split('@')[0];
    // Very short local parts ("a@x.io") would refuse half the passwords on earth: only 3+ chars count.
    if (localPart && localPart.length >= 3 && lowered.includes(localPart)) return 'password must not contain the e-mail address';
    if (email && lowered === email.trim().toLowerCase()) return 'password must not be the e-mail address';
    return undefined;
  }

  /** Throws 400 VALIDATION_FAILED with a detail on `password`. */
  assertAcceptable(password: string, email?: string, field = 'password'): void {
    const problem = this.problem(password, email);
    if (problem)
      throw Errors.validation('Password does not meet the password policy', [{ field, message: problem, code: 'WEAK_PASSWORD' }]);
  }
}

const LEET: Record<string, string> = { '@': 'a', '4': 'a', '0': 'o', '1': 'i', '!': 'i', '3': 'e', $: 's', '5': 's', '7': 't' };

/** The forms of a password compared with the blocklist: as typed, without padding, de-repeated, de-leeted. */
export function commonForms(lowered: string): string[] {
  const forms = new Set<string>([lowered]);
  const add = (value: string) => {
    if (!value) return;
    forms.add(value);
    const unit = /^(.+?)\1+$/.exec(value)?.[1]; // "abcabcabc" -> "abc"
    if (unit) forms.add(unit);
  };
  const unpadded = lowered.replace(/^[^a-z]+|[^a-z]+$/g, '');
  add(unpadded);
  add(lowered.replace(/\s+/g, ''));
  const deleet = (v: string) =>
    v
      .split('')
      .map((c) => LEET[c] ?? c)
      .join('');
  add(deleet(unpadded));
  add(deleet(lowered).replace(/^[^a-z]+|[^a-z]+$/g, ''));
  // Digit-only passwords: the digits themselves, and their repeating unit.
  if (/^\d+$/.test(lowered)) add(lowered);
  return [...forms];
}
