// A real OpenID provider for the tests: `oidc-provider` (a certified implementation from npm),
// with its own development sign-in pages (any name signs in as the account of that name).
//
//   node end2end/oidc/provider.mjs <port> <redirect_uri>[,<redirect_uri>…] [accounts.json]
//
// The client is `sightline` with secret `sightline-test-secret`; the accounts are below, or in
// the JSON file given, read again at every sign-in (so that a test can take a group away).
// Prints "ready <issuer>" once it listens.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 4400);
const redirects = (process.argv[3] || '').split(',').filter(Boolean);
const issuer = `http://127.0.0.1:${port}`;

const accountsFile = process.argv[4];
const builtIn = {
  ann: { email: 'ann@corp.example', name: 'Ann Corp', groups: ['Analysts', 'North team'] },
  bob: { email: 'bob@corp.example', name: 'Bob Corp', groups: ['North team'] },
  eve: { email: 'eve@elsewhere.example', name: 'Eve Elsewhere', groups: [] },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'sightline',
    client_secret: 'sightline-test-secret',
    redirect_uris: redirects,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  pkce: { required: () => true },
  findAccount: async (ctx, id) => {
    const accounts = accountsFile ? JSON.parse(readFileSync(accountsFile, 'utf8')) : builtIn;
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      claims: async () => ({ sub: `corp-${id}`, email_verified: true, ...account }),
    };
  },
  cookies: { keys: ['sightline-test-cookie-key'] },
});
// The development pages warn on every start; the tests know.
provider.on('server_error', (ctx, error) => console.error('oidc-provider:', error));
provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
