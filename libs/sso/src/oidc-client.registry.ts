import { Injectable, Logger } from '@nestjs/common';
import { BaseClient, custom, Issuer } from 'openid-client';
import { Errors } from '@avn/common';
import { AppConfig } from '@avn/config';
import { OidcProviderConfig, parseOidcProviders } from './oidc-providers.config';

// Bounded calls to identity providers: a slow IdP must not hold requests for long.
custom.setHttpOptionsDefaults({ timeout: 5000 });

/**
 * The configured providers (validated when the module starts) and their openid-client Clients.
 * Discovery is lazy and cached, so an IdP that is down at start-up does not stop the server; a
 * failed discovery is retried on the next login.
 */
@Injectable()
export class OidcClientRegistry {
  private readonly logger = new Logger(OidcClientRegistry.name);
  private readonly providers: Map<string, OidcProviderConfig>;
  private readonly clients = new Map<string, Promise<BaseClient>>();

  constructor(private readonly config: AppConfig) {
    this.providers = new Map(parseOidcProviders(config.OIDC_PROVIDERS).map((p) => [p.name, p]));
  }

  get(name: string): OidcProviderConfig {
    const provider = this.providers.get(name);
    if (!provider) throw Errors.notFound('Identity provider');
    return provider;
  }

  redirectUri(provider: OidcProviderConfig): string {
    return `${this.config.publicUrl}/v1/auth/oidc/${provider.name}/callback`;
  }

  async client(provider: OidcProviderConfig): Promise<BaseClient> {
    let pending = this.clients.get(provider.name);
    if (!pending) {
      pending = this.discover(provider);
      this.clients.set(provider.name, pending);
      pending.catch(() => this.clients.delete(provider.name));
    }
    try {
      return await pending;
    } catch {
      throw Errors.unavailable('identity provider');
    }
  }

  private async discover(provider: OidcProviderConfig): Promise<BaseClient> {
    try {
      const issuer = await Issuer.discover(provider.issuer);
      return new issuer.Client({
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
        token_endpoint_auth_method: provider.clientSecret ? 'client_secret_basic' : 'none',
        redirect_uris: [this.redirectUri(provider)],
        response_types: ['code'],
      });
    } catch (error) {
      this.logger.warn(`OIDC discovery of provider ${provider.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  }
}
