import { Module } from '@nestjs/common';
import { AuditCoreModule } from '@avn/audit';
import { IdentityModule } from '@avn/identity';
import { MailModule } from '@avn/mail';
import { RbacModule } from '@avn/rbac';
import { UserDetailsCoreModule } from '@avn/user-details';
import { InvitationsController } from './invitations.controller';
import { InvitationsRepository } from './invitations.repository';
import { InvitationsService } from './invitations.service';

/** Team invitations. */
@Module({
  imports: [IdentityModule, RbacModule, MailModule, AuditCoreModule, UserDetailsCoreModule],
  controllers: [InvitationsController],
  providers: [InvitationsRepository, InvitationsService],
  exports: [InvitationsService],
})
export class InvitationsModule {}
