import { Injectable, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { PasswordHasher } from '@avn/crypto';
import type { UserRow } from '../users/user-record';
import { UsersRepository } from '../users/users.repository';

/** Checking a user's password: sign-in and the current-password check of a password change. */
@Injectable()
export class PasswordVerifier implements OnModuleInit {
  /** Verified against for unknown accounts so they take as long as known ones (no user enumeration by timing). */
  private dummyHash?: Promise<string>;

  constructor(
    private readonly hasher: PasswordHasher,
    private readonly users: UsersRepository,
  ) {}

  onModuleInit(): void {
    // Computed up front so the first unknown-e-mail login is not slower than the others.
    this.dummyHash = this.hasher.hash(randomBytes(24).toString('base64url'));
    this.dummyHash.catch(() => (this.dummyHash = undefined));
  }

  /**
   * Verifies a password against the user's hash, or against a dummy hash when there is no user or
   * no password (SSO-only accounts), so every failure costs one argon2 verification.
   */
  async verify(user: UserRow | undefined, password: string): Promise<boolean> {
    if (user?.password_hash) return this.hasher.verify(user.password_hash, password);
    this.dummyHash ??= this.hasher.hash(randomBytes(24).toString('base64url'));
    await this.hasher.verify(await this.dummyHash, password);
    return false;
  }

  /** OWASP parameters changed since this hash was made: store a fresh one now that we know the password. */
  async rehashIfNeeded(user: UserRow, password: string): Promise<void> {
    if (!user.password_hash || !this.hasher.needsRehash(user.password_hash)) return;
    const fresh = await this.hasher.hash(password);
    await this.users.replaceHashIfUnchanged(user.id, user.password_hash, fresh);
  }
}
