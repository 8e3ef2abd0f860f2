import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { IsName, PageQueryDto, trimString } from '@avn/common';
import { PASSWORD_MAX_LENGTH } from './password/password-policy';

/** BCP 47 language tag, loosely: "en", "pt-BR", "zh-Hant-TW". */
const LOCALE_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;

export class SignupDto {
  @ApiProperty({ format: 'email', maxLength: 320, example: 'ada@example.com' })
  @Transform(trimString)
  @IsString()
  @MaxLength(320)
  @IsEmail()
  email: string;

  @ApiProperty({
    minLength: 12,
    maxLength: PASSWORD_MAX_LENGTH,
    description: 'At least 12 characters, not a common password, not containing the e-mail name',
  })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Ada Lovelace' })
  @IsName()
  displayName: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Acme' })
  @IsName()
  teamName: string;
}

export class LoginDto {
  @ApiProperty({ format: 'email', maxLength: 320 })
  @Transform(trimString)
  @IsString()
  @MaxLength(320)
  // No TLD required: the embedded installation's first admin is admin@localhost.
  @IsEmail({ require_tld: false })
  email: string;

  @ApiProperty({ maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;

  @ApiPropertyOptional({ format: 'uuid', description: "Team to activate (must be one of the user's teams); default: the first team" })
  @IsOptional()
  @IsUUID()
  teamId?: string;
}

export class RefreshDto {
  @ApiProperty({ maxLength: 128 })
  @IsString()
  @MaxLength(128)
  refreshToken: string;
}

export class LogoutDto extends RefreshDto {}

export class SwitchTeamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  teamId: string;
}

export class UpdateMeDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsName()
  displayName?: string;

  @ApiPropertyOptional({ maxLength: 35, example: 'en-GB', description: 'BCP 47 language tag' })
  @IsOptional()
  @IsString()
  @MaxLength(35)
  @Matches(LOCALE_RE, { message: 'locale must be a BCP 47 language tag such as en or pt-BR' })
  locale?: string;

  @ApiPropertyOptional({ minLength: 12, maxLength: PASSWORD_MAX_LENGTH, description: 'New password; needs currentPassword' })
  @IsOptional()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password?: string;

  @ApiPropertyOptional({ maxLength: PASSWORD_MAX_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword?: string;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ maxLength: 320, description: 'Prefix of the (case-insensitive) e-mail address' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';

  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsName()
  displayName?: string;
}

export class UserIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId: string;
}

// --- responses (OpenAPI) ---

export class UserRefDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() displayName: string;
}

export class TeamRefDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
}

export class TeamWithRolesDto extends TeamRefDto {
  @ApiProperty({ type: [String] }) roles: string[];
}

export class SignupResponseDto {
  @ApiProperty({ type: UserRefDto }) user: UserRefDto;
  @ApiProperty({ type: TeamRefDto }) team: TeamRefDto;
  @ApiProperty() accessToken: string;
  @ApiProperty() refreshToken: string;
}

export class TokensResponseDto {
  @ApiProperty() accessToken: string;
  @ApiProperty() refreshToken: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) activeTeamId: string | null;
}

export class LoginResponseDto extends TokensResponseDto {
  @ApiProperty({ type: UserRefDto }) user: UserRefDto;
}

export class ProfileDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() displayName: string;
  @ApiProperty() locale: string;
  @ApiProperty({ type: [TeamWithRolesDto] }) teams: TeamWithRolesDto[];
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) activeTeamId: string | null;
}

export class UserSummaryDto extends UserRefDto {
  @ApiProperty({ enum: ['active', 'disabled'] }) status: string;
}

export class UserDetailDto extends UserSummaryDto {
  @ApiProperty() locale: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: [TeamWithRolesDto] }) teams: TeamWithRolesDto[];
}

export class UserPageDto {
  @ApiProperty({ type: [UserSummaryDto] }) items: UserSummaryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
