export * from './invitation-token';
export * from './invitations.repository';
export * from './invitations.service';
export * from './invitations.module';
export * from './error-codes';
