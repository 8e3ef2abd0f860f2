import type { DynamicModule, Type } from '@nestjs/common';
import { ProductsModule } from '@avn/products';
import { IdentityModule } from '@avn/identity';
import { RbacModule } from '@avn/rbac';
import { MailModule } from '@avn/mail';
import { InvitationsModule } from '@avn/invitations';
import { SsoModule } from '@avn/sso';
import { UserDetailsModule } from '@avn/user-details';
import { AuditModule } from '@avn/audit';

/**
 * Capability modules served by the API. Each bounded context adds its one module here and
 * touches nothing else of the app: its module provides its controllers, services, repositories
 * and (globally) the auth abstractions it implements (AccessTokenVerifier, ProductKeyVerifier, UserAccessReader).
 */
export const featureModules: Array<Type<unknown> | DynamicModule> = [
  ProductsModule,
  IdentityModule,
  RbacModule,
  MailModule,
  InvitationsModule,
  SsoModule,
  UserDetailsModule,
  AuditModule,
];
