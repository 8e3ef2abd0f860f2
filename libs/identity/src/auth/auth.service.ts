import { Injectable } from '@nestjs/common';
import { ActivityLogService, AuditService } from '@avn/audit';
import { Errors, RequestContext } from '@avn/common';
import { AppConfig } from '@avn/config';
import { DatabaseService } from '@avn/database';
import { MembershipService, TeamsService } from '@avn/rbac';
import { PasswordVerifier } from '../password/password-verifier';
import { IssuedTokens, SessionsService } from '../sessions/sessions.service';
import { normalizeEmail } from '../users/user-record';
import { UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';
import { LoginThrottle, RateLimiter } from './login-throttle';

export interface SignupInput {
  email: string;
  password: string;
  displayName: string;
  teamName: string;
}

const INVALID_CREDENTIALS = 'Invalid e-mail or password';

/** Sign-up, password login, team switching and logout. */
@Injectable()
export class AuthService {
  constructor(
    private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly users: UsersService,
    private readonly usersRepo: UsersRepository,
    private readonly passwords: PasswordVerifier,
    private readonly sessions: SessionsService,
    private readonly teams: TeamsService,
    private readonly membership: MembershipService,
    private readonly throttle: LoginThrottle,
    private readonly rateLimiter: RateLimiter,
    private readonly audit: AuditService,
    private readonly activity: ActivityLogService,
  ) {}

  /** User, team (owner) and first session in ONE transaction: no half-created accounts. */
  async signup(input: SignupInput) {
    const ip = RequestContext.current()?.ip;
    if (ip) await this.rateLimiter.hit('signup', ip, this.config.SIGNUP_MAX_PER_IP_PER_HOUR, 3600);
    const result = await this.db.transaction(async () => {
      const user = await this.users.createUser({ email: input.email, displayName: input.displayName, password: input.password });
      const team = await this.teams.createTeamWithOwner(user.id, input.teamName);
      await this.audit.record({
        action: 'user.signed_up',
        targetType: 'user',
        targetId: user.id,
        data: { email: user.email, teamId: team.id },
        actorId: user.id,
        actorType: 'user',
      });
      await this.activity.record({ userId: user.id, userEmail: user.email, teamId: team.id, action: 'signup' });
      const tokens = await this.sessions.issueTokens(user.id, team.id);
      return { user, team, tokens };
    });
    return {
      user: { id: result.user.id, email: result.user.email, displayName: result.user.displayName },
      team: { id: result.team.id, name: result.team.name },
      accessToken: result.tokens.accessToken,
      refreshToken: result.tokens.refreshToken,
    };
  }

  async login(input: { email: string; password: string; teamId?: string }) {
    const email = normalizeEmail(input.email);
    const reservation = await this.throttle.reserve(email, RequestContext.current()?.ip);
    const user = await this.usersRepo.findByNormalizedEmail(email);
    const ok = await this.passwords.verify(user, input.password);
    if (!ok || !user || user.status !== 'active') {
      await this.activity.record({ userId: user?.id ?? null, userEmail: email, action: 'login.failed' });
      throw Errors.unauthenticated(INVALID_CREDENTIALS);
    }
    await this.throttle.succeeded(reservation);
    await this.passwords.rehashIfNeeded(user, input.password);

    let teamId: string | undefined;
    if (input.teamId) {
      if (!(await this.membership.isMember(input.teamId, user.id))) throw Errors.notFound('Team');
      teamId = input.teamId;
    } else {
      teamId = (await this.membership.listTeamsOfUser(user.id))[0]?.id;
    }
    const tokens = await this.sessions.issueTokens(user.id, teamId);
    await this.usersRepo.touchLastLogin(user.id);
    await this.activity.record({ userId: user.id, userEmail: user.email, teamId: teamId ?? null, action: 'login.succeeded' });
    return {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      user: { id: user.id, email: user.email, displayName: user.display_name },
      activeTeamId: tokens.activeTeamId,
    };
  }

  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const { accessToken, refreshToken: next, activeTeamId } = await this.sessions.refresh(refreshToken);
    return { accessToken, refreshToken: next, activeTeamId };
  }

  /** New tokens for the caller's session carrying another team (404 for a team the user is not in). */
  async switchTeam(userId: string, sessionId: string | undefined, teamId: string): Promise<IssuedTokens> {
    if (!(await this.membership.isMember(teamId, userId))) throw Errors.notFound('Team');
    const tokens = sessionId ? await this.sessions.switchTeam(sessionId, userId, teamId) : await this.sessions.issueTokens(userId, teamId);
    const user = await this.usersRepo.findById(userId);
    await this.activity.record({ userId, userEmail: user?.email ?? null, teamId, action: 'team.switched' });
    return tokens;
  }

  /** Ends the caller's session and the session of `refreshToken` when it is the caller's. Idempotent. */
  async logout(userId: string, sessionId: string | undefined, refreshToken: string): Promise<void> {
    const owner = await this.sessions.ownerOfRefreshToken(refreshToken);
    await this.db.transaction(async () => {
      if (sessionId) await this.sessions.revokeSession(sessionId, 'logout');
      if (owner && owner.userId === userId && owner.sessionId !== sessionId) await this.sessions.revokeSession(owner.sessionId, 'logout');
    });
    const user = await this.usersRepo.findById(userId);
    await this.activity.record({ userId, userEmail: user?.email ?? null, action: 'logout' });
  }
}
