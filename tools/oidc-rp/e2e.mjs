#!/usr/bin/env node
// End-to-end test of "log in with VNeID" from a relying party built on
// panva's openid-client: it starts `vneid serve` in demo mode on a free
// port with a temporary data directory, registers a relying party with
// `vneid admin rp create`, and then
//   - discovers the provider (http allowed: allowInsecureRequests) and
//     checks ID token signatures against its JWKS (enableNonRepudiationChecks);
//   - sends the citizen's browser to the authorization URL (PKCE S256, nonce,
//     state, acr_values=LoA2) and drives the server-rendered pages with fetch:
//     ID number and password, the SMS code (read from DATA_DIR/outbox.log, or
//     `vneid outbox list` as a fallback), the consent screen, up to the
//     redirect to the relying party's redirect_uri (which nothing listens on:
//     code and state are read from the Location header);
//   - redeems the code (state, nonce and PKCE checked), reads userinfo
//     (name, personal_id), refreshes (the refresh token rotates and the old
//     one is refused), and logs out with the end_session_endpoint
//     (id_token_hint, post_logout_redirect_uri), after which a new (pushed)
//     authorization request asks for the password again.
// The server is stopped at the end, also on failure.
//
//   npm ci --prefix tools/oidc-rp
//   go build -o /tmp/vneid ./cmd/vneid
//   node tools/oidc-rp/e2e.mjs /tmp/vneid      (or VNEID_BIN=/tmp/vneid)
//
// Environment: VNEID_BIN (the binary, when not given as the argument),
// VNEID_E2E_TIMEOUT (seconds for the whole run, default 180),
// VNEID_E2E_KEEP=1 (keep the data directory; it is kept on failure anyway).
// Exit status 0 on success, 1 on a failed check, 2 on a usage or setup error.

import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

let client;
try {
  client = await import('openid-client');
} catch (err) {
  console.error(`oidc-rp e2e: cannot load openid-client (${err.message}); run \`npm ci --prefix tools/oidc-rp\``);
  process.exit(2);
}

const CLIENT_ID = 'e2e-portal.test';
const SCOPES = 'openid profile personal_id offline_access';
const TIMEOUT_S = Number(process.env.VNEID_E2E_TIMEOUT || 180);
const LIBRARY = 'openid-client ' + JSON.parse(readFileSync(new URL('./node_modules/openid-client/package.json', import.meta.url), 'utf8')).version;

// --- reporting ---

class Failure extends Error {}

let step = 'start';
let passed = 0;

function check(ok, what, detail) {
  if (!ok) throw new Failure(`${what}${detail === undefined ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
  passed++;
}

function log(msg) {
  console.log(`  ${msg}`);
}

// describe turns an error of the library (or of fetch) into one line.
function describe(err) {
  if (err instanceof Failure) return err.message;
  const parts = [err?.message ?? String(err)];
  if (err?.code) parts.push(`code ${err.code}`);
  if (err?.status) parts.push(`HTTP ${err.status}`);
  if (err?.error) parts.push(`error=${err.error}${err.error_description ? ` (${err.error_description})` : ''}`);
  if (err?.cause instanceof Response) parts.push(`response: HTTP ${err.cause.status} ${err.cause.headers.get('content-type') ?? ''}`.trim());
  else if (err?.cause && err.cause !== err) parts.push(`cause: ${err.cause?.message ?? JSON.stringify(err.cause)}`);
  return parts.join('; ');
}

// --- the server ---

const bin = process.argv[2] || process.env.VNEID_BIN;
if (!bin) {
  console.error('usage: node tools/oidc-rp/e2e.mjs VNEID_BINARY   (or set VNEID_BIN); build it with `go build -o /tmp/vneid ./cmd/vneid`');
  process.exit(2);
}
if (!existsSync(bin)) {
  console.error(`oidc-rp e2e: the vneid binary ${bin} does not exist; build it with \`go build -o ${bin} ./cmd/vneid\``);
  process.exit(2);
}
const vneid = path.resolve(bin);

let dir; // temporary data directory
let server; // the `vneid serve` child process
let serverExited = null; // its exit description, once it has exited

// The children get this environment without VNEID_* settings from the
// caller's (a VNEID_DB pointing at PostgreSQL, say): everything they need is
// in flags and the config file.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VNEID_')));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function cli(args) {
  try {
    const { stdout } = await promisify(execFile)(vneid, args, { cwd: dir, env: childEnv, timeout: 60_000, maxBuffer: 4 << 20 });
    return stdout;
  } catch (err) {
    throw new Failure(`vneid ${args.slice(0, 3).join(' ')} failed (${err.code ?? err.signal}): ${(err.stderr || err.message).trim()}`);
  }
}

function serverLogTail(n = 30) {
  try {
    const lines = readFileSync(path.join(dir, 'server.log'), 'utf8').trimEnd().split('\n');
    return lines.slice(-n).join('\n');
  } catch {
    return '(no server log)';
  }
}

async function stopServer() {
  if (!server || serverExited) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!done && !serverExited) {
    console.error('oidc-rp e2e: the server did not stop in 10 s after SIGTERM; killing it');
    server.kill('SIGKILL');
    await exited;
  }
}

// Last resort: the server never outlives this process.
process.on('exit', () => {
  if (server && !serverExited) server.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`oidc-rp e2e: interrupted (${sig}) in step "${step}"`);
    if (server && !serverExited) server.kill('SIGKILL');
    process.exit(1);
  });
}

// --- the citizen's browser ---

// Browser keeps the provider's cookies (by hand: name, value, path) and
// follows redirects itself, stopping at the relying party.
class Browser {
  constructor(origin, stopAt) {
    this.origin = origin; // the provider's origin
    this.stopAt = stopAt; // redirects to this origin are not followed
    this.cookies = new Map(); // name → { value, path }
  }

  cookieHeader(url) {
    if (url.origin !== this.origin) return '';
    return [...this.cookies]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : c.path + '/'))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  keep(url, res) {
    if (url.origin !== this.origin) return;
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let cpath = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = value === '';
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k.toLowerCase();
        if (key === 'path') cpath = v || '/';
        else if (key === 'max-age' && Number(v) <= 0) expired = true;
        else if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, { value, path: cpath });
    }
  }

  // request makes one request without following redirects.
  async request(url, { method = 'GET', form } = {}) {
    url = new URL(url, this.origin);
    const headers = { 'User-Agent': 'vneid-oidc-rp-e2e', Accept: 'text/html' };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.Cookie = cookie;
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      // What a browser sends with a form on the provider's own page.
      headers.Origin = this.origin;
      headers['Sec-Fetch-Site'] = 'same-origin';
    }
    let res;
    try {
      res = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(20_000) });
    } catch (err) {
      throw new Failure(`${method} ${url.pathname}: ${describe(err)}`);
    }
    this.keep(url, res);
    const loc = res.headers.get('location');
    return { status: res.status, url, location: loc ? new URL(loc, url) : null, body: await res.text() };
  }

  // go makes the request and follows redirects (as GET) until a page, or
  // until a redirect to the relying party, which is returned as `stoppedAt`.
  async go(url, opts) {
    let r = await this.request(url, opts);
    for (let hops = 0; r.status >= 300 && r.status < 400 && r.location; hops++) {
      if (r.location.origin === this.stopAt) return { ...r, stoppedAt: r.location };
      if (hops > 15) throw new Failure(`too many redirects, last to ${r.location}`);
      r = await this.request(r.location);
    }
    return r;
  }
}

// pageError is the message of an error page, for failure reports.
function pageError(p) {
  const m = /<div class="err"[^>]*>([\s\S]*?)<\/div>/.exec(p.body);
  const text = (m ? m[1] : p.body.slice(0, 300)).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return `HTTP ${p.status} at ${p.url.pathname}${p.url.search}${p.location ? ` → ${p.location}` : ''}: ${text}`;
}

function hiddenField(body, name) {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(body);
  return m ? m[1].replace(/&#43;/g, '+').replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : '';
}

// --- the SMS code ---

function smsLog() {
  try {
    return readFileSync(path.join(dir, 'outbox.log'), 'utf8');
  } catch {
    return '';
  }
}

// otp waits for the code sent to phone after the SMS log had `from`
// characters: from the log the built-in sender writes, or from
// `vneid outbox list` (demo mode keeps bodies) when the log has nothing.
async function otp(phone, from) {
  const code = (body) => /\d{4,10}/.exec(body ?? '')?.[0];
  const deadline = Date.now() + 30_000;
  let lastErr = '';
  for (let i = 0; Date.now() < deadline; i++) {
    for (const line of smsLog().slice(from).split('\n')) {
      if (!line.trim()) continue;
      const m = JSON.parse(line);
      if (m.to === phone && m.template === 'otp' && code(m.body)) return { code: code(m.body), source: 'DATA_DIR/outbox.log' };
    }
    if (i > 0 && i % 10 === 0) {
      try {
        const out = await cli(['outbox', 'list', '-config', path.join(dir, 'vneid.yaml'), '-data-dir', dir, '-to', phone, '-n', '5']);
        // "#ID TIME sms → PHONE [STATUS, N attempts] otp\n  BODY", newest first.
        const m = /^#\d+ .* otp\n\s+(.*)$/m.exec(out);
        if (m && code(m[1])) return { code: code(m[1]), source: '`vneid outbox list`' };
      } catch (err) {
        lastErr = err.message;
      }
    }
    await sleep(200);
  }
  throw new Failure(`no SMS code to ${phone} in DATA_DIR/outbox.log or \`vneid outbox list\` after 30 s${lastErr ? ` (${lastErr})` : ''}`);
}

// --- the run ---

async function run() {
  const started = Date.now();
  step = 'start the server';
  dir = await mkdtemp(path.join(tmpdir(), 'vneid-oidc-rp-'));
  // No face engine: not needed here, and its worker is slow to start.
  await writeFile(path.join(dir, 'vneid.yaml'), 'face:\n  engine: none\n');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const issuer = `${base}/oidc`;
  const common = ['-config', path.join(dir, 'vneid.yaml'), '-data-dir', dir, '-public-url', base];
  const out = openSync(path.join(dir, 'server.log'), 'a');
  server = spawn(vneid, ['serve', ...common, '-listen', `127.0.0.1:${port}`, '-demo-citizens', '300'],
    { cwd: dir, env: childEnv, stdio: ['ignore', out, out] });
  closeSync(out);
  server.on('exit', (code, signal) => {
    serverExited = signal ? `signal ${signal}` : `exit status ${code}`;
  });
  server.on('error', (err) => {
    serverExited = `could not start: ${err.message}`;
  });

  step = 'wait for /readyz';
  for (const deadline = Date.now() + 90_000; ; ) {
    if (serverExited) throw new Failure(`vneid serve ended before it was ready (${serverExited})`);
    try {
      const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Failure('vneid serve was not ready after 90 s');
    await sleep(200);
  }
  log(`server ready at ${base} in ${((Date.now() - started) / 1000).toFixed(1)} s (data dir ${dir})`);

  step = 'read the demo citizen';
  const citizen = Object.fromEntries(
    (await readFile(path.join(dir, 'demo-citizen.txt'), 'utf8'))
      .split('\n')
      .filter((l) => /^\w+: /.test(l))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
  );
  check(/^\d{12}$/.test(citizen.id_number ?? '') && citizen.phone && citizen.password, 'demo-citizen.txt has id_number, phone and password', citizen);

  step = 'register the relying party';
  const rpOrigin = `http://127.0.0.1:${await freePort()}`; // nothing listens there
  const redirectURI = `${rpOrigin}/callback`;
  const postLogoutURI = `${rpOrigin}/bye`;
  const reg = JSON.parse(await cli(['admin', 'rp', 'create', ...common, '-id', CLIENT_ID,
    '-name', 'Cổng dịch vụ thử nghiệm (openid-client)', '-purpose', 'Kiểm thử đầu cuối đăng nhập bằng VNeID',
    '-redirect', redirectURI, '-post-logout', postLogoutURI, '-scopes', 'profile,personal_id,offline_access']));
  check(reg.client_id === CLIENT_ID && typeof reg.client_secret === 'string' && reg.client_secret !== '', 'rp create prints the client ID and secret', reg.client_id);
  check(reg.issuer === issuer, `rp create's issuer is ${issuer}`, reg.issuer);

  step = 'discovery';
  const config = await client.discovery(new URL(issuer), CLIENT_ID, undefined, client.ClientSecretBasic(reg.client_secret), {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
  });
  const meta = config.serverMetadata();
  check(meta.issuer === issuer, 'discovery issuer', meta.issuer);
  check(meta.code_challenge_methods_supported?.includes('S256'), 'discovery offers PKCE S256', meta.code_challenge_methods_supported);
  check(meta.acr_values_supported?.includes('LoA2'), 'discovery offers acr LoA2', meta.acr_values_supported);
  check(meta.token_endpoint_auth_methods_supported?.includes('client_secret_basic'), 'discovery offers client_secret_basic', meta.token_endpoint_auth_methods_supported);
  check(!!meta.end_session_endpoint && !!meta.pushed_authorization_request_endpoint && !!meta.jwks_uri, 'discovery has end_session, PAR and JWKS endpoints', meta);

  step = 'authorization request';
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const authURL = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectURI,
    scope: SCOPES,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    acr_values: 'LoA2',
  });
  const browser = new Browser(base, rpOrigin);
  let p = await browser.go(authURL);
  check(p.status === 200 && p.url.pathname === '/oidc/login' && p.body.includes('action="/oidc/login/password"'), 'the authorization URL leads to the sign-in page', pageError(p));
  const id = p.url.searchParams.get('id');
  check(!!id && hiddenField(p.body, 'id') === id, 'the sign-in page carries the request ID', id);
  const csrf = hiddenField(p.body, 'csrf');
  check(csrf !== '', 'the sign-in form carries a CSRF token', id);
  const forged = await browser.request('/oidc/login/password', { method: 'POST', form: { id, id_number: citizen.id_number, password: citizen.password } });
  check(forged.status === 403, 'the sign-in form without its CSRF token is refused (403)', pageError(forged));

  step = 'sign in: password';
  const smsFrom = smsLog().length;
  p = await browser.go('/oidc/login/password', { method: 'POST', form: { id, csrf, id_number: citizen.id_number, password: citizen.password } });
  const ticket = hiddenField(p.body, 'ticket');
  check(p.status === 200 && ticket !== '', 'the password step shows the SMS-code form with a ticket', pageError(p));

  step = 'sign in: SMS code';
  const sms = await otp(citizen.phone, smsFrom);
  const r = await browser.request('/oidc/login/otp', { method: 'POST', form: { id, csrf: hiddenField(p.body, 'csrf'), ticket, code: sms.code } });
  check(r.status === 303 && r.location?.pathname === '/oidc/continue', 'the SMS code is accepted (303 to /oidc/continue)', pageError(r));
  check(browser.cookies.get('vneid_session')?.path === '/', 'the session cookie vneid_session (path /, shared with the portal) is set', [...browser.cookies.keys()]);
  p = await browser.go(r.location);

  step = 'consent';
  check(p.status === 200 && p.body.includes('Xác nhận chia sẻ') && p.body.includes('Số định danh cá nhân'), 'the consent screen lists the personal ID', pageError(p));
  p = await browser.go('/oidc/consent', { method: 'POST', form: { id, csrf: hiddenField(p.body, 'csrf'), decision: 'approve' } });
  check(p.stoppedAt?.href.startsWith(redirectURI + '?'), `approval redirects to ${redirectURI}`, pageError(p));
  const callback = p.stoppedAt;
  check(callback.searchParams.get('state') === state && !!callback.searchParams.get('code'), 'the redirect carries the code and our state', callback.search);

  step = 'authorization code grant';
  // The library's checks are on: a wrong state is refused before any request.
  let refused = null;
  try {
    await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: client.randomState() });
  } catch (err) {
    refused = err;
  }
  check(refused !== null, 'openid-client refuses the response for another state');
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
  check(tokens.token_type?.toLowerCase() === 'bearer' && !!tokens.access_token, 'a bearer access token', tokens.token_type);
  check(typeof tokens.refresh_token === 'string' && tokens.refresh_token !== '', 'a refresh token (offline_access)', Object.keys(tokens));
  const idToken = tokens.id_token;
  const claims = tokens.claims(); // checked by openid-client: signature (JWKS), iss, aud, exp, iat, nonce
  check(!!idToken && !!claims, 'an ID token');
  check(claims.acr === 'LoA2', 'ID token acr is LoA2', claims.acr);
  check(Array.isArray(claims.amr) && claims.amr.includes('pwd') && claims.amr.includes('sms'), 'ID token amr has pwd and sms', claims.amr);
  check(typeof claims.sid === 'string' && claims.sid !== '', 'ID token has a session ID (sid)', claims.sid);
  check(claims.sub !== citizen.id_number, 'the subject is pairwise, not the ID number', claims.sub);
  log(`signed in ${citizen.id_number} (SMS code from ${sms.source}); ID token ${JSON.parse(Buffer.from(idToken.split('.')[0], 'base64url')).alg}, acr ${claims.acr}, amr ${claims.amr.join(' ')}`);

  step = 'userinfo';
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  check(typeof info.name === 'string' && info.name.trim() !== '', 'userinfo has the name', info);
  check(info.personal_id === citizen.id_number, 'userinfo personal_id is the ID number', info.personal_id);
  log(`userinfo: ${info.name}, personal_id ${info.personal_id}`);

  step = 'second authorization (SSO session)';
  // The session and the consent are remembered: straight back with a code,
  // which the provider must refuse for the wrong code_verifier.
  const state2 = client.randomState();
  p = await browser.go(client.buildAuthorizationUrl(config, {
    redirect_uri: redirectURI,
    scope: SCOPES,
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    state: state2,
    acr_values: 'LoA2',
  }));
  check(p.stoppedAt?.href.startsWith(redirectURI + '?') && p.stoppedAt.searchParams.get('state') === state2,
    'with the session cookie a second authorization returns a code without any page', pageError(p));
  let pkce = null;
  try {
    await client.authorizationCodeGrant(config, p.stoppedAt, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: state2, idTokenExpected: true });
  } catch (err) {
    pkce = err;
  }
  check(pkce?.error === 'invalid_grant', 'the provider refuses a code with the wrong code_verifier (invalid_grant)', pkce ? describe(pkce) : 'it was accepted');
  log('second authorization: no pages (SSO session, consent remembered); a wrong code_verifier is refused');

  step = 'refresh token grant';
  const fresh = await client.refreshTokenGrant(config, tokens.refresh_token);
  check(typeof fresh.refresh_token === 'string' && fresh.refresh_token !== '' && fresh.refresh_token !== tokens.refresh_token, 'the refresh token rotates');
  check(!!fresh.access_token && fresh.access_token !== tokens.access_token, 'a new access token');
  const info2 = await client.fetchUserInfo(config, fresh.access_token, claims.sub);
  check(info2.personal_id === citizen.id_number, 'userinfo with the refreshed access token', info2.personal_id);
  let reuse = null;
  try {
    await client.refreshTokenGrant(config, tokens.refresh_token);
  } catch (err) {
    reuse = err;
  }
  check(reuse?.error === 'invalid_grant', 'the old refresh token is refused with invalid_grant', reuse ? describe(reuse) : 'it was accepted');
  log('refresh: rotated; the old refresh token is refused (invalid_grant)');

  step = 'RP-initiated logout';
  const logoutState = client.randomState();
  const endURL = client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutURI, state: logoutState });
  p = await browser.go(endURL);
  check(p.stoppedAt?.href.startsWith(postLogoutURI), `the end session endpoint redirects to ${postLogoutURI}`, pageError(p));
  check(`${p.stoppedAt.origin}${p.stoppedAt.pathname}` === postLogoutURI && p.stoppedAt.searchParams.get('state') === logoutState,
    'the post-logout redirect carries our state', p.stoppedAt.href);
  check(!browser.cookies.has('vneid_session'), 'the session cookie is cleared');
  log(`logout: end_session → ${p.stoppedAt.href}`);

  step = 'sign-in after logout (PAR)';
  const parURL = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: redirectURI,
    scope: 'openid profile',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    state: client.randomState(),
  });
  check(parURL.searchParams.has('request_uri') && !parURL.searchParams.has('scope'), 'PAR gives a request_uri', parURL.search);
  p = await browser.go(parURL);
  check(p.status === 200 && p.url.pathname === '/oidc/login' && !p.stoppedAt, 'after logout a new authorization asks for the password again', pageError(p));

  return { issuer, seconds: (Date.now() - started) / 1000 };
}

// --- main ---

const watchdog = setTimeout(() => {
  console.error(`oidc-rp e2e: FAIL: timed out after ${TIMEOUT_S} s in step "${step}"`);
  if (server && !serverExited) server.kill('SIGKILL');
  process.exit(1);
}, TIMEOUT_S * 1000);

console.log(`oidc-rp e2e: ${LIBRARY} against ${vneid}`);
let code = 0;
try {
  const { issuer, seconds } = await run();
  step = 'stop the server';
  await stopServer();
  console.log(`oidc-rp e2e: PASS in ${seconds.toFixed(1)} s — ${issuer}: discovery, code flow (PKCE S256, nonce, state, LoA2), ` +
    'ID token, userinfo, SSO session, refresh rotation, RP-initiated logout, PAR');
} catch (err) {
  code = 1;
  console.error(`oidc-rp e2e: FAIL in step "${step}": ${describe(err)}`);
  // A stack only for what is neither a failed check nor an error of the
  // library (those carry a code): a bug in this script.
  if (!(err instanceof Failure) && !err?.code && err?.stack) console.error(err.stack.split('\n').slice(1, 4).join('\n'));
  if (serverExited && !(err instanceof Failure && err.message.includes(serverExited))) console.error(`vneid serve: ${serverExited}`);
  if (dir) console.error(`--- last lines of ${path.join(dir, 'server.log')} ---\n${serverLogTail()}\n---`);
  await stopServer().catch(() => {});
}
clearTimeout(watchdog);
if (dir && code === 0 && process.env.VNEID_E2E_KEEP !== '1') await rm(dir, { recursive: true, force: true });
else if (dir) console.error(`oidc-rp e2e: data directory kept: ${dir}`);
console.log(`oidc-rp: ${passed} passed, ${code} failed`);
process.exit(code);
