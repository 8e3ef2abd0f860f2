import { Module } from '@nestjs/common';
import { VERSIONED_ENTRIES_PROVIDER } from './open-versioned-entries';
import { ProductKeyGate } from './product-key-gate';
import { UserDetailsHttpRoute } from './user-details.http';
import { UserDetailsRepository } from './user-details.repository';
import { UserDetailsService } from './user-details.service';
import { UserDirectoryGrpcServer } from './user-directory.grpc';

/** GetUserDetails (REST + gRPC). AccessInvalidator lives in the global UserDetailsCoreModule. */
@Module({
  providers: [
    VERSIONED_ENTRIES_PROVIDER,
    UserDetailsRepository,
    UserDetailsService,
    ProductKeyGate,
    UserDetailsHttpRoute,
    UserDirectoryGrpcServer,
  ],
  exports: [UserDetailsService, UserDirectoryGrpcServer],
})
export class UserDetailsModule {}
