// A real OpenID Connect provider (oidc-provider, ESM-only) for the SSO e2e tests, run as a child
// process. Listens on 127.0.0.1 with an ephemeral port and prints {"issuer": ...} once ready.
// Login is non-interactive: the test opens the interaction URL with ?account=<id>, which stands for
// "this person typed the credentials of <id>". Account <id> has e-mail <id>@example.test, verified
// unless the id starts with "unverified". Consent is granted automatically (first-party client).
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const clients = JSON.parse(process.env.OIDC_TEST_CLIENTS ?? '[]');

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', use: 'sig', alg: 'RS256' };

// The subject is "sub-<id>" (oidc-provider uses the account id as sub), visibly not the e-mail.
const accountOf = (accountId) => {
  const id = accountId.replace(/^sub-/, '');
  return {
    accountId,
    claims: async () => ({
      sub: accountId,
      email: `${id}@example.test`,
      email_verified: !id.startsWith('unverified'),
      name: `Test ${id}`,
    }),
  };
};

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: ['oidc-test-provider-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  findAccount: async (_ctx, accountId) => accountOf(accountId),
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});
provider.on('server_error', (_ctx, error) => process.stderr.write(`oidc server_error: ${error.stack}\n`));

const handle = provider.callback();
server.on('request', async (req, res) => {
  const url = new URL(req.url, issuer);
  if (!url.pathname.startsWith('/interaction/')) return handle(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    const account = url.searchParams.get('account');
    if (details.prompt.name !== 'login' || !account) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`unexpected prompt ${details.prompt.name}`);
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: `sub-${account}` } }, { mergeWithLastSubmission: false });
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
  }
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
// The parent ends us; also stop when it goes away.
process.on('disconnect', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
