import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, MaxLength, MinLength } from 'class-validator';

/** class-transformer step: trims a string, leaves anything else for the validators to refuse. */
export const trimString = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** A human-readable name (display name, team name, role name): trimmed, then 1–200 characters. */
export const IsName = () => applyDecorators(Transform(trimString), IsString(), MinLength(1), MaxLength(200));
