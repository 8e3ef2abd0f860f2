import { ApiProperty } from '@nestjs/swagger';

// Response documentation only: the body is JSON text built by PostgreSQL (aventian.user_details_many,
// migration 0502; the shape of aventian.user_details, migrations 0500/0501), never by these classes.
export class UserDetailsUserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: string;
}

export class UserDetailsSubscriptionDto {
  @ApiProperty({ example: 'pro' }) plan!: string;
  @ApiProperty({ example: 'active' }) status!: string;
}

export class UserDetailsRoleDto {
  @ApiProperty({ example: 'orders.admin' }) code!: string;
  @ApiProperty({ example: 'Orders admin' }) name!: string;
  @ApiProperty({ description: 'Invisible system role (e.g. team_owner)' }) system!: boolean;
}

export class UserDetailsTeamDto {
  @ApiProperty({ format: 'uuid' }) teamId!: string;
  @ApiProperty() teamName!: string;
  @ApiProperty({ type: UserDetailsSubscriptionDto }) subscription!: UserDetailsSubscriptionDto;
  @ApiProperty({ type: [UserDetailsRoleDto] }) roles!: UserDetailsRoleDto[];
  @ApiProperty({ type: [String], description: "The calling product's privileges only, sorted", example: ['orders:read', 'orders:write'] })
  privileges!: string[];
}

export class UserDetailsResponseDto {
  @ApiProperty({ type: UserDetailsUserDto }) user!: UserDetailsUserDto;
  @ApiProperty({ description: 'Code of the calling product', example: 'orders' }) product!: string;
  @ApiProperty({
    type: [UserDetailsTeamDto],
    description: 'Teams the user belongs to that hold an active subscription to the calling product; empty for a disabled user',
  })
  teams!: UserDetailsTeamDto[];
}
