import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { AppConfig } from './app-config';
import { cronProblem } from './cron';
import { DEPLOYMENT_OPTIONAL_KEYS, deploymentProblems } from './deployment-settings';

/** Thrown when the environment is invalid; `problems` holds one line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const SECRET_LIKE = /PASSWORD|SECRET|URL|KEY/;

function describe(error: ValidationError): string {
  const name = error.property;
  const reasons = Object.values(error.constraints ?? {});
  // Never echo a secret-looking value back (a DATABASE_URL holds a password).
  const shown = SECRET_LIKE.test(name) ? '' : ` (got ${JSON.stringify(error.value)})`;
  return `${name}: ${reasons[0] ?? 'is invalid'}${shown}`;
}

/** Builds the validated config from an environment. Only keys declared on AppConfig are read. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const defaults = new AppConfig();
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(defaults) as (keyof AppConfig)[]) {
    if (env[key] !== undefined) raw[key] = env[key];
  }
  // Optional keys have no default value, so they are not own properties of `defaults`.
  for (const key of [...OPTIONAL_KEYS, ...DEPLOYMENT_OPTIONAL_KEYS]) if (env[key] !== undefined) raw[key] = env[key];
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) throw new ConfigError(errors.map(describe));
  const schedule = cronProblem(config.BACKUP_SCHEDULE);
  if (schedule) throw new ConfigError([`BACKUP_SCHEDULE: ${schedule}`]);
  if (config.DATABASE_OWNER_URL && !config.DATABASE_URL) {
    throw new ConfigError(['DATABASE_OWNER_URL: needs DATABASE_URL (the embedded database has no separate owner)']);
  }
  const problems = deploymentProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const OPTIONAL_KEYS = [
  'PUBLIC_URL',
  'DATABASE_URL',
  'DATABASE_OWNER_URL',
  'REDIS_URL',
  'AVN_BOOTSTRAP_ADMIN_EMAIL',
  'AVN_BOOTSTRAP_ADMIN_PASSWORD',
  'LOCAL_KEY_FILE',
  'GCP_KEK_SECRET',
  'GCP_SECRET_MANAGER_ENDPOINT',
  'GCP_DATABASE_URL_SECRET',
  'SMTP_URL',
  'OIDC_PROVIDERS',
  'OBJECT_STORE_DIR',
  'OBJECT_STORE_URL',
  'S3_ENDPOINT',
  'S3_REGION',
  'STORAGE_EMULATOR_HOST',
] as const;
