import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { Errors } from '@avn/common';

const SAFE_REL_PATH = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

/**
 * Resolves a product's provisioning script strictly INSIDE the scripts directory: a relative path of
 * plain segments (no `..`, no absolute path, no backslash), whose real path (symlinks followed) is a
 * regular file under the directory's real path. Throws 422 otherwise. Used both when the product is
 * saved and right before the script runs (the file may have changed since).
 */
export function resolveProvisioningScript(scriptsDir: string, relative: string): string {
  const invalid = () =>
    Errors.unprocessable('INVALID_PROVISIONING_SCRIPT', 'provisioningScript must be a file inside the provisioning scripts directory');
  if (typeof relative !== 'string' || relative.length === 0 || relative.length > 200) throw invalid();
  if (isAbsolute(relative) || relative.includes('\\') || !SAFE_REL_PATH.test(relative)) throw invalid();
  if (relative.split('/').some((segment) => segment === '..' || segment === '.')) throw invalid();
  let root: string;
  let real: string;
  try {
    root = realpathSync(resolve(scriptsDir));
    real = realpathSync(resolve(root, relative));
  } catch {
    throw Errors.unprocessable('PROVISIONING_SCRIPT_NOT_FOUND', 'provisioningScript does not exist in the provisioning scripts directory');
  }
  if (!real.startsWith(root + sep)) throw invalid();
  if (!statSync(real).isFile()) throw invalid();
  return real;
}
