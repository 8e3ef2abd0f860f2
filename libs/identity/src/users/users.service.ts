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
    const email = input.email.trim();
    const emailNormalized = normalizeEmail(email);
    if (!EMAIL_RE.test(emailNormalized) || email.length > 320) {
      throw Errors.validation('Request validation failed', [{ field: 'email', message: 'email must be an email' }]);
    }
    const displayName = input.displayName.trim();
    if (displayName.length < 1 || displayName.length > 200) {
      throw Errors.validation('Request validation failed', [{ field: 'displayName', message: 'displayName must be 1 to 200 characters' }]);
    }
    if (input.password !== undefined) this.policy.assertAcceptable(input.password, emailNormalized);
    // Hash before touching the database so the (slow) argon2 run never holds a transaction open longer than needed.
    const passwordHash = input.password !== undefined ? await this.hasher.hash(input.password) : null;
    const row = await this.users.insert({
      id: newId(),
      email,
      emailNormalized,
      displayName,
      locale: input.locale ?? 'en',
      passwordHash,
    });
    if (!row) throw Errors.conflict('EMAIL_TAKEN', 'A user with this e-mail address already exists');
    return toUserRecord(row);
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
