import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsDashboardUrl } from './dashboard-url';

export const PRODUCT_CODE_RE = /^[a-z][a-z0-9-]{1,62}$/;
export const NAME_PART_RE = /^[a-z][a-z0-9._-]{0,62}$/;

export class CreateProductDto {
  @ApiProperty({ example: 'orders', description: 'Slug, unique and immutable', pattern: PRODUCT_CODE_RE.source })
  @IsString()
  @MaxLength(63)
  @Matches(PRODUCT_CODE_RE, { message: 'code must be a lowercase slug (a-z, 0-9, -), 2-63 characters, starting with a letter' })
  code: string;

  @ApiProperty({ example: 'Orders' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'example-provision.js', description: 'File name or relative path inside PROVISIONING_SCRIPTS_DIR' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  provisioningScript: string;

  @ApiProperty({ example: 'https://orders.example.com', description: 'https (http only for localhost/127.0.0.1)' })
  @IsString()
  @MaxLength(2048)
  @IsDashboardUrl()
  dashboardUrl: string;

  @ApiProperty({ type: [String], example: ['orders', 'invoices'] })
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  @Matches(NAME_PART_RE, { each: true, message: 'each resource type must match ^[a-z][a-z0-9._-]{0,62}$' })
  allowedResourceTypes: string[];
}

/** `code` is deliberately absent: it is immutable, so sending it is an unknown field (400). */
export class UpdateProductDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  provisioningScript?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsDashboardUrl()
  dashboardUrl?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  @Matches(NAME_PART_RE, { each: true, message: 'each resource type must match ^[a-z][a-z0-9._-]{0,62}$' })
  allowedResourceTypes?: string[];

  @ApiPropertyOptional({ enum: ['active', 'retired'] })
  @IsOptional()
  @IsIn(['active', 'retired'])
  status?: 'active' | 'retired';
}

export class ProductDto {
  @ApiProperty() id: string;
  @ApiProperty() code: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Platform admins only (absent from the list for anyone else)' })
  provisioningScript?: string | null;
  @ApiProperty({ nullable: true, type: String }) dashboardUrl: string | null;
  @ApiProperty({ type: [String] }) allowedResourceTypes: string[];
  @ApiProperty({ enum: ['active', 'retired'] }) status: 'active' | 'retired';
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class CreatePrivilegeDto {
  @ApiProperty({ example: 'orders' })
  @IsString()
  @MaxLength(63)
  @Matches(NAME_PART_RE, { message: 'resourceType must match ^[a-z][a-z0-9._-]{0,62}$' })
  resourceType: string;

  @ApiProperty({ example: 'read' })
  @IsString()
  @MaxLength(63)
  @Matches(NAME_PART_RE, { message: 'action must match ^[a-z][a-z0-9._-]{0,62}$' })
  action: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class PrivilegeDto {
  @ApiProperty({ example: 'orders:read' }) code: string;
  @ApiProperty() id: string;
  @ApiProperty() resourceType: string;
  @ApiProperty() action: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty() createdAt: string;
}

export class CreateRoleTemplateDto {
  @ApiProperty({ example: 'orders.admin' })
  @IsString()
  @MaxLength(63)
  @Matches(NAME_PART_RE, { message: 'code must match ^[a-z][a-z0-9._-]{0,62}$' })
  code: string;

  @ApiProperty({ example: 'Orders admin' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ type: [String], example: ['orders:read', 'orders:write'] })
  @IsArray()
  @ArrayMaxSize(500)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(127, { each: true })
  privileges: string[];

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  system?: boolean;
}

export class SetTemplatePrivilegesDto {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMaxSize(500)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(127, { each: true })
  privileges: string[];
}

export class RoleTemplateDto {
  @ApiProperty() id: string;
  @ApiProperty() code: string;
  @ApiProperty() name: string;
  @ApiProperty() system: boolean;
  @ApiProperty({ type: [String] }) privileges: string[];
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'orders backend (prod)' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;
}

export class CreatedApiKeyDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'avn_pk_AbCdEfGhIjKl' }) prefix: string;
  @ApiProperty({ description: 'The whole key; shown only in this response' }) key: string;
}

export class ApiKeyDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() prefix: string;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt: string | null;
  @ApiProperty() createdAt: string;
}
