import { Injectable } from '@nestjs/common';
import { AuditService } from '@avn/audit';
import { decodeCursor, Errors, Page, toPage } from '@avn/common';
import { DatabaseService } from '@avn/database';
import { MembershipService } from '@avn/rbac';
import { AccessInvalidator } from '@avn/user-details';
import { SessionsService } from '../sessions/sessions.service';
import { UserRow, UserStatus } from '../users/user-record';
import { UsersRepository } from '../users/users.repository';

export interface UserSummary {
  id: string;
  email: string;
  displayName: string;
  status: UserStatus;
}

export interface UserDetail extends UserSummary {
  locale: string;
  createdAt: string;
  teams: Array<{ id: string; name: string; roles: string[] }>;
}

const summary = (u: UserRow): UserSummary => ({ id: u.id, email: u.email, displayName: u.display_name, status: u.status });

/** Platform-admin user management: list, inspect, rename, disable/enable. */
@Injectable()
export class UserAdminService {
  constructor(
    private readonly db: DatabaseService,
    private readonly users: UsersRepository,
    private readonly membership: MembershipService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly invalidator: AccessInvalidator,
  ) {}

  async list(query: { email?: string; cursor?: string; limit?: number }): Promise<Page<UserSummary>> {
    const limit = query.limit ?? 50;
    const after = decodeCursor<{ id: string }>(query.cursor, ['id']);
    if (after && !/^[0-9a-f-]{36}$/i.test(after.id))
      throw Errors.validation('Invalid cursor', [{ field: 'cursor', message: 'cursor is not valid' }]);
    const email = query.email?.trim().toLowerCase();
    const rows = await this.users.list({ afterId: after?.id, email: email || undefined, limit: limit + 1 });
    return toPage(rows, limit, summary, (r) => ({ id: r.id }));
  }

  async get(userId: string): Promise<UserDetail> {
    const user = await this.users.findById(userId);
    if (!user) throw Errors.notFound('User');
    return this.detail(user);
  }

  /**
   * Disabling revokes every session (their access tokens fail on the next request) and invalidates
   * GetUserDetails, in the same transaction as the status change; every change is audited.
   */
  async update(userId: string, patch: { status?: UserStatus; displayName?: string }): Promise<UserDetail> {
    const updated = await this.db.transaction(
      async () => {
        const before = await this.users.findById(userId);
        if (!before) throw Errors.notFound('User');
        let user = before;
        if (patch.displayName !== undefined && patch.displayName !== before.display_name) {
          user = (await this.users.updateProfile(userId, { displayName: patch.displayName }))!;
          await this.audit.record({
            action: 'user.updated',
            targetType: 'user',
            targetId: userId,
            data: { displayName: { from: before.display_name, to: patch.displayName } },
          });
        }
        if (patch.status !== undefined && patch.status !== before.status) {
          user = (await this.users.setStatus(userId, patch.status))!;
          let revokedSessions = 0;
          if (patch.status === 'disabled') revokedSessions = await this.sessions.revokeAllOfUser(userId, 'user_disabled');
          await this.audit.record({
            action: patch.status === 'disabled' ? 'user.disabled' : 'user.enabled',
            targetType: 'user',
            targetId: userId,
            data: { email: before.email, ...(patch.status === 'disabled' ? { revokedSessions } : {}) },
          });
        }
        if (user !== before) await this.invalidator.userChanged(userId);
        return user;
      },
      { platform: true },
    );
    return this.detail(updated);
  }

  private async detail(user: UserRow): Promise<UserDetail> {
    const teams = await this.membership.listTeamsOfUser(user.id);
    return { ...summary(user), locale: user.locale, createdAt: new Date(user.created_at).toISOString(), teams };
  }
}
