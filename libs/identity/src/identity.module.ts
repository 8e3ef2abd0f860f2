import { Module } from '@nestjs/common';
import { AuditCoreModule } from '@avn/audit';
import { RbacModule } from '@avn/rbac';
import { UserDetailsCoreModule } from '@avn/user-details';
import { UserAdminService } from './admin/user-admin.service';
import { UsersController } from './admin/users.controller';
import { AuthController } from './auth/auth.controller';
import { AuthService } from './auth/auth.service';
import { LoginThrottle, RateLimiter } from './auth/login-throttle';
import { JwksController } from './keys/jwks.controller';
import { KeyRing } from './keys/key-ring.service';
import { MeController } from './me/me.controller';
import { ProfileService } from './me/profile.service';
import { SigningKeysRepository } from './keys/signing-keys.repository';
import { PasswordPolicy } from './password/password-policy';
import { PasswordVerifier } from './password/password-verifier';
import { AccessTokens } from './sessions/access-tokens';
import { JwtAccessTokenVerifier } from './sessions/jwt-access-token.verifier';
import { SessionState } from './sessions/session-state';
import { SessionsJanitor } from './sessions/sessions-janitor';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

/**
 * Users, credentials, sessions and tokens. Exports UsersService / SessionsService / PasswordPolicy
 * for invitations, SSO and the bootstrap step; the API binds the AuthGuard's AccessTokenVerifier
 * port to JwtAccessTokenVerifier.
 */
@Module({
  imports: [RbacModule, AuditCoreModule, UserDetailsCoreModule],
  controllers: [AuthController, MeController, UsersController, JwksController],
  providers: [
    LoginThrottle,
    RateLimiter,
    AuthService,
    ProfileService,
    UserAdminService,
    UsersRepository,
    UsersService,
    PasswordPolicy,
    PasswordVerifier,
    SigningKeysRepository,
    KeyRing,
    AccessTokens,
    SessionsRepository,
    SessionState,
    SessionsService,
    SessionsJanitor,
    JwtAccessTokenVerifier,
  ],
  exports: [UsersService, SessionsService, PasswordPolicy, KeyRing, JwtAccessTokenVerifier],
})
export class IdentityModule {}
