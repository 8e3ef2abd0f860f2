import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors as oidcErrors, generators, TokenSet } from 'openid-client';
import { ActivityLogService, AuditService } from '@avn/audit';
import { CacheKeys, CacheStore } from '@avn/cache';
import { DomainError, Errors } from '@avn/common';
import { DatabaseService } from '@avn/database';
import { SessionsService, UsersService } from '@avn/identity';
import { MembershipService } from '@avn/rbac';
import { OidcClientRegistry } from './oidc-client.registry';
import { OidcProviderConfig } from './oidc-providers.config';
import { OAuthIdentitiesRepository } from './oauth-identities.repository';

/** How long a started login may take at the IdP. */
export const OIDC_STATE_TTL_SECONDS = 600;
/** Browser binding of a pending login (cookie name prefix; the rest identifies the login). */
export const OIDC_COOKIE_PREFIX = 'avn_oidc_';

interface PendingLogin {
  provider: string;
  codeVerifier: string;
  nonce: string;
  /** SHA-256 of the browser-binding cookie value. */
  binding: string;
}

export interface SsoLoginResult {
  accessToken: string;
  refreshToken: string;
  activeTeamId: string | null;
  user: { id: string; email: string; displayName: string };
}

const ssoFailed = (message: string) => new DomainError(401, 'SSO_FAILED', message);
const badState = () => new DomainError(400, 'OIDC_STATE_INVALID', 'Unknown, expired or already used login state');
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const random = () => randomBytes(32).toString('base64url');

/**
 * Sign-in through OpenID Connect (authorization code + PKCE S256, state and nonce). The pending
 * login lives server-side in the cache for OIDC_STATE_TTL_SECONDS and is consumed once; a cookie
 * binds it to the browser that started it (login CSRF). The IdP account is then resolved:
 * linked identity -> that user; else an account with the same e-mail, only if the IdP says the
 * e-mail is verified; else a new account if the provider allows it (also only for a verified e-mail).
 */
@Injectable()
export class SsoService {
  private readonly logger = new Logger(SsoService.name);

  constructor(
    private readonly registry: OidcClientRegistry,
    private readonly cache: CacheStore,
    private readonly db: DatabaseService,
    private readonly identities: OAuthIdentitiesRepository,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly membership: MembershipService,
    private readonly audit: AuditService,
    private readonly activity: ActivityLogService,
  ) {}

  async start(providerName: string): Promise<{ location: string; cookieName: string; cookieValue: string }> {
    const provider = this.registry.get(providerName);
    const client = await this.registry.client(provider);
    const state = random();
    const nonce = random();
    const codeVerifier = generators.codeVerifier();
    const bindingValue = random();
    const pending: PendingLogin = { provider: provider.name, codeVerifier, nonce, binding: sha256(bindingValue) };
    try {
      await this.cache.set(CacheKeys.oidcState(state), JSON.stringify(pending), OIDC_STATE_TTL_SECONDS);
    } catch {
      throw Errors.unavailable('cache');
    }
    const location = client.authorizationUrl({
      redirect_uri: this.registry.redirectUri(provider),
      response_type: 'code',
      scope: provider.scope,
      state,
      nonce,
      code_challenge: generators.codeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { location, cookieName: cookieNameFor(state), cookieValue: bindingValue };
  }

  async callback(
    providerName: string,
    params: Record<string, string | undefined>,
    cookies: Record<string, string>,
  ): Promise<SsoLoginResult> {
    const provider = this.registry.get(providerName);
    const state = params.state;
    if (!state || state.length > 128) throw badState();
    const pending = await this.consume(state);
    if (!pending || pending.provider !== provider.name) throw badState();
    const cookie = cookies[cookieNameFor(state)];
    if (!cookie || !sameText(sha256(cookie), pending.binding)) throw badState();
    if (params.error) throw ssoFailed(`The identity provider refused the login: ${String(params.error).slice(0, 100)}`);
    if (!params.code) throw ssoFailed('The identity provider returned no authorization code');

    const client = await this.registry.client(provider);
    let tokenSet: TokenSet;
    let claims: Record<string, unknown>;
    try {
      tokenSet = await client.callback(this.registry.redirectUri(provider), params, {
        state,
        nonce: pending.nonce,
        code_verifier: pending.codeVerifier,
        response_type: 'code',
      });
      claims = { ...tokenSet.claims() };
      if (claims.email === undefined && tokenSet.access_token) {
        // Providers that keep scope claims out of the ID token serve them at userinfo (same sub, checked by the client).
        claims = { ...(await client.userinfo(tokenSet)), ...claims };
      }
    } catch (error) {
      if (error instanceof oidcErrors.OPError || error instanceof oidcErrors.RPError) {
        this.logger.warn(`OIDC callback of ${provider.name} refused: ${error.message}`);
        throw ssoFailed('The login could not be verified with the identity provider');
      }
      if (error instanceof DomainError) throw error;
      this.logger.warn(`OIDC provider ${provider.name} unreachable: ${error instanceof Error ? error.message : String(error)}`);
      throw Errors.unavailable('identity provider');
    }

    const subject = typeof claims.sub === 'string' ? claims.sub : undefined;
    if (!subject) throw ssoFailed('The identity provider returned no subject');
    const email = typeof claims.email === 'string' ? claims.email.trim() : undefined;
    const emailVerified = claims.email_verified === true || claims.email_verified === 'true';
    const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 200) : undefined;

    let user;
    try {
      user = await this.db.transaction(() => this.resolveUser(provider, subject, email, emailVerified, name));
    } catch (error) {
      if (error instanceof DomainError && error.status === 403) {
        await this.activity.record({ userEmail: email ?? null, action: 'login.sso_refused' });
      }
      throw error;
    }
    if (user.status !== 'active') throw Errors.forbidden('The account is disabled');
    // Like a password login without teamId: the first team the user belongs to becomes active.
    const [firstTeam] = await this.membership.listTeamsOfUser(user.id);
    const tokens = await this.sessions.issueTokens(user.id, firstTeam?.id);
    await this.activity.record({
      userId: user.id,
      userEmail: user.email,
      teamId: tokens.activeTeamId ?? null,
      action: 'login.sso_succeeded',
    });
    return {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      activeTeamId: tokens.activeTeamId ?? null,
      user: { id: user.id, email: user.email, displayName: user.displayName },
    };
  }

  private async resolveUser(
    provider: OidcProviderConfig,
    subject: string,
    email: string | undefined,
    emailVerified: boolean,
    name?: string,
  ) {
    const linkedUserId = await this.identities.findUserId(provider.name, subject);
    if (linkedUserId) {
      const linked = await this.users.findById(linkedUserId);
      if (!linked) throw ssoFailed('The linked account no longer exists');
      await this.identities.touch(provider.name, subject, email ?? null);
      return linked;
    }
    if (!email) throw new DomainError(403, 'SSO_EMAIL_MISSING', 'The identity provider did not share an e-mail address');
    // Linking or creating by e-mail trusts the IdP's word that the address belongs to this person.
    if (!emailVerified) throw new DomainError(403, 'SSO_EMAIL_UNVERIFIED', 'The identity provider has not verified this e-mail address');

    const existing = await this.users.findByEmail(email);
    if (existing) {
      await this.identities.link(provider.name, subject, existing.id, email);
      await this.audit.record({
        action: 'user.sso_linked',
        targetType: 'user',
        targetId: existing.id,
        data: { provider: provider.name },
        actorId: existing.id,
        actorType: 'user',
      });
      return existing;
    }
    if (!provider.autoCreateUsers) {
      throw new DomainError(
        403,
        'SSO_SIGNUP_DISABLED',
        'No account exists for this e-mail address and sign-up through this provider is disabled',
      );
    }
    const created = await this.users.createUser({ email, displayName: name ?? email.split('@')[0].slice(0, 200) });
    await this.identities.link(provider.name, subject, created.id, email);
    await this.audit.record({
      action: 'user.created_via_sso',
      targetType: 'user',
      targetId: created.id,
      data: { provider: provider.name },
      actorId: created.id,
      actorType: 'user',
    });
    return created;
  }

  /** Reads and deletes the pending login; only the caller whose DEL removed it may use it. */
  private async consume(state: string): Promise<PendingLogin | undefined> {
    const key = CacheKeys.oidcState(state);
    try {
      const raw = await this.cache.get(key);
      if (!raw) return undefined;
      if ((await this.cache.del(key)) !== 1) return undefined;
      return JSON.parse(raw) as PendingLogin;
    } catch (error) {
      if (error instanceof SyntaxError) return undefined;
      throw Errors.unavailable('cache');
    }
  }
}

export function cookieNameFor(state: string): string {
  return `${OIDC_COOKIE_PREFIX}${sha256(state).slice(0, 16)}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
