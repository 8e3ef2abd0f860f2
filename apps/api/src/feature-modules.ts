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
 * Capability modules served by the API. Each bounded context adds its one module here; the module
 * imports the feature modules it depends on (nothing but infrastructure is global), and if it
 * implements one of the AuthGuard's ports it is bound in AppModule's AuthPortsModule.
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
