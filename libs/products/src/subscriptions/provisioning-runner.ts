import { Injectable, Logger } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { AppConfig } from '@avn/config';

export type ProvisioningResult = { ok: true; connectionString: string } | { ok: false; reason: string };

const MAX_STDOUT_BYTES = 64 * 1024;
const MAX_CONNECTION_STRING = 4096;

/**
 * Runs a product's provisioning script as a child process: no shell (arguments are passed as an
 * array, never interpolated), a minimal environment (PATH only: the control plane's secrets never
 * reach the script), a hard time limit (the whole process group is killed), and a size-capped
 * stdout that must be one JSON object `{"connectionString": "..."}`. Failure reasons are short
 * fixed phrases: the script's output is never logged nor stored, it may contain secrets.
 */
@Injectable()
export class ProvisioningRunner {
  private readonly logger = new Logger('Provisioning');

  constructor(private readonly config: AppConfig) {}

  run(scriptPath: string, teamId: string, productCode: string): Promise<ProvisioningResult> {
    const timeoutMs = this.config.PROVISIONING_TIMEOUT_MS;
    return new Promise<ProvisioningResult>((resolve) => {
      let settled = false;
      let stdoutBytes = 0;
      const chunks: Buffer[] = [];
      const finish = (result: ProvisioningResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!result.ok) this.logger.warn(`provisioning ${productCode} for team ${teamId} failed: ${result.reason}`);
        resolve(result);
      };

      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(scriptPath, [teamId, productCode], {
          cwd: dirname(scriptPath),
          env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' },
          stdio: ['ignore', 'pipe', 'pipe'],
          shell: false,
          detached: true, // own process group, so a timeout kills whatever the script started too
          windowsHide: true,
        });
      } catch {
        return resolve({ ok: false, reason: 'the provisioning script could not be started' });
      }

      const kill = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      };
      const timer = setTimeout(() => {
        kill();
        finish({ ok: false, reason: `the provisioning script timed out after ${timeoutMs} ms` });
      }, timeoutMs);

      child.stdout!.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes > MAX_STDOUT_BYTES) {
          kill();
          finish({ ok: false, reason: 'the provisioning script wrote too much output' });
          return;
        }
        chunks.push(chunk);
      });
      child.stderr!.resume(); // drained and discarded: may contain secrets
      child.on('error', () => finish({ ok: false, reason: 'the provisioning script could not be started' }));
      child.on('close', (code, signal) => {
        if (settled) return;
        if (signal) return finish({ ok: false, reason: `the provisioning script was killed by ${signal}` });
        if (code !== 0) return finish({ ok: false, reason: `the provisioning script exited with code ${code}` });
        finish(parseOutput(Buffer.concat(chunks).toString('utf8')));
      });
    });
  }
}

function parseOutput(stdout: string): ProvisioningResult {
  const invalid: ProvisioningResult = { ok: false, reason: 'the provisioning script did not print {"connectionString": "..."}' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.trim());
  } catch {
    return invalid;
  }
  const value = (parsed as { connectionString?: unknown } | null)?.connectionString;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof value !== 'string') return invalid;
  // eslint-disable-next-line no-control-regex
  if (value.length === 0 || value.length > MAX_CONNECTION_STRING || /[\u0000-\u001f\u007f]/.test(value)) return invalid;
  return { ok: true, connectionString: value };
}
