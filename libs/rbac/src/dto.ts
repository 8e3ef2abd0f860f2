import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsName, PageQueryDto } from '@avn/common';

export const ROLE_CODE_RE = /^[a-z][a-z0-9._-]{0,62}$/;
const PRIVILEGE_CODE_RE = /^[a-z][a-z0-9._-]{0,62}:[a-z][a-z0-9._-]{0,62}$/;

const queryBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class CreateTeamDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Acme' })
  @IsName()
  name: string;
}

export class UpdateTeamDto extends CreateTeamDto {}

export class ListTeamsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Platform admins only: list every team' })
  @IsOptional()
  @Transform(queryBool)
  @IsBoolean()
  all?: boolean;
}

export class ListRolesQueryDto {
  @ApiPropertyOptional({ description: 'Include the invisible system roles (team_owner, system template roles)' })
  @IsOptional()
  @Transform(queryBool)
  @IsBoolean()
  includeSystem?: boolean;
}

export class SetRolePrivilegesDto {
  @ApiProperty({ type: [String], maxItems: 200, example: ['team.members:read'] })
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(127, { each: true })
  @Matches(PRIVILEGE_CODE_RE, { each: true, message: 'each privilege must look like resourceType:action' })
  privileges: string[];
}

/** A custom role: its code and name plus the privileges of SetRolePrivilegesDto. */
export class CreateRoleDto extends SetRolePrivilegesDto {
  @ApiProperty({ pattern: ROLE_CODE_RE.source, maxLength: 63, example: 'billing.viewer' })
  @IsString()
  @MaxLength(63)
  @Matches(ROLE_CODE_RE, { message: 'code must be lowercase letters, digits, dot, dash or underscore, starting with a letter' })
  code: string;

  @ApiProperty({ minLength: 1, maxLength: 200 })
  @IsName()
  name: string;
}

export class SetMemberRolesDto {
  @ApiProperty({ type: [String], maxItems: 100 })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  @Matches(ROLE_CODE_RE, { each: true, message: 'each role must be a role code' })
  roles: string[];
}

export class TeamResponse {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional() createdAt?: string;
  @ApiPropertyOptional() updatedAt?: string;
}

export class RoleResponse {
  @ApiProperty() code: string;
  @ApiProperty() name: string;
  @ApiProperty() system: boolean;
  @ApiProperty({ type: [String] }) privileges: string[];
}

export class MemberResponse {
  @ApiProperty() userId: string;
  @ApiProperty() email: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ type: [String] }) roles: string[];
}

export class MemberRolesResponse {
  @ApiProperty() userId: string;
  @ApiProperty({ type: [String] }) roles: string[];
}

export class TeamPageResponse {
  @ApiProperty({ type: [TeamResponse] }) items: TeamResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class MemberPageResponse {
  @ApiProperty({ type: [MemberResponse] }) items: MemberResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class RoleListResponse {
  @ApiProperty({ type: [RoleResponse] }) items: RoleResponse[];
}
