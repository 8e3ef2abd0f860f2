import { Injectable } from '@nestjs/common';
import { ActivityLogService, AuditService } from '@avn/audit';
import { decodeCursor, DomainError, Errors, Page, teamPowers, toPage, isUuid } from '@avn/common';
import type { UserActor } from '@avn/common';
import { AppConfig } from '@avn/config';
import { DatabaseService, newId } from '@avn/database';
import { PasswordPolicy, SessionsService, UsersService } from '@avn/identity';
import { MailOutbox } from '@avn/mail';
import { MembershipService } from '@avn/rbac';
import { AccessInvalidator } from '@avn/user-details';
import { hashInvitationToken, isInvitationTokenShape, newInvitationToken } from './invitation-token';
import { invitationMail } from './invitation-mail';
import { InvitationRow, InvitationsRepository } from './invitations.repository';

export interface InvitationView {
  id: string;
  email: string;
  roles: string[];
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  expiresAt: string;
  createdAt: string;
  invitedBy: string | null;
  acceptedBy: string | null;
  acceptedAt: string | null;
}

export interface AcceptResult {
  teamId: string;
  userId: string;
  roles: string[];
  accessToken?: string;
  refreshToken?: string;
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * Team invitations: a team admin invites an e-mail address with a set of the team's roles; the
 * invitee accepts once with the token that was e-mailed to them, either signed in as the account of
 * that address or by creating that account. Only the token's SHA-256 is stored.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly repo: InvitationsRepository,
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly passwords: PasswordPolicy,
    private readonly membership: MembershipService,
    private readonly mail: MailOutbox,
    private readonly audit: AuditService,
    private readonly activity: ActivityLogService,
    private readonly invalidator: AccessInvalidator,
  ) {}

  async create(teamId: string, actor: UserActor, input: { email: string; roles: string[] }): Promise<InvitationView & { token: string }> {
    const email = input.email.trim();
    const emailNormalized = normalizeEmail(email);
    const roles = [...new Set(input.roles)];
    await this.assertRolesGrantable(teamId, actor, roles);

    const existing = await this.users.findByEmail(email);
    if (existing && (await this.membership.isMember(teamId, existing.id))) {
      throw Errors.conflict('ALREADY_MEMBER', 'This address already belongs to a member of the team');
    }

    const token = newInvitationToken();
    const expiresAt = new Date(Date.now() + this.config.INVITATION_TTL_HOURS * 3600_000);
    return this.db.inTeam(teamId, async () => {
      await this.repo.closeExpired(teamId, emailNormalized);
      const row = await this.repo.insert(teamId, {
        id: newId(),
        email,
        emailNormalized,
        roleCodes: roles,
        tokenHash: hashInvitationToken(token),
        expiresAt,
        invitedBy: actor.userId,
      });
      if (!row) throw Errors.conflict('INVITATION_PENDING', 'An open invitation for this address exists; revoke it first');

      const [teamName, inviter] = await Promise.all([this.repo.teamName(teamId), this.users.findById(actor.userId)]);
      const link = `${this.config.publicUrl}/v1/invitations/${token}/accept`;
      await this.mail.enqueue(
        invitationMail({ to: email, teamName: teamName ?? 'a team', inviterName: inviter?.displayName, link, expiresAt }),
      );
      await this.audit.record({
        teamId,
        action: 'invitation.created',
        targetType: 'invitation',
        targetId: row.id,
        data: { email: emailNormalized, roles },
      });
      return { ...toView(row), token };
    });
  }

  async list(teamId: string, query: { cursor?: string; limit?: number }): Promise<Page<InvitationView>> {
    const limit = query.limit ?? 50;
    const cursor = decodeCursor<{ id: string }>(query.cursor, ['id']);
    if (cursor && !isUuid(cursor.id)) throw Errors.validation('Invalid cursor', [{ field: 'cursor', message: 'cursor is not valid' }]);
    const rows = await this.repo.list(teamId, { beforeId: cursor?.id, limit: limit + 1 });
    return toPage(rows, limit, toView, (r) => ({ id: r.id }));
  }

  async revoke(teamId: string, invitationId: string, actor: UserActor): Promise<void> {
    if (!isUuid(invitationId)) throw Errors.notFound('Invitation');
    await this.db.inTeam(teamId, async () => {
      const current = await this.repo.findById(teamId, invitationId, { forUpdate: true });
      if (!current) throw Errors.notFound('Invitation');
      if (current.status === 'revoked') return; // idempotent
      if (current.status === 'accepted') throw Errors.unprocessable('INVITATION_USED', 'The invitation was already accepted');
      await this.repo.revoke(teamId, invitationId, actor.userId);
      await this.audit.record({
        teamId,
        action: 'invitation.revoked',
        targetType: 'invitation',
        targetId: invitationId,
        data: { email: current.email_normalized },
      });
    });
  }

  /**
   * Signed in: the account's e-mail must be the invited one (a forwarded link cannot add someone
   * else). Not signed in: creates the account of the invited address with `password` and
   * `displayName`; an address that already has an account must sign in instead (409).
   */
  async accept(token: string, principal: UserActor | undefined, body: { password?: string; displayName?: string }): Promise<AcceptResult> {
    if (!isInvitationTokenShape(token)) throw Errors.notFound('Invitation');
    const located = await this.repo.findTeamByTokenHash(hashInvitationToken(token));
    if (!located) throw Errors.notFound('Invitation');
    const teamId = located.team_id;

    if (!principal) {
      const details = [];
      if (body.password === undefined) details.push({ field: 'password', message: 'password is required to create an account' });
      if (body.displayName === undefined) details.push({ field: 'displayName', message: 'displayName is required to create an account' });
      if (details.length) throw Errors.validation('Sign in, or send password and displayName to create an account', details);
    }

    const result = await this.db.inTeam(teamId, async () => {
      // Row lock: concurrent accepts of one token serialise here, so it is used once.
      const invitation = await this.repo.findById(teamId, located.id, { forUpdate: true });
      if (!invitation) throw Errors.notFound('Invitation');
      assertOpen(invitation);

      let userId: string;
      let userEmail: string;
      let newAccount = false;
      if (principal) {
        const user = await this.users.findById(principal.userId);
        if (!user || user.status !== 'active') throw Errors.unauthenticated();
        if (normalizeEmail(user.email) !== invitation.email_normalized) {
          throw new DomainError(403, 'INVITATION_EMAIL_MISMATCH', 'The invitation was sent to a different e-mail address');
        }
        userId = user.id;
        userEmail = user.email;
      } else {
        if (await this.users.findByEmail(invitation.email)) {
          throw Errors.conflict('ACCOUNT_EXISTS', 'An account with this e-mail address exists: sign in to accept the invitation');
        }
        this.passwords.assertAcceptable(body.password!, invitation.email_normalized);
        const user = await this.users.createUser({ email: invitation.email, displayName: body.displayName!, password: body.password });
        userId = user.id;
        userEmail = user.email;
        newAccount = true;
      }

      // Idempotent: someone who joined meanwhile (e.g. through another invitation) gets the invited roles added.
      await this.membership.addMember(teamId, userId, invitation.role_codes, invitation.invited_by ?? undefined);
      await this.repo.markAccepted(teamId, invitation.id, userId);
      await this.invalidator.userChanged(userId);
      await this.audit.record({
        teamId,
        action: 'invitation.accepted',
        targetType: 'invitation',
        targetId: invitation.id,
        data: { userId, roles: invitation.role_codes, newAccount },
        ...(principal ? {} : { actorId: userId, actorType: 'user' as const }),
      });
      await this.activity.record({ userId, userEmail, teamId, action: 'invitation.accepted' });
      return { teamId, userId, roles: invitation.role_codes, newAccount };
    });

    const answer: AcceptResult = { teamId: result.teamId, userId: result.userId, roles: result.roles };
    if (result.newAccount) {
      // The new account is signed in to the team it just joined (saves an extra login round trip).
      const tokens = await this.sessions.issueTokens(result.userId, result.teamId);
      answer.accessToken = tokens.accessToken;
      answer.refreshToken = tokens.refreshToken;
    }
    return answer;
  }

  /**
   * Roles must exist in the team, and an inviter cannot hand out more than they hold: every
   * privilege of an invited role must be one of theirs, team_owner only by an owner (or platform admin).
   */
  private async assertRolesGrantable(teamId: string, actor: UserActor, roles: string[]): Promise<void> {
    if (roles.length === 0) return;
    const found = await this.repo.findAssignableRoles(teamId, roles);
    const missing = roles.filter((code) => !found.some((r) => r.code === code));
    if (missing.length) {
      throw Errors.unprocessable(
        'UNKNOWN_ROLE',
        `Unknown role(s) in this team: ${missing.join(', ')}`,
        missing.map((code) => ({ field: 'roles', message: `unknown role ${code}`, code })),
      );
    }
    const powers = teamPowers(actor, teamId);
    if (powers.unrestricted) return;
    for (const role of found) {
      const exceeds = role.system || role.privileges.some((p) => !powers.privileges.has(p));
      if (exceeds) throw Errors.forbidden(`You cannot grant role ${role.code}: it holds privileges you do not have`);
    }
  }
}

function assertOpen(invitation: InvitationRow): void {
  if (invitation.status === 'accepted') throw Errors.unprocessable('INVITATION_USED', 'The invitation was already used');
  if (invitation.status === 'revoked') throw Errors.unprocessable('INVITATION_REVOKED', 'The invitation was revoked');
  if (invitation.status === 'expired' || new Date(invitation.expires_at).getTime() <= Date.now()) {
    throw Errors.unprocessable('INVITATION_EXPIRED', 'The invitation has expired');
  }
}

function toView(row: InvitationRow): InvitationView {
  const expired = row.status === 'expired' || (row.status === 'pending' && new Date(row.expires_at).getTime() <= Date.now());
  return {
    id: row.id,
    email: row.email,
    roles: row.role_codes,
    status: expired ? 'expired' : row.status,
    expiresAt: new Date(row.expires_at).toISOString(),
    createdAt: new Date(row.created_at).toISOString(),
    invitedBy: row.invited_by,
    acceptedBy: row.accepted_by,
    acceptedAt: row.accepted_at ? new Date(row.accepted_at).toISOString() : null,
  };
}
