import { KeyRing } from '@avn/identity';
import type { CliCommand } from '../cli-command';

/**
 * Creates a new JWT signing key and retires the current one. Tokens signed with the old key keep
 * verifying (and its public key stays in the JWKS) until they can no longer be valid.
 */
export const keysRotateCommand: CliCommand = {
  name: 'keys:rotate',
  description: 'Rotate the JWT signing key (old public keys keep verifying until their tokens expire)',
  async run(_args, ctx) {
    const app = await ctx.app();
    const result = await app.get(KeyRing, { strict: false }).rotate();
    ctx.out(`new signing key ${result.kid}`);
    for (const kid of result.retired) ctx.out(`retired ${kid} (verifies for ${result.verifyRetiredForSeconds}s more)`);
    return 0;
  },
};
