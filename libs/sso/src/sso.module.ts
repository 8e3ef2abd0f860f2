import { Module } from '@nestjs/common';
import { AuditCoreModule } from '@avn/audit';
import { IdentityModule } from '@avn/identity';
import { RbacModule } from '@avn/rbac';
import { OAuthIdentitiesRepository } from './oauth-identities.repository';
import { OidcClientRegistry } from './oidc-client.registry';
import { SsoController } from './sso.controller';
import { SsoService } from './sso.service';

/** Sign-in through OpenID Connect providers (OIDC_PROVIDERS), validated when the module starts. */
@Module({
  imports: [IdentityModule, RbacModule, AuditCoreModule],
  controllers: [SsoController],
  providers: [OidcClientRegistry, OAuthIdentitiesRepository, SsoService],
  exports: [SsoService],
})
export class SsoModule {}
