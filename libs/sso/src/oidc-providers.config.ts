/** One OpenID Connect provider from OIDC_PROVIDERS. */
export interface OidcProviderConfig {
  name: string;
  issuer: string;
  clientId: string;
  /** Absent: a public client (PKCE only, token_endpoint_auth_method "none"). */
  clientSecret?: string;
  /** First SSO login of an unknown (verified) e-mail creates the account; otherwise 403 SSO_SIGNUP_DISABLED. */
  autoCreateUsers: boolean;
  scope: string;
}

export class OidcConfigError extends Error {
  constructor(message: string) {
    super(`Invalid configuration:\n  - OIDC_PROVIDERS: ${message}`);
    this.name = 'OidcConfigError';
  }
}

const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const KNOWN_KEYS = new Set(['name', 'issuer', 'clientId', 'clientSecret', 'autoCreateUsers', 'scope']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Parses and validates OIDC_PROVIDERS at start-up; throws OidcConfigError naming the entry and field
 * (never echoing a secret) so a typo stops the server instead of failing at the first login.
 */
export function parseOidcProviders(raw: string | undefined): OidcProviderConfig[] {
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new OidcConfigError(`is not valid JSON (${error instanceof SyntaxError ? error.message : 'parse error'})`);
  }
  if (!Array.isArray(parsed)) throw new OidcConfigError('must be a JSON array of {name, issuer, clientId, clientSecret, autoCreateUsers}');
  const names = new Set<string>();
  return parsed.map((entry, index): OidcProviderConfig => {
    const where = `entry ${index}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new OidcConfigError(`${where} must be an object`);
    const e = entry as Record<string, unknown>;
    const unknown = Object.keys(e).filter((k) => !KNOWN_KEYS.has(k));
    if (unknown.length) throw new OidcConfigError(`${where} has unknown field(s) ${unknown.join(', ')}`);
    if (typeof e.name !== 'string' || !NAME_RE.test(e.name)) {
      throw new OidcConfigError(`${where}.name must match ${NAME_RE} (it is part of the callback URL)`);
    }
    if (names.has(e.name)) throw new OidcConfigError(`${where}.name "${e.name}" is used twice`);
    names.add(e.name);
    const at = `provider "${e.name}"`;
    let issuer: URL;
    try {
      issuer = new URL(String(e.issuer));
    } catch {
      throw new OidcConfigError(`${at}: issuer must be a URL`);
    }
    if (typeof e.issuer !== 'string' || !(issuer.protocol === 'https:' || (issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname)))) {
      throw new OidcConfigError(`${at}: issuer must be an https URL (http only for localhost)`);
    }
    if (typeof e.clientId !== 'string' || e.clientId.length < 1 || e.clientId.length > 255) {
      throw new OidcConfigError(`${at}: clientId must be a non-empty string`);
    }
    if (e.clientSecret !== undefined && (typeof e.clientSecret !== 'string' || e.clientSecret.length < 1)) {
      throw new OidcConfigError(`${at}: clientSecret must be a non-empty string when set`);
    }
    if (e.autoCreateUsers !== undefined && typeof e.autoCreateUsers !== 'boolean') {
      throw new OidcConfigError(`${at}: autoCreateUsers must be true or false`);
    }
    if (e.scope !== undefined && (typeof e.scope !== 'string' || !e.scope.split(' ').includes('openid'))) {
      throw new OidcConfigError(`${at}: scope must be a space-separated string containing "openid"`);
    }
    return {
      name: e.name,
      issuer: e.issuer.replace(/\/$/, ''),
      clientId: e.clientId,
      clientSecret: e.clientSecret as string | undefined,
      autoCreateUsers: e.autoCreateUsers === true,
      scope: (e.scope as string | undefined) ?? 'openid email profile',
    };
  });
}
