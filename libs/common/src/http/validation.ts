import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorDetail, Errors } from '../errors/domain-error';

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      // class-validator's whitelist message is "property x should not exist"; keep it, it names the field.
      details.push({ field, message });
    }
    if (error.children?.length) details.push(...flatten(error.children, field));
  }
  return details;
}

/** Global pipe: strips nothing silently — unknown fields are refused, types are converted. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => Errors.validation('Request validation failed', flatten(errors)),
  });
}
