import { Module } from '@nestjs/common';
import { IdentityModule } from '@avn/identity';
import { RbacModule } from '@avn/rbac';
import { BootstrapAdminService } from './bootstrap-admin.service';

@Module({ imports: [IdentityModule, RbacModule], providers: [BootstrapAdminService], exports: [BootstrapAdminService] })
export class BootstrapModule {}
