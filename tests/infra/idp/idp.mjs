// Loopback-only OpenID Connect provider for the integration tests, started by
// tests/support/idp.rs. npm package oidc-provider (panva, OpenID-certified), pinned
// in package-lock.json and installed by scripts/install-test-deps.sh.
// Device authorization grant (RFC 8628) + dev interactions (a login form that
// accepts any login and any password), introspection and revocation.
//
// Env:
//   OIDC_PORT     port on 127.0.0.1 (required)
//   OIDC_ISSUER   default http(s)://127.0.0.1:$OIDC_PORT
//   OIDC_TLS_CERT / OIDC_TLS_KEY  PEM files: serve HTTPS instead of HTTP
//   OIDC_DOMAIN   default example.test; login "alice" => alice@example.test
//   OIDC_SIGNING_KEY  RSA private key PEM; default: a fresh RSA-2048 key per start
//   OIDC_KID      kid of the signing key (default test-rs256)
//   OIDC_TTL_DEVICE_CODE / OIDC_TTL_ACCESS_TOKEN  seconds (default 600 / 3600)
//   OIDC_DEVICE_INTERVAL  seconds; adds "interval" to device authorization responses
//                 (oidc-provider omits it, so clients would poll every 5 s). 0 = omit.
//   OIDC_JWT_ACCESS_TOKENS=1  JWT access tokens (header typ "JWT") for the resource
//                 OIDC_RESOURCE (default urn:example:imap) instead of opaque ones.
//
// A `nonce` sent with a device authorization request comes back in the ID token.
//
// Accounts: the login becomes the accountId (= sub); email = login if it contains
// '@', else login@OIDC_DOMAIN; email_verified is always true.
import Provider from 'oidc-provider';
import { readFileSync } from 'node:fs';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import https from 'node:https';

const PORT = Number(process.env.OIDC_PORT);
if (!PORT) throw new Error('OIDC_PORT is required');
const TLS = process.env.OIDC_TLS_CERT && process.env.OIDC_TLS_KEY;
const ISSUER = process.env.OIDC_ISSUER || `${TLS ? 'https' : 'http'}://127.0.0.1:${PORT}`;
const DOMAIN = process.env.OIDC_DOMAIN || 'example.test';
const RESOURCE = process.env.OIDC_RESOURCE || 'urn:example:imap';
const JWT_AT = process.env.OIDC_JWT_ACCESS_TOKENS === '1';
const TTL_DC = Number(process.env.OIDC_TTL_DEVICE_CODE || 600);
const TTL_AT = Number(process.env.OIDC_TTL_ACCESS_TOKEN || 3600);
const INTERVAL = Number(process.env.OIDC_DEVICE_INTERVAL || 0);

const signingKey = process.env.OIDC_SIGNING_KEY
  ? createPrivateKey(readFileSync(process.env.OIDC_SIGNING_KEY))
  : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const jwks = {
  keys: [{ ...signingKey.export({ format: 'jwk' }), kid: process.env.OIDC_KID || 'test-rs256', alg: 'RS256', use: 'sig' }],
};

const emailOf = (id) => (id.includes('@') ? id : `${id}@${DOMAIN}`);

const deviceClient = (client_id, client_name) => ({
  client_id,
  client_name,
  application_type: 'native',
  token_endpoint_auth_method: 'none',
  grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
  response_types: [],
  redirect_uris: [],
});

const configuration = {
  clients: [
    // the terminal mail reader: public client, device grant
    deviceClient('mailreader', 'Test Mail Reader'),
    // a second public client: its ID tokens carry the wrong audience for "mailreader"
    deviceClient('otherapp', 'Some Other App'),
    {
      // confidential client used by Dovecot (and the portal) for token introspection
      client_id: 'dovecot',
      client_secret: 'dovecot-secret',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
  ],
  // keep email in the ID token even though an access token is issued too
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  scopes: ['openid', 'email', 'profile', 'offline_access'],
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    introspection: {
      enabled: true,
      // let the confidential client introspect tokens of any client
      allowedPolicy: async (ctx, client, token) => client.clientAuthMethod !== 'none',
    },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: JWT_AT,
      defaultResource: async (ctx, client, oneOf) => oneOf || RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, resourceIndicator) => ({
        scope: 'imap',
        audience: resourceIndicator,
        accessTokenFormat: 'jwt',
        accessTokenTTL: TTL_AT,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  formats: {
    customizers: {
      // Dovecot 2.3.19 local validation insists on header typ == "JWT"
      jwt: async (ctx, token, jwt) => { jwt.header = { typ: 'JWT' }; },
    },
  },
  jwks,
  // put email into introspection responses (Dovecot: username_attribute = email)
  extraTokenClaims: async (ctx, token) => (token.accountId ? { email: emailOf(token.accountId) } : undefined),
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: emailOf(id), email_verified: true, name: id };
      },
    };
  },
  cookies: { keys: ['test-only-cookie-key-0123456789'] },
  ttl: {
    DeviceCode: TTL_DC,
    AccessToken: TTL_AT,
    IdToken: 3600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
    RefreshToken: 86400,
  },
};

const provider = new Provider(ISSUER, configuration);
// oidc-provider keeps a device authorization request's `nonce` among the request parameters
// but does not put it into the ID token (it does for the code flow and CIBA). Carry it over,
// as an identity provider must for a sealed-message portal to bind the token to itself.
const saveDeviceCode = provider.DeviceCode.prototype.save;
provider.DeviceCode.prototype.save = function save(...args) {
  if (this.nonce === undefined && typeof this.params?.nonce === 'string') this.nonce = this.params.nonce;
  return saveDeviceCode.apply(this, args);
};
if (INTERVAL > 0) {
  // the emitted body is the response object itself; Koa serialises it afterwards
  provider.on('device_authorization.success', (ctx, body) => { body.interval = INTERVAL; });
}
provider.on('server_error', (ctx, err) => console.error('server_error', err));
const ready = () => console.log(`oidc-provider listening on ${ISSUER}`);
const server = TLS
  ? https.createServer({ cert: readFileSync(process.env.OIDC_TLS_CERT), key: readFileSync(process.env.OIDC_TLS_KEY) }, provider.callback()).listen(PORT, '127.0.0.1', ready)
  : provider.listen(PORT, '127.0.0.1', ready);
// the test that started us may die without stopping us (a killed test run): follow it
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 500).unref();
// the harness retries on another port when this one was taken meanwhile
server.on('error', (err) => { console.error(`listen failed: ${err.code || err}`); process.exit(3); });
