import { Global, Module } from '@nestjs/common';
import { AccessInvalidator } from './access-invalidator';

/** Global: every writer module injects AccessInvalidator without importing the feature module. */
@Global()
@Module({ providers: [AccessInvalidator], exports: [AccessInvalidator] })
export class UserDetailsCoreModule {}
