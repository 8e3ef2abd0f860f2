import { Module } from '@nestjs/common';
import { VERSIONED_ENTRIES_PROVIDER } from './open-versioned-entries';
import { UserDetailsCoreModule } from './user-details-core.module';
import { ProductKeyGate } from './product-key-gate';
import { UserDetailsHttpRoute } from './user-details.http';
import { UserDetailsRepository } from './user-details.repository';
import { UserDetailsService } from './user-details.service';
import { UserDirectoryGrpcServer } from './user-directory.grpc';

/**
 * GetUserDetails (REST hot route + gRPC). Authenticates callers through the AuthGuard's ports
 * (ProductKeyVerifier, AccessTokenVerifier), which the API binds in AuthPortsModule.
 */
@Module({
  imports: [UserDetailsCoreModule],
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
