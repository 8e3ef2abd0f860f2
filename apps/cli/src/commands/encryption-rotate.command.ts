import { ConnectionVault } from '@avn/products';
import type { CliCommand } from '../cli-command';

/**
 * KEK rotation, online: a new KEK version from the SecretProvider, then every team data key is
 * re-wrapped (one short transaction each). `--reencrypt` also gives each team a new data key and
 * re-encrypts its connection strings. Old KEK versions keep decrypting until this finishes, so
 * running servers are never interrupted; an interrupted run is completed by running it again.
 */
export const encryptionRotateCommand: CliCommand = {
  name: 'encryption:rotate',
  usage: 'encryption:rotate [--reencrypt]',
  description: 'Rotate the key-encryption key and re-wrap every team data key (--reencrypt: new data keys, rows re-encrypted)',
  async run(args, ctx) {
    const unknown = args.filter((a) => a !== '--reencrypt');
    if (unknown.length) {
      ctx.out(`unknown argument(s): ${unknown.join(' ')}`);
      return 2;
    }
    const app = await ctx.app();
    const report = await app.get(ConnectionVault, { strict: false }).rotate({ reencrypt: args.includes('--reencrypt'), log: ctx.out });
    ctx.out(
      `KEK ${report.kek.id} version ${report.kek.version}: ${report.rewrapped} data key(s) re-wrapped` +
        (args.includes('--reencrypt')
          ? `, ${report.reencryptedTeams} team(s) / ${report.reencryptedRows} connection(s) re-encrypted`
          : '') +
        (report.failed ? `, ${report.failed} FAILED (see log; re-run to complete)` : ''),
    );
    return report.failed ? 1 : 0;
  },
};
