import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { existsSync } from 'node:fs';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value);
const emptyToUndefined = ({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/**
 * The variables that decide how an instance sits in a fleet: its admin listener, TLS, the drain on
 * SIGTERM. AppConfig extends this class (one configuration object; these live apart only to keep
 * each file readable). Cross-variable rules for production are in `deploymentProblems`.
 */
export class DeploymentSettings {
  /** Optional second listener for platform-admin-only routes, /metrics and /docs (then 404 on PORT). */
  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'must be an integer between 0 and 65535' })
  @Min(0, { message: 'must be an integer between 0 and 65535' })
  @Max(65535, { message: 'must be an integer between 0 and 65535' })
  ADMIN_PORT?: number;

  /** On SIGTERM: how long in-flight HTTP requests and gRPC calls may take to finish before their connections are cut. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_GRACE_MS = 10_000;

  /** PEM certificate chain and private key: HTTPS (and gRPC over TLS) with TLS 1.3 minimum. Both or neither. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  TLS_CERT_FILE?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  TLS_KEY_FILE?: string;

  /** CA bundle (PEM) trusted for PostgreSQL TLS when DATABASE_URL says sslmode=verify-ca/verify-full (libpq's variable). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  PGSSLROOTCERT?: string;

  /** CA bundle (PEM) trusted for a rediss:// REDIS_URL, in addition to the system's. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  REDIS_TLS_CA_FILE?: string;

  get tlsEnabled(): boolean {
    return this.TLS_CERT_FILE !== undefined;
  }
}

/** Keys of DeploymentSettings without a default (so not own properties of a fresh instance). */
export const DEPLOYMENT_OPTIONAL_KEYS = ['ADMIN_PORT', 'TLS_CERT_FILE', 'TLS_KEY_FILE', 'PGSSLROOTCERT', 'REDIS_TLS_CA_FILE'] as const;

interface DeploymentView extends DeploymentSettings {
  NODE_ENV: string;
  PORT: number;
  GRPC_PORT: number;
  PUBLIC_URL?: string;
  DATABASE_URL?: string;
  SECRET_PROVIDER: string;
  LOCAL_KEY_FILE?: string;
}

/**
 * Rules that involve several variables, one line per problem. "Production" is NODE_ENV=production;
 * a production deployment on PostgreSQL (DATABASE_URL) is a fleet, whose instances must share their
 * key and their public URL.
 */
export function deploymentProblems(c: DeploymentView): string[] {
  const problems: string[] = [];
  if (c.NODE_ENV === 'production' && !c.PUBLIC_URL) {
    problems.push('PUBLIC_URL: required when NODE_ENV=production (token issuer and base of mailed links; the same on every instance)');
  }
  if (c.NODE_ENV === 'production' && c.DATABASE_URL && c.SECRET_PROVIDER === 'local' && !c.LOCAL_KEY_FILE) {
    problems.push(
      'LOCAL_KEY_FILE: required when NODE_ENV=production with a DATABASE_URL and SECRET_PROVIDER=local ' +
        '(every instance must read the same key file, e.g. a mounted secret; or use SECRET_PROVIDER=gcp)',
    );
  }
  if ((c.TLS_CERT_FILE === undefined) !== (c.TLS_KEY_FILE === undefined)) {
    problems.push(`${c.TLS_CERT_FILE === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE'}: TLS_CERT_FILE and TLS_KEY_FILE go together`);
  }
  for (const name of ['TLS_CERT_FILE', 'TLS_KEY_FILE', 'PGSSLROOTCERT', 'REDIS_TLS_CA_FILE'] as const) {
    const path = c[name];
    if (path !== undefined && !existsSync(path)) problems.push(`${name}: no such file (${path})`);
  }
  if (c.ADMIN_PORT !== undefined && c.ADMIN_PORT !== 0 && (c.ADMIN_PORT === c.PORT || c.ADMIN_PORT === c.GRPC_PORT)) {
    problems.push('ADMIN_PORT: must differ from PORT and GRPC_PORT');
  }
  return problems;
}
