import { Module } from '@nestjs/common';
import { AccessInvalidator } from './access-invalidator';

/** The read model's invalidation, imported by every module whose writes change GetUserDetails answers. */
@Module({ providers: [AccessInvalidator], exports: [AccessInvalidator] })
export class UserDetailsCoreModule {}
