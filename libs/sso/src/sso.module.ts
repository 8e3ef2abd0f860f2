import { Module } from '@nestjs/common';
import { OAuthIdentitiesRepository } from './oauth-identities.repository';
import { OidcClientRegistry } from './oidc-client.registry';
import { SsoController } from './sso.controller';
import { SsoService } from './sso.service';

/** Sign-in through OpenID Connect providers (OIDC_PROVIDERS), validated when the module starts. */
@Module({
  controllers: [SsoController],
  providers: [OidcClientRegistry, OAuthIdentitiesRepository, SsoService],
  exports: [SsoService],
})
export class SsoModule {}
