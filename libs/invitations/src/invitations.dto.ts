import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsEmail, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsName, trimString } from '@avn/common';

export class CreateInvitationDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 320 })
  @Transform(trimString)
  @IsString()
  @MaxLength(320)
  @IsEmail()
  email: string;

  @ApiProperty({ type: [String], example: ['member'], description: 'Codes of roles of the team granted on acceptance' })
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  @Matches(/^[a-z][a-z0-9._-]{0,62}$/, { each: true, message: 'each role must be a role code' })
  roles: string[];
}

export class AcceptInvitationDto {
  @ApiPropertyOptional({ description: 'Only without credentials: password of the new account', maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  password?: string;

  @ApiPropertyOptional({ description: 'Only without credentials: display name of the new account', maxLength: 200 })
  @IsOptional()
  @IsName()
  displayName?: string;
}

export class InvitationCreatedDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiProperty({ enum: ['pending'] }) status: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty({ description: 'Shown only in this response (also e-mailed to the invitee)' }) token: string;
}

export class InvitationDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiProperty({ enum: ['pending', 'accepted', 'revoked', 'expired'] }) status: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({ nullable: true }) invitedBy: string | null;
  @ApiPropertyOptional({ nullable: true }) acceptedBy: string | null;
  @ApiPropertyOptional({ nullable: true }) acceptedAt: string | null;
}

export class InvitationPageDto {
  @ApiProperty({ type: [InvitationDto] }) items: InvitationDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class InvitationAcceptedDto {
  @ApiProperty() teamId: string;
  @ApiProperty() userId: string;
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiPropertyOptional({ description: 'Only when the call created a new account: tokens signing it in to the team' })
  accessToken?: string;
  @ApiPropertyOptional() refreshToken?: string;
}
