import { Transform } from 'class-transformer';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { DeploymentSettings } from './deployment-settings';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value);
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/**
 * Every environment variable the control plane reads, with its default (with those of
 * DeploymentSettings, which it extends). Property names are the variable names so an error message
 * names exactly what to fix. The README's configuration table mirrors this class.
 */
export class AppConfig extends DeploymentSettings {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsString()
  HOST = '127.0.0.1';

  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 0 and 65535' })
  @Min(0, { message: 'must be an integer between 0 and 65535' })
  @Max(65535, { message: 'must be an integer between 0 and 65535' })
  PORT = 3000;

  @Transform(toInt)
  @IsInt({ message: 'must be an integer between 0 and 65535' })
  @Min(0, { message: 'must be an integer between 0 and 65535' })
  @Max(65535, { message: 'must be an integer between 0 and 65535' })
  GRPC_PORT = 50051;

  /** Public base URL of this server (used in printed links, e-mails and OIDC callbacks). Default http://HOST:PORT. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'must be an http(s) URL' })
  PUBLIC_URL?: string;

  /** PostgreSQL URL. Unset: embedded PGlite under DATA_DIR. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  /**
   * The schema owner's PostgreSQL URL, for migrations, backup and restore. Set it and DATABASE_URL can
   * be a login role without ownership (a NOINHERIT member of DATABASE_APP_ROLE): a runtime session
   * then holds no owner rights whatever role it sets (SET ROLE NONE included). Unset: DATABASE_URL is the owner's.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_OWNER_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_MAX = 10;

  @Transform(toBool)
  @IsBoolean()
  DATABASE_SSL = false;

  /** Non-owner role the runtime switches to (SET ROLE) so row-level security and grants apply. */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a lowercase SQL identifier' })
  DATABASE_APP_ROLE = 'aventian_app';

  @Transform(toBool)
  @IsBoolean()
  MIGRATE_ON_START = true;

  /** Where embedded data lives (PGlite files, local key file, local object store). */
  @IsString()
  @MinLength(1)
  DATA_DIR = '.data';

  /** Redis URL. Unset: in-process cache (single instance only). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/[^\s]*$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @Matches(/^[A-Za-z0-9:_\-.]{0,64}$/, { message: 'must be at most 64 characters of [A-Za-z0-9:_-.]' })
  CACHE_KEY_PREFIX = 'avn:';

  /**
   * GetUserDetails serves cached answers only while its last confirmation of the PostgreSQL cache
   * epoch is younger than this (renewed every quarter of it); a write that cannot reach Redis returns
   * only after this much time, so every instance has applied it (see libs/user-details/README.md).
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  CACHE_EPOCH_LEASE_MS = 1000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Trust X-Forwarded-For from a reverse proxy (client IP for audit and per-IP lockout). */
  @Transform(toBool)
  @IsBoolean()
  TRUST_PROXY = false;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(50 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsEmail({}, { message: 'must be an e-mail address' })
  AVN_BOOTSTRAP_ADMIN_EMAIL?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((c: AppConfig) => c.AVN_BOOTSTRAP_ADMIN_EMAIL !== undefined || c.AVN_BOOTSTRAP_ADMIN_PASSWORD !== undefined)
  @IsString({ message: 'must be set together with AVN_BOOTSTRAP_ADMIN_EMAIL' })
  @MinLength(12, { message: 'must be at least 12 characters' })
  @MaxLength(256)
  AVN_BOOTSTRAP_ADMIN_PASSWORD?: string;

  // --- secrets / crypto ---
  @IsIn(['local', 'gcp'])
  SECRET_PROVIDER: 'local' | 'gcp' = 'local';

  /** Key-encryption key file for SECRET_PROVIDER=local. Default DATA_DIR/master.key (created 0600). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  LOCAL_KEY_FILE?: string;

  /** Secret Manager resource of the KEK, e.g. projects/p/secrets/aventian-kek (SECRET_PROVIDER=gcp). */
  @Transform(emptyToUndefined)
  @ValidateIf((c: AppConfig) => c.SECRET_PROVIDER === 'gcp')
  @Matches(/^projects\/[^/\s]+\/secrets\/[^/\s]+$/, { message: 'must be projects/<project>/secrets/<name> when SECRET_PROVIDER=gcp' })
  GCP_KEK_SECRET?: string;

  @IsString()
  GCP_KEK_VERSION = 'latest';

  /** Optional Secret Manager endpoint override (host:port), for tests and private endpoints. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[^\s:]+:\d{1,5}$/, { message: 'must be host:port' })
  GCP_SECRET_MANAGER_ENDPOINT?: string;

  /** Optional Secret Manager resource version holding the core DATABASE_URL. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^projects\/[^/\s]+\/secrets\/[^/\s]+\/versions\/[^/\s]+$/, { message: 'must be projects/<p>/secrets/<s>/versions/<v>' })
  GCP_DATABASE_URL_SECRET?: string;

  // --- identity ---
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(24 * 3600)
  ACCESS_TOKEN_TTL_SECONDS = 900;

  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(365 * 24 * 3600)
  REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

  /** Absolute end of a session counted from its sign-in, however often it is refreshed (sliding refresh never passes it). */
  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(5 * 365 * 24 * 3600)
  SESSION_MAX_LIFETIME_SECONDS = 90 * 24 * 3600;

  /** A refresh token presented again this soon after it was rotated into the current one is a concurrent refresh (409), not a replay. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  REFRESH_REUSE_GRACE_SECONDS = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 3600)
  LOGIN_LOCKOUT_SECONDS = 900;

  /** Failed logins from one client IP (any account) before that IP is locked for LOGIN_LOCKOUT_SECONDS. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  LOGIN_MAX_FAILURES_PER_IP = 50;

  /** Sign-ups accepted from one client IP per hour. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  SIGNUP_MAX_PER_IP_PER_HOUR = 50;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 90)
  INVITATION_TTL_HOURS = 168;

  /** SMTP transport, e.g. smtp://user:pass@host:587. Unset: mail is written to the log. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\/[^\s]+$/, { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsString()
  MAIL_FROM = 'Aventian <no-reply@aventian.local>';

  /** How often each instance delivers due mail from the outbox; 0 disables the timer (tests drive it). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600000)
  MAIL_DISPATCH_INTERVAL_MS = 5000;

  /** JSON array of OIDC providers: [{"name","issuer","clientId","clientSecret","autoCreateUsers"}]. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OIDC_PROVIDERS?: string;

  // --- products ---
  /** Provisioning scripts must live under this directory; the request only names a product. */
  @IsString()
  PROVISIONING_SCRIPTS_DIR = 'scripts/provisioning';

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  PROVISIONING_TIMEOUT_MS = 30000;

  // --- audit / retention / backups ---
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  AUDIT_CHECKPOINT_INTERVAL = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_DAYS = 8;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  AUDIT_RETENTION_DAYS = 365;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  BACKUP_RETENTION_DAYS = 8;

  /** Where backups, audit archives and anchors go: file:///abs/dir, s3://bucket/prefix, gs://bucket/prefix. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(file:\/\/\/\S+|(s3|gs):\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/\S*)?)$/, {
    message: 'must be file:///absolute/dir, s3://bucket[/prefix] or gs://bucket[/prefix]',
  })
  OBJECT_STORE_URL?: string;

  /** Deprecated alias of OBJECT_STORE_URL=file:///dir (used only when OBJECT_STORE_URL is unset). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OBJECT_STORE_DIR?: string;

  /** S3-compatible endpoint (R2, MinIO); unset: AWS. Credentials: the AWS SDK's default chain. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+\/?$/, { message: 'must be an http(s) URL without a path' })
  S3_ENDPOINT?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[a-z0-9-]{2,40}$/, { message: 'must be a region name such as us-east-1 or auto' })
  S3_REGION?: string;

  @Transform(toBool)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  /** GCS emulator or test server (http://host:port); no credentials are sent to it. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+\/?$/, { message: 'must be http(s)://host:port' })
  STORAGE_EMULATOR_HOST?: string;

  /** Cron expression (5 fields, UTC) of the scheduled backup, e.g. "0 3 * * *"; empty: no scheduled backup. */
  @IsString()
  BACKUP_SCHEDULE = '';

  /** A chain with events newer than its last signed checkpoint gets one (and an anchor) within this time. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  AUDIT_CHECKPOINT_MAX_LAG_SECONDS = 60;

  /** Audit anchor job (checkpoints chain heads, writes checkpoints to the object store): auto = on except NODE_ENV=test. */
  @IsIn(['auto', 'on', 'off'])
  AUDIT_ANCHOR_JOB: 'auto' | 'on' | 'off' = 'auto';

  /** In-app retention schedule; `auto` is the former default, kept as a synonym of `on`. */
  @IsIn(['auto', 'on', 'off'])
  RETENTION_JOB: 'auto' | 'on' | 'off' = 'on';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(7 * 24 * 60)
  RETENTION_JOB_INTERVAL_MINUTES = 60;

  /** Per-table retention overrides in days, e.g. "aventian.tbl_invitations=30,aventian.tbl_mail_outbox=2". */
  @Matches(/^([a-z_]+\.[a-z_]+=\d{1,4})?(,[a-z_]+\.[a-z_]+=\d{1,4})*$/, { message: 'must be schema.table=days[,schema.table=days...]' })
  RETENTION_TABLE_DAYS = '';

  /**
   * Directory for files (local key file, local object store). With DATA_DIR=memory:// (tests,
   * throw-away runs) files go to a per-process temporary directory instead.
   */
  get fileDataDir(): string {
    return this.DATA_DIR === 'memory://' ? join(tmpdir(), `aventian-memory-${process.pid}`) : this.DATA_DIR;
  }

  /** Where migrations, backup and restore connect: the owner's URL, else DATABASE_URL (undefined: embedded). */
  get ownerDatabaseUrl(): string | undefined {
    return this.DATABASE_OWNER_URL ?? this.DATABASE_URL;
  }

  get isEmbeddedDatabase(): boolean {
    return !this.DATABASE_URL;
  }

  get isEmbeddedCache(): boolean {
    return !this.REDIS_URL;
  }

  get publicUrl(): string {
    const host = this.HOST === '0.0.0.0' || this.HOST === '::' ? 'localhost' : this.HOST;
    return (this.PUBLIC_URL ?? `http://${host}:${this.PORT}`).replace(/\/$/, '');
  }
}
