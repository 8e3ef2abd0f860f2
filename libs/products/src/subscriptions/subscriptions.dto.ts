import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';

const PLAN_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class CreateSubscriptionDto {
  @ApiProperty({ example: 'orders' })
  @IsString()
  @MaxLength(63)
  @Matches(/^[a-z][a-z0-9-]{1,62}$/, { message: 'productCode must be a product slug' })
  productCode: string;

  @ApiProperty({ example: 'pro' })
  @IsString()
  @MaxLength(64)
  @Matches(PLAN_RE, { message: 'plan must be 1-64 characters of [A-Za-z0-9._-]' })
  plan: string;

  @ApiPropertyOptional({ description: 'Members that may hold roles of the product; omitted = unlimited', minimum: 0, maximum: 1000000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  seats?: number;
}

export class UpdateSubscriptionDto {
  @ApiPropertyOptional({ example: 'enterprise' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(PLAN_RE, { message: 'plan must be 1-64 characters of [A-Za-z0-9._-]' })
  plan?: string;

  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: 'null = unlimited; lowering below the members holding product roles is refused (422 SEATS_EXHAUSTED)',
  })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  seats?: number | null;
}

export class SetDbConnectionDto {
  @ApiProperty({ example: 'postgres://orders_team:secret@db.internal:5432/orders_team' })
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^\u0000-\u001f\u007f]+$/, { message: 'connectionString must not contain control characters' })
  connectionString: string;
}

export class SubscriptionDto {
  @ApiProperty() productCode: string;
  @ApiProperty() productName: string;
  @ApiProperty() plan: string;
  @ApiProperty({ nullable: true, type: Number }) seats: number | null;
  @ApiProperty({ description: 'Members currently holding roles of the product' }) seatsUsed: number;
  @ApiProperty({ enum: ['provisioning', 'active', 'failed', 'canceled'] }) status: string;
  @ApiProperty({ nullable: true, type: String, description: 'Short reason when status is failed' }) failureReason: string | null;
  @ApiProperty() hasDbConnection: boolean;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ nullable: true, type: String }) canceledAt: string | null;
}

export class DbConnectionDto {
  @ApiProperty() teamId: string;
  @ApiProperty() productCode: string;
  @ApiProperty() connectionString: string;
}
