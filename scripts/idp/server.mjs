// A local OpenID Connect provider for development and the test suite: "Dienstkonto der FHH"
// stand-in, built on oidc-provider. NEVER for production: it keeps everything in memory, makes
// a new signing key at every start, reads plain-text passwords from a JSON file and has a test
// aid that ends anybody's session without authentication. It binds to 127.0.0.1 only.
//
//   IDP_CONFIG=var/idp/config.json IDP_PORT=9000 node scripts/idp/server.mjs
//   node scripts/idp/server.mjs --config var/idp/config.json --port 9000
//
// IDP_PORT=0 (or --port 0) lets the system choose a free port; the ready line names it:
//   "Local identity provider listening on http://127.0.0.1:<port> (issuer http://127.0.0.1:<port>)"
//
// The config file (JSON): {"clients": [<oidc-provider client metadata>, ...],
//   "accounts": [{"sub", "email", "email_verified", "given_name", "family_name", "groups": [...],
//                 "mfa": true|false, "password"}, ...]}
// The accounts are read from the file at every sign-in and every claims look-up, so a test can
// change someone's groups or MFA between two sign-ins by rewriting the file. The clients are
// read once, at start.
//
// Extra endpoint, a test aid: POST /__test__/end-session?sub=<sub> ends every provider session
// of that account and sends the back-channel logout token to each client it had signed in to.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import process from 'node:process';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const HOST = '127.0.0.1';
const SCOPES = ['openid', 'email', 'profile', 'groups'];
const ACR_MFA = 'urn:fhh:mfa';
const ACR_PWD = 'urn:fhh:pwd';
const BODY_LIMIT = 64 * 1024;

function log(message) {
  process.stderr.write(`[idp] ${message}\n`);
}

// --- Configuration ----------------------------------------------------------------------------

const { values: args } = parseArgs({
  options: { port: { type: 'string' }, config: { type: 'string' } },
});
const configPath = args.config ?? process.env.IDP_CONFIG;
const portText = args.port ?? process.env.IDP_PORT ?? '9000';
const requestedPort = Number.parseInt(portText, 10);
if (!configPath) {
  log('IDP_CONFIG (or --config) must name the JSON config file');
  process.exit(2);
}
if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
  log(`invalid port: ${portText}`);
  process.exit(2);
}

function readConfig() {
  return JSON.parse(readFileSync(configPath, 'utf8'));
}

// Read anew for every use: tests rewrite the file between two sign-ins.
function readAccounts() {
  const { accounts = [] } = readConfig();
  return accounts;
}

function accountBySub(sub) {
  return readAccounts().find((account) => account.sub === sub);
}

function accountByLogin(login) {
  const wanted = login.trim().toLowerCase();
  return readAccounts().find((account) => String(account.email).toLowerCase() === wanted);
}

function claimsOf(account) {
  const name = [account.given_name, account.family_name].filter(Boolean).join(' ');
  return {
    sub: account.sub,
    email: account.email,
    email_verified: Boolean(account.email_verified),
    given_name: account.given_name,
    family_name: account.family_name,
    name: name || undefined,
    groups: Array.isArray(account.groups) ? account.groups.map(String) : [],
  };
}

// --- Storage: in memory, with a way to find an account's sessions (for the test aid) -----------

const store = new Map(); // "<Model>:<id>" -> { payload, expiresAt }

function fresh(entry) {
  if (!entry) return undefined;
  if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) return undefined;
  return entry.payload;
}

class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined;
    store.set(this.key(id), { payload, expiresAt });
  }

  async find(id) {
    const key = this.key(id);
    const payload = fresh(store.get(key));
    if (!payload) store.delete(key);
    return payload;
  }

  async findByUid(uid) {
    return this.#findWhere((payload) => payload.uid === uid);
  }

  async findByUserCode(userCode) {
    return this.#findWhere((payload) => payload.userCode === userCode);
  }

  async consume(id) {
    const payload = fresh(store.get(this.key(id)));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const [key, entry] of store) {
      if (key.startsWith(`${this.model}:`) && entry.payload.grantId === grantId) store.delete(key);
    }
  }

  #findWhere(predicate) {
    for (const [key, entry] of store) {
      if (key.startsWith(`${this.model}:`)) {
        const payload = fresh(entry);
        if (payload && predicate(payload)) return payload;
      }
    }
    return undefined;
  }
}

function sessionsOf(sub) {
  const found = [];
  for (const [key, entry] of store) {
    const payload = fresh(entry);
    if (key.startsWith('Session:') && payload && payload.accountId === sub) {
      found.push({ id: key.slice('Session:'.length), payload });
    }
  }
  return found;
}

function revokeGrant(grantId) {
  for (const [key, entry] of store) {
    if (entry.payload.grantId === grantId || key === `Grant:${grantId}`) store.delete(key);
  }
}

// --- HTML -------------------------------------------------------------------------------------

function escapeHtml(value) {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a}label{display:block;margin-top:1rem;font-weight:600}input{display:block;width:100%;
padding:.5rem;font-size:1rem;box-sizing:border-box}button{margin-top:1.5rem;padding:.6rem 1.2rem;
font-size:1rem}.error{border:2px solid #b00020;color:#b00020;padding:.75rem;margin-top:1rem}
.note{color:#555;font-size:.9rem}`;

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function loginPage({ action, clientName, login = '', error }) {
  const errorBlock = error
    ? `<p class="error" id="error" role="alert">${escapeHtml(error)}</p>`
    : '';
  return page(
    'Anmelden beim Dienstkonto der FHH (lokaler Testanbieter)',
    `<h1>Anmelden beim Dienstkonto der FHH (lokaler Testanbieter)</h1>
<p class="note" lang="en">Sign in to the FHH service account (local test provider).
For development and tests only.</p>
<p>Anmeldung für: <strong>${escapeHtml(clientName)}</strong></p>
${errorBlock}
<form method="post" action="${escapeHtml(action)}" novalidate>
<label for="login">E-Mail-Adresse <span lang="en">(e-mail address)</span></label>
<input id="login" name="login" type="email" autocomplete="username" required
 value="${escapeHtml(login)}"${error ? ' aria-describedby="error"' : ''}>
<label for="password">Passwort <span lang="en">(password)</span></label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="submit" type="submit">Anmelden <span lang="en">(sign in)</span></button>
</form>`,
  );
}

// --- The provider -----------------------------------------------------------------------------

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `local-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

function isLoopback(url) {
  const { hostname } = new URL(url);
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function makeProvider(issuer, clients) {
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [signingKey()] },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      // Cookies do not tell ports apart: the portal on 127.0.0.1:8000 sees these too.
      names: { session: '_idp_session', interaction: '_idp_interaction', resume: '_idp_resume' },
    },
    adapter: MemoryAdapter,
    scopes: SCOPES,
    responseTypes: ['code'],
    acrValues: [ACR_PWD, ACR_MFA],
    claims: {
      // acr, amr, auth_time: resolved from the sign-in (interaction result), not from the
      // account. They are put under "openid" so that every ID token carries them.
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      groups: ['groups'],
      sid: null,
    },
    // Claims of the requested scopes go into the ID token too, not only to userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      userinfo: { enabled: true },
      revocation: { enabled: false },
      introspection: { enabled: false },
      clientCredentials: { enabled: false },
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
    async findAccount(_ctx, sub) {
      const account = accountBySub(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        // Read again when the claims are wanted: the groups are the file's at that moment.
        async claims() {
          const current = accountBySub(sub) ?? account;
          return claimsOf(current);
        },
      };
    },
    // No consent screen: every configured client gets what it asks for.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (!grant) {
        grant = new oidc.provider.Grant({
          accountId: oidc.session.accountId,
          clientId: oidc.client.clientId,
        });
      }
      const scopes = [...oidc.requestParamOIDCScopes];
      if (scopes.length) grant.addOIDCScope(scopes.join(' '));
      const claims = [...oidc.requestParamClaims];
      if (claims.length) grant.addOIDCClaims(claims);
      await grant.save();
      return grant;
    },
    // The provider only ever talks to clients on this machine. oidc-provider's own fetch
    // refuses loopback addresses (SSRF protection), which is exactly where our clients are.
    async fetch(url, options) {
      if (!isLoopback(url)) {
        throw new Error(`the local identity provider only calls loopback addresses, not ${url}`);
      }
      const { dispatcher: _ignored, ...rest } = options;
      return globalThis.fetch(url, rest);
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      const rows = Object.entries(out)
        .map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(value)}</dd>`)
        .join('');
      ctx.body = page(
        'Fehler beim lokalen Testanbieter',
        `<h1>Fehler <span lang="en">(error)</span></h1><dl id="error">${rows}</dl>`,
      );
    },
  });

  provider.on('backchannel.success', (_ctx, client, accountId, sid) => {
    log(`back-channel logout sent to ${client.clientId} (sub ${accountId}, sid ${sid})`);
  });
  provider.on('backchannel.error', (_ctx, err, client, accountId) => {
    log(`back-channel logout to ${client.clientId} failed (sub ${accountId}): ${err.message}`);
  });
  provider.on('server_error', (_ctx, err) => {
    log(`server error: ${err.stack ?? err}`);
  });
  return provider;
}

// RP-initiated logout: oidc-provider insists on a POST with its xsrf value. This page submits
// that form at once (so a browser sees no confirmation step); without JavaScript the person
// presses the button #logout. Either way the whole provider session ends (logout=yes), and
// every client of it gets its back-channel logout token.
async function logoutSource(ctx, form) {
  ctx.type = 'html';
  ctx.body = page(
    'Abmelden beim Dienstkonto der FHH (lokaler Testanbieter)',
    `<h1>Abmelden beim Dienstkonto der FHH (lokaler Testanbieter)</h1>
${form}
<input type="hidden" name="logout" value="yes" form="op.logoutForm">
<p>Sie werden abgemeldet … <span lang="en">(signing you out …)</span></p>
<button id="logout" type="submit" form="op.logoutForm">Abmelden <span lang="en">(sign out)</span></button>
<script>document.getElementById('op.logoutForm').submit();</script>`,
  );
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page(
    'Abgemeldet (lokaler Testanbieter)',
    `<h1 id="signed-out">Sie sind abgemeldet.</h1><p lang="en">You are signed out.</p>`,
  );
}

// --- Our own routes: the login page and the test aid -------------------------------------------

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, body, type = 'text/html; charset=utf-8') {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function handleInteraction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params } = details;
  const client = await provider.Client.find(String(params.client_id));
  const clientName = client?.clientName ?? String(params.client_id);
  const action = `/interaction/${uid}`;

  if (prompt.name === 'consent') {
    // Not expected (loadExistingGrant grants everything), but never show a consent screen.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: client.clientId });
    if (params.scope) grant.addOIDCScope(String(params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, {
      mergeWithLastSubmission: true,
    });
    return;
  }
  if (prompt.name !== 'login') {
    send(res, 400, page('Fehler', `<h1>Unbekannter Schritt: ${escapeHtml(prompt.name)}</h1>`));
    return;
  }

  if (req.method === 'GET') {
    send(res, 200, loginPage({ action, clientName }));
    return;
  }
  if (req.method !== 'POST') {
    send(res, 405, 'method not allowed', 'text/plain');
    return;
  }

  const form = await readForm(req);
  const login = form.get('login') ?? '';
  const password = form.get('password') ?? '';
  const account = login ? accountByLogin(login) : undefined;
  if (!account || typeof account.password !== 'string' || account.password !== password) {
    log(`sign-in refused for ${JSON.stringify(login)}`);
    send(
      res,
      401,
      loginPage({
        action,
        clientName,
        login,
        error:
          'E-Mail-Adresse oder Passwort ist falsch. (The e-mail address or the password is wrong.)',
      }),
    );
    return;
  }

  const mfa = Boolean(account.mfa);
  log(`signed in: ${account.email} (sub ${account.sub}, mfa ${mfa})`);
  await provider.interactionFinished(req, res, {
    login: {
      accountId: account.sub,
      amr: mfa ? ['pwd', 'otp'] : ['pwd'],
      acr: mfa ? ACR_MFA : ACR_PWD,
    },
  });
}

async function endSessionsOf(provider, sub) {
  const sessions = sessionsOf(sub);
  const backchannel = [];
  for (const { id, payload } of sessions) {
    for (const [clientId, authorization] of Object.entries(payload.authorizations ?? {})) {
      const client = await provider.Client.find(clientId);
      if (client?.backchannelLogoutUri) {
        try {
          await client.backchannelLogout(sub, authorization.sid);
          log(`back-channel logout sent to ${clientId} (sub ${sub}, sid ${authorization.sid})`);
          backchannel.push({ client_id: clientId, sid: authorization.sid, ok: true });
        } catch (err) {
          log(`back-channel logout to ${clientId} failed (sub ${sub}): ${err.message}`);
          backchannel.push({ client_id: clientId, sid: authorization.sid, ok: false, error: err.message });
        }
      }
      if (authorization.grantId) revokeGrant(authorization.grantId);
    }
    store.delete(`Session:${id}`);
  }
  return { sub, sessions_ended: sessions.length, backchannel };
}

async function handleTestAid(provider, req, res, url) {
  if (url.pathname !== '/__test__/end-session') {
    send(res, 404, '{"error":"not_found"}', 'application/json');
    return;
  }
  if (req.method !== 'POST') {
    send(res, 405, '{"error":"method_not_allowed"}', 'application/json');
    return;
  }
  const sub = url.searchParams.get('sub');
  if (!sub) {
    send(res, 400, '{"error":"sub is required"}', 'application/json');
    return;
  }
  const result = await endSessionsOf(provider, sub);
  send(res, 200, JSON.stringify(result), 'application/json');
}

// --- Start and stop ---------------------------------------------------------------------------

let provider;
let providerCallback;

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname.startsWith('/interaction/')) {
      await handleInteraction(provider, req, res);
    } else if (url.pathname.startsWith('/__test__/')) {
      await handleTestAid(provider, req, res, url);
    } else {
      providerCallback(req, res);
    }
  } catch (err) {
    log(`error on ${req.method} ${req.url}: ${err.stack ?? err}`);
    if (!res.headersSent) {
      const status = err.status ?? (err.name === 'SessionNotFound' ? 400 : 500);
      send(res, status, page('Fehler', `<h1>Fehler</h1><p id="error">${escapeHtml(err.message)}</p>`));
    } else {
      res.end();
    }
  }
});

function stop(signal) {
  log(`${signal}: stopping`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

server.on('error', (err) => {
  log(`cannot listen on ${HOST}:${requestedPort}: ${err.message}`);
  process.exit(1);
});

// Listen first, then make the provider: with port 0 the issuer needs the port the system chose.
server.listen(requestedPort, HOST, async () => {
  const { port } = server.address();
  const issuer = `http://${HOST}:${port}`;
  try {
    const { clients = [] } = readConfig();
    provider = makeProvider(issuer, clients);
    providerCallback = provider.callback();
    // oidc-provider checks a client's metadata when it is first used: check them all now, so
    // a mistake in the config stops the start with its reason.
    for (const client of clients) {
      await provider.Client.find(String(client.client_id));
    }
    const ids = clients.map((client) => client.client_id).join(', ') || 'none';
    log(`clients: ${ids}; accounts: ${readAccounts().length} (read from ${configPath} at each sign-in)`);
  } catch (err) {
    log(`cannot start: ${err.message}${err.error_description ? ` (${err.error_description})` : ''}`);
    process.exit(1);
  }
  process.stdout.write(`Local identity provider listening on ${issuer} (issuer ${issuer})\n`);
});
