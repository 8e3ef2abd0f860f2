import { Injectable } from '@nestjs/common';
import { AuditService } from '@avn/audit';
import { Errors, UserPrincipal } from '@avn/common';
import { PasswordHasher } from '@avn/crypto';
import { DatabaseService } from '@avn/database';
import { MembershipService } from '@avn/rbac';
import { AccessInvalidator } from '@avn/user-details';
import { LoginThrottle } from '../auth/login-throttle';
import { PasswordVerifier } from '../password/password-verifier';
import { PasswordPolicy } from '../password/password-policy';
import { SessionsService } from '../sessions/sessions.service';
import { normalizeEmail } from '../users/user-record';
import { UsersRepository } from '../users/users.repository';

export interface Profile {
  id: string;
  email: string;
  displayName: string;
  locale: string;
  teams: Array<{ id: string; name: string; roles: string[] }>;
  activeTeamId: string | null;
}

export interface ProfilePatch {
  displayName?: string;
  locale?: string;
  password?: string;
  currentPassword?: string;
}

/** GET/PATCH /v1/me. */
@Injectable()
export class ProfileService {
  constructor(
    private readonly db: DatabaseService,
    private readonly users: UsersRepository,
    private readonly membership: MembershipService,
    private readonly sessions: SessionsService,
    private readonly policy: PasswordPolicy,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly passwords: PasswordVerifier,
    private readonly audit: AuditService,
    private readonly invalidator: AccessInvalidator,
  ) {}

  async get(principal: UserPrincipal): Promise<Profile> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw Errors.unauthenticated();
    const teams = await this.membership.listTeamsOfUser(user.id);
    // The token's team, as long as the user still belongs to it.
    const activeTeamId = principal.activeTeamId && teams.some((t) => t.id === principal.activeTeamId) ? principal.activeTeamId : null;
    return { id: user.id, email: user.email, displayName: user.display_name, locale: user.locale, teams, activeTeamId };
  }

  /**
   * Changing the password needs the current one (wrong: 400 VALIDATION_FAILED on `currentPassword`,
   * counted by the login lockout so a stolen access token cannot brute-force it) and revokes every
   * OTHER session of the user; the caller's session stays signed in.
   */
  async update(principal: UserPrincipal, patch: ProfilePatch): Promise<Profile> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw Errors.unauthenticated();
    if (patch.currentPassword !== undefined && patch.password === undefined) {
      throw Errors.validation('Request validation failed', [{ field: 'password', message: 'password is required with currentPassword' }]);
    }
    let newHash: string | undefined;
    if (patch.password !== undefined) {
      if (user.password_hash) {
        if (patch.currentPassword === undefined) {
          throw Errors.validation('Request validation failed', [
            { field: 'currentPassword', message: 'currentPassword is required to change the password' },
          ]);
        }
        const reservation = await this.throttle.reserve(normalizeEmail(user.email), undefined);
        if (!(await this.passwords.verify(user, patch.currentPassword))) {
          throw Errors.validation('Current password is incorrect', [{ field: 'currentPassword', message: 'currentPassword is incorrect' }]);
        }
        await this.throttle.succeeded(reservation);
      }
      this.policy.assertAcceptable(patch.password, user.email);
      newHash = await this.hasher.hash(patch.password);
    }

    await this.db.transaction(async () => {
      const changed: string[] = [];
      if (patch.displayName !== undefined || patch.locale !== undefined) {
        await this.users.updateProfile(user.id, { displayName: patch.displayName, locale: patch.locale });
        if (patch.displayName !== undefined && patch.displayName !== user.display_name) {
          changed.push('displayName');
          await this.invalidator.userChanged(user.id); // GetUserDetails shows the display name
        }
        if (patch.locale !== undefined && patch.locale !== user.locale) changed.push('locale');
      }
      if (newHash) {
        await this.users.setPasswordHash(user.id, newHash);
        const revoked = await this.sessions.revokeAllOfUser(user.id, 'password_changed', principal.sessionId);
        await this.audit.record({
          action: 'user.password_changed',
          targetType: 'user',
          targetId: user.id,
          data: { revokedSessions: revoked },
        });
      }
      if (changed.length > 0) {
        await this.audit.record({ action: 'user.profile_updated', targetType: 'user', targetId: user.id, data: { fields: changed } });
      }
    });
    return this.get(principal);
  }
}
