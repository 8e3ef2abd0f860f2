import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { PageQueryDto } from '@avn/common';
import { Type } from 'class-transformer';
import { IsDate, IsEmail, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

const ACTION_RE = /^[A-Za-z0-9._:-]{1,128}$/;

class AuditTimeRangeDto {
  @ApiPropertyOptional({ description: 'Inclusive lower bound (ISO-8601)', type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  from?: Date;

  @ApiPropertyOptional({ description: 'Exclusive upper bound (ISO-8601)', type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  to?: Date;
}

export class AuditEventsFilterDto extends AuditTimeRangeDto {
  @ApiPropertyOptional({ description: 'Team chain; required unless the caller is a platform admin', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  teamId?: string;

  @ApiPropertyOptional({ example: 'team.renamed' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(ACTION_RE)
  action?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  actorId?: string;
}

/** Filters plus the common cursor/limit of every list. */
export class AuditEventsQueryDto extends IntersectionType(AuditEventsFilterDto, PageQueryDto) {}

export class AuditExportQueryDto extends AuditEventsFilterDto {
  @ApiPropertyOptional({ enum: ['ndjson', 'csv'], default: 'ndjson' })
  @IsOptional()
  @IsIn(['ndjson', 'csv'])
  format?: 'ndjson' | 'csv';
}

export class ActivityFilterDto extends AuditTimeRangeDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Required unless the caller is a platform admin' })
  @IsOptional()
  @IsUUID()
  teamId?: string;

  @ApiPropertyOptional({ format: 'email' })
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  userEmail?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  productId?: string;

  @ApiPropertyOptional({ example: 'auth.login' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(ACTION_RE)
  action?: string;
}

export class ActivityQueryDto extends IntersectionType(ActivityFilterDto, PageQueryDto) {}

export class AuditVerifyQueryDto {
  @ApiPropertyOptional({ description: "Team chain to verify; 'platform' for the platform chain; omitted: every chain" })
  @IsOptional()
  @IsString()
  @MaxLength(36)
  @Matches(/^(platform|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/, {
    message: "teamId must be a UUID or 'platform'",
  })
  teamId?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Also compare the database with the anchors in the object store' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: "anchors must be 'true' or 'false'" })
  anchors?: 'true' | 'false';
}

export class AuditTargetDto {
  @ApiProperty({ nullable: true, type: String }) type: string | null;
  @ApiProperty({ nullable: true, type: String }) id: string | null;
}

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) ts: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'null = platform chain' }) teamId: string | null;
  @ApiProperty({ description: 'Position in the chain (decimal string)' }) seq: string;
  @ApiProperty({ nullable: true, type: String }) actorId: string | null;
  @ApiProperty({ enum: ['user', 'product_key', 'system'] }) actorType: string;
  @ApiProperty() action: string;
  @ApiProperty({ type: AuditTargetDto, nullable: true }) target: AuditTargetDto | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) requestId: string | null;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ description: 'SHA-256(prevHash ‖ canonical JSON), hex' }) hash: string;
  @ApiProperty({ nullable: true, type: String, description: 'hex; null for the first event of a chain' }) prevHash: string | null;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items: AuditEventDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ActivityDto {
  @ApiProperty({ nullable: true, type: String }) userEmail: string | null;
  @ApiProperty({ nullable: true, type: String }) teamId: string | null;
  @ApiProperty({ nullable: true, type: String }) productId: string | null;
  @ApiProperty() action: string;
  @ApiProperty({ format: 'date-time' }) timestamp: string;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
}

export class ActivityPageDto {
  @ApiProperty({ type: [ActivityDto] }) items: ActivityDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class AuditVerifyResultDto {
  @ApiProperty() ok: boolean;
  @ApiProperty({ description: 'Events checked' }) checked: number;
  @ApiPropertyOptional({ format: 'uuid' }) firstBrokenId?: string;
  @ApiPropertyOptional({ description: 'Why the chain breaks at firstBrokenId (anchors: truncated, anchor_mismatch, bad_anchor_signature)' })
  reason?: string;
  @ApiPropertyOptional({ description: "The broken chain: a team id or 'platform'" }) chain?: string;
  @ApiPropertyOptional({ description: 'Seq where the chain breaks (anchors: the anchored seq the database lost or changed)' }) seq?: string;
  @ApiPropertyOptional({ description: 'anchor_mismatch: the rewrite is at or after this seq' }) sinceSeq?: string;
  @ApiPropertyOptional({ description: 'anchors=true: anchors compared' }) anchorsChecked?: number;
}

export class SigningKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['Ed25519'] }) algorithm: string;
  @ApiProperty({ description: 'SPKI PEM' }) publicKeyPem: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class SigningKeysDto {
  @ApiProperty({ type: [SigningKeyDto] }) items: SigningKeyDto[];
}
