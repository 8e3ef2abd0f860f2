import { Injectable } from '@nestjs/common';
import { Errors } from '@avn/common';
import { PasswordHasher } from '@avn/crypto';
import { newId } from '@avn/database';
import { PasswordPolicy } from '../password/password-policy';
import { normalizeEmail, toUserRecord, UserRecord } from './user-record';
import { UsersRepository } from './users.repository';

export interface CreateUserInput {
  email: string;
  displayName: string;
  password?: string;
  locale?: string;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

/** Creating and reading users; used by sign-up, invitations, SSO and the admin API. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
  ) {}

  /**
   * Normalises the e-mail, enforces the password policy, hashes the password (argon2id) and inserts
   * the user. Joins the caller's transaction. 409 EMAIL_TAKEN when the address is in use.
   */
  async createUser(input: CreateUserInput): Promise<UserRecord> {
    const { email, emailNormalized, displayName } = checkIdentity(input);
    if (input.password !== undefined) this.policy.assertAcceptable(input.password, emailNormalized);
    const row = await this.insert(input, email, emailNormalized, displayName);
    if (!row) throw Errors.conflict('EMAIL_TAKEN', 'A user with this e-mail address already exists');
    return toUserRecord(row);
  }

  /**
   * An account the operator provisions from configuration (the first platform admin): the existing
   * account of the address, unchanged, or a new one with `password`. The operator chose the
   * password (config checks its length), so the sign-up blocklist does not apply. Joins the
   * caller's transaction.
   */
  async provisionAccount(input: CreateUserInput & { password: string }): Promise<{ user: UserRecord; created: boolean }> {
    const { email, emailNormalized, displayName } = checkIdentity(input);
    const existing = await this.users.findByNormalizedEmail(emailNormalized);
    if (existing) return { user: toUserRecord(existing), created: false };
    const row = await this.insert(input, email, emailNormalized, displayName);
    if (row) return { user: toUserRecord(row), created: true };
    const raced = await this.users.findByNormalizedEmail(emailNormalized);
    if (!raced) throw new Error('user insert conflicted but no user has that address');
    return { user: toUserRecord(raced), created: false };
  }

  private async insert(input: CreateUserInput, email: string, emailNormalized: string, displayName: string) {
    // Hash before the INSERT so the (slow) argon2 run never holds a row lock longer than needed.
    const passwordHash = input.password !== undefined ? await this.hasher.hash(input.password) : null;
    return this.users.insert({ id: newId(), email, emailNormalized, displayName, locale: input.locale ?? 'en', passwordHash });
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.users.findByNormalizedEmail(normalizeEmail(email));
    return row && toUserRecord(row);
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const row = await this.users.findById(id);
    return row && toUserRecord(row);
  }
}

/** Normalises and checks the address and display name (400 naming the field). */
function checkIdentity(input: CreateUserInput): { email: string; emailNormalized: string; displayName: string } {
  const email = input.email.trim();
  const emailNormalized = normalizeEmail(email);
  if (!EMAIL_RE.test(emailNormalized) || email.length > 320) {
    throw Errors.validation('Request validation failed', [{ field: 'email', message: 'email must be an email' }]);
  }
  const displayName = input.displayName.trim();
  if (displayName.length < 1 || displayName.length > 200) {
    throw Errors.validation('Request validation failed', [{ field: 'displayName', message: 'displayName must be 1 to 200 characters' }]);
  }
  return { email, emailNormalized, displayName };
}
