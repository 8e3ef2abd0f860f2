export * from './users/user-record';
export * from './users/users.service';
export * from './password/password-policy';
export * from './sessions/sessions.service';
export * from './sessions/jwt-access-token.verifier';
export * from './sessions/access-tokens';
export * from './keys/key-ring.service';
export * from './identity.module';
