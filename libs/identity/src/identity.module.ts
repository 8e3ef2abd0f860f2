import { Global, Module } from '@nestjs/common';
import { AccessTokenVerifier } from '@avn/common';
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
import { AccessTokens } from './sessions/access-tokens';
import { JwtAccessTokenVerifier } from './sessions/jwt-access-token.verifier';
import { SessionState } from './sessions/session-state';
import { SessionsJanitor } from './sessions/sessions-janitor';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

/**
 * Users, credentials, sessions and tokens. Global: it provides the AccessTokenVerifier the AuthGuard
 * uses, and UsersService / SessionsService / PasswordPolicy for invitations and SSO.
 */
@Global()
@Module({
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
    SigningKeysRepository,
    KeyRing,
    AccessTokens,
    SessionsRepository,
    SessionState,
    SessionsService,
    SessionsJanitor,
    JwtAccessTokenVerifier,
    { provide: AccessTokenVerifier, useExisting: JwtAccessTokenVerifier },
  ],
  exports: [UsersService, SessionsService, PasswordPolicy, KeyRing, AccessTokenVerifier],
})
export class IdentityModule {}
