import { Module } from '@nestjs/common';
import { UserDetailsController } from './user-details.controller';
import { UserDetailsRepository } from './user-details.repository';
import { UserDetailsService } from './user-details.service';
import { UserDirectoryGrpcServer } from './user-directory.grpc';

/** GetUserDetails (REST + gRPC). AccessInvalidator lives in the global UserDetailsCoreModule. */
@Module({
  controllers: [UserDetailsController],
  providers: [UserDetailsRepository, UserDetailsService, UserDirectoryGrpcServer],
  exports: [UserDetailsService, UserDirectoryGrpcServer],
})
export class UserDetailsModule {}
