#!/usr/bin/env node
// sdjwt-verify: an offline verifier for VNeID presentations (SD-JWT VC,
// RFC 9901 with draft-ietf-oauth-sd-jwt-vc), written from the RFC with
// Node.js built-ins only. It is deliberately independent of the Go
// implementation in internal/presentation, so that each checks the other.
//
//   node verify.mjs --jwks FILE --issuer ISS [--now UNIX] [--leeway SECONDS]
//                   [--vct VCT] PRESENTATION | @FILE
//
// Prints {"valid":true,...} and exits 0, or {"valid":false,"reason":...}
// and exits 1. Usage errors go to stderr with exit status 2.

import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { readFileSync } from 'node:fs';

const TYP = 'dc+sd-jwt';
const DEFAULT_VCT = 'urn:vn:vneid:presentation:1';
const MAX_INPUT = 8192; // bytes; a presentation must fit one QR code
const ALGORITHMS = new Set(['ES256', 'EdDSA', 'RS256']); // never "none", never HS*

class Refusal extends Error {}

function refuse(reason) {
  throw new Refusal(reason);
}

function usage(message) {
  process.stderr.write(
    `${message}\nusage: node verify.mjs --jwks FILE --issuer ISS [--now UNIX] [--leeway SECONDS] [--vct VCT] PRESENTATION|@FILE\n`,
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { leeway: 30, vct: DEFAULT_VCT, now: Math.floor(Date.now() / 1000) };
  let input;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--jwks': opts.jwks = value(); break;
      case '--issuer': opts.issuer = value(); break;
      case '--vct': opts.vct = value(); break;
      case '--now': opts.now = Number(value()); break;
      case '--leeway': opts.leeway = Number(value()); break;
      case '-h': case '--help': usage('sdjwt-verify: verify a VNeID SD-JWT VC presentation');
      // falls through (usage exits)
      default:
        if (arg.startsWith('--')) usage(`unknown option ${arg}`);
        if (input !== undefined) usage('more than one presentation given');
        input = arg;
    }
  }
  if (!opts.jwks) usage('--jwks is required');
  if (!opts.issuer) usage('--issuer is required');
  if (!Number.isFinite(opts.now)) usage('--now must be a Unix time in seconds');
  if (!Number.isFinite(opts.leeway) || opts.leeway < 0) usage('--leeway must be a number of seconds');
  if (input === undefined) usage('no presentation given');
  if (input.startsWith('@')) {
    try {
      input = readFileSync(input.slice(1), 'utf8');
    } catch (err) {
      usage(`cannot read ${input.slice(1)}: ${err.message}`);
    }
  }
  opts.presentation = input.trim();
  return opts;
}

// base64url without padding (RFC 7515 §2), refusing anything a lenient
// decoder would quietly skip or round off.
function b64urlDecode(s, what) {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) refuse(`${what} is not base64url`);
  const buf = Buffer.from(s, 'base64url');
  if (buf.toString('base64url') !== s) refuse(`${what} is not canonical base64url`);
  return buf;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJSON(buf, what) {
  let text;
  try {
    text = utf8.decode(buf);
  } catch {
    refuse(`${what} is not UTF-8`);
  }
  try {
    return JSON.parse(text);
  } catch {
    refuse(`${what} is not JSON`);
  }
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// findKey returns the JWKS key with this kid, checked against the algorithm.
function findKey(jwksFile, kid, alg) {
  let jwks;
  try {
    jwks = JSON.parse(readFileSync(jwksFile, 'utf8'));
  } catch (err) {
    usage(`cannot read the JWKS ${jwksFile}: ${err.message}`);
  }
  if (!isObject(jwks) || !Array.isArray(jwks.keys)) usage(`${jwksFile} is not a JWK Set`);
  const matches = jwks.keys.filter((k) => isObject(k) && k.kid === kid && (k.use === undefined || k.use === 'sig'));
  if (matches.length === 0) refuse(`no key with kid ${JSON.stringify(kid)} in the JWKS`);
  if (matches.length > 1) refuse(`several keys with kid ${JSON.stringify(kid)} in the JWKS`);
  const jwk = matches[0];
  if (jwk.alg !== undefined && jwk.alg !== alg && !(alg === 'EdDSA' && jwk.alg === 'Ed25519')) {
    refuse(`the header says ${alg} but key ${JSON.stringify(kid)} is for ${jwk.alg}`);
  }
  let key;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch (err) {
    refuse(`key ${JSON.stringify(kid)} is not a valid JWK: ${err.message}`);
  }
  if (key.type !== 'public') refuse(`key ${JSON.stringify(kid)} is not a public key`);
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const fits =
    (alg === 'ES256' && type === 'ec' && details.namedCurve === 'prime256v1') ||
    (alg === 'EdDSA' && type === 'ed25519') ||
    (alg === 'RS256' && type === 'rsa' && details.modulusLength >= 2048);
  if (!fits) refuse(`key ${JSON.stringify(kid)} (${type}) cannot be used with ${alg}`);
  return key;
}

function checkSignature(alg, key, signingInput, signature) {
  if (alg === 'ES256' && signature.length !== 64) refuse('signature does not verify');
  const data = Buffer.from(signingInput, 'ascii');
  let ok;
  switch (alg) {
    case 'ES256':
      ok = verifySignature('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      break;
    case 'EdDSA':
      ok = verifySignature(null, data, key, signature);
      break;
    case 'RS256':
      ok = verifySignature('sha256', data, key, signature);
      break;
  }
  if (!ok) refuse('signature does not verify: the issuer-signed JWT was altered');
}

// RFC 9901 §7.1 step 3: replace every digest that has a disclosure by the
// disclosed claim, recursively, refusing digests seen twice, clashing claim
// names, and (afterwards) disclosures no digest refers to.
function disclose(payload, disclosures) {
  const seen = new Set();
  const used = new Set();

  const value = (v) => (Array.isArray(v) ? array(v) : isObject(v) ? object(v) : v);

  function take(digest, shape) {
    if (typeof digest !== 'string') refuse('a digest is not a string');
    if (seen.has(digest)) refuse('a digest appears more than once');
    seen.add(digest);
    const d = disclosures.get(digest);
    if (d === undefined) return undefined; // withheld, or a decoy
    if (d.shape !== shape) refuse(`a disclosure of the wrong shape is referenced from ${shape === 'object' ? '_sd' : 'an array'}`);
    used.add(digest);
    return d;
  }

  function object(obj) {
    const out = Object.create(null); // no prototype: "__proto__" is an ordinary name
    for (const [name, v] of Object.entries(obj)) {
      if (name !== '_sd') out[name] = value(v);
    }
    if (Object.hasOwn(obj, '_sd')) {
      if (!Array.isArray(obj._sd)) refuse('_sd is not an array');
      for (const digest of obj._sd) {
        const d = take(digest, 'object');
        if (d === undefined) continue;
        if (Object.hasOwn(out, d.name)) refuse(`claim ${JSON.stringify(d.name)} is disclosed twice or also given in the clear`);
        out[d.name] = value(d.value);
      }
    }
    return out;
  }

  function array(arr) {
    const out = [];
    for (const el of arr) {
      if (isObject(el) && Object.keys(el).length === 1 && Object.hasOwn(el, '...')) {
        const d = take(el['...'], 'array');
        if (d !== undefined) out.push(value(d.value));
      } else {
        out.push(value(el));
      }
    }
    return out;
  }

  const result = object(payload);
  delete result._sd_alg;
  for (const [digest, d] of disclosures) {
    if (!used.has(digest)) refuse(`disclosure ${d.index} is not covered by the issuer's signature: altered or added`);
  }
  return result;
}

function verifyPresentation(opts) {
  const s = opts.presentation;
  if (Buffer.byteLength(s) > MAX_INPUT) refuse(`longer than ${MAX_INPUT} bytes`);
  // <issuer-signed JWT>~<disclosure>~...~<optional KB-JWT> (RFC 9901 §4)
  const parts = s.split('~');
  if (parts.length < 2) refuse('not an SD-JWT: no "~"');
  if (parts[parts.length - 1] !== '') refuse('a key-binding JWT is present; this verifier does not support key binding');
  const [jwt, ...rest] = parts;
  const rawDisclosures = rest.slice(0, -1);

  const segments = jwt.split('.');
  if (segments.length !== 3) refuse('the issuer-signed JWT is not a compact JWS');
  const header = parseJSON(b64urlDecode(segments[0], 'header'), 'header');
  if (!isObject(header)) refuse('header is not an object');
  if (header.typ !== TYP) refuse(`typ is ${JSON.stringify(header.typ)}, not ${TYP}`);
  if (!ALGORITHMS.has(header.alg)) refuse(`algorithm ${JSON.stringify(header.alg)} is not accepted`);
  if (Object.hasOwn(header, 'crit')) refuse('critical header parameters are not supported');
  if (typeof header.kid !== 'string') refuse('no kid in the header');

  const key = findKey(opts.jwks, header.kid, header.alg);
  checkSignature(header.alg, key, `${segments[0]}.${segments[1]}`, b64urlDecode(segments[2], 'signature'));

  const payload = parseJSON(b64urlDecode(segments[1], 'payload'), 'payload');
  if (!isObject(payload)) refuse('payload is not an object');
  if (payload.iss !== opts.issuer) refuse(`issued by ${JSON.stringify(payload.iss)}, not ${JSON.stringify(opts.issuer)}`);
  if (payload.vct !== opts.vct) refuse(`vct is ${JSON.stringify(payload.vct)}, not ${JSON.stringify(opts.vct)}`);
  const sdAlg = payload._sd_alg ?? 'sha-256'; // RFC 9901 §4.1.1 default
  if (sdAlg !== 'sha-256') refuse(`_sd_alg ${JSON.stringify(sdAlg)} is not supported`);
  if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') refuse('exp or iat missing');
  if (opts.now >= payload.exp + opts.leeway) refuse('expired');
  if (payload.iat > opts.now + opts.leeway) refuse('issued in the future');
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > opts.now + opts.leeway)) refuse('not yet valid (nbf)');

  const disclosures = new Map();
  rawDisclosures.forEach((raw, index) => {
    if (raw === '') refuse(`disclosure ${index} is empty`);
    // The digest is over the disclosure's base64url text (RFC 9901 §4.2.3).
    const digest = createHash('sha256').update(raw, 'ascii').digest('base64url');
    if (disclosures.has(digest)) refuse(`disclosure ${index} is given twice`);
    const a = parseJSON(b64urlDecode(raw, `disclosure ${index}`), `disclosure ${index}`);
    if (!Array.isArray(a) || (a.length !== 3 && a.length !== 2) || typeof a[0] !== 'string') {
      refuse(`disclosure ${index} is not [salt, name, value] or [salt, value]`);
    }
    if (a.length === 3) {
      if (typeof a[1] !== 'string') refuse(`disclosure ${index}: the claim name is not a string`);
      if (a[1] === '_sd' || a[1] === '...') refuse(`disclosure ${index}: reserved claim name ${a[1]}`);
      disclosures.set(digest, { index, shape: 'object', name: a[1], value: a[2] });
    } else {
      disclosures.set(digest, { index, shape: 'array', value: a[1] });
    }
  });

  const claims = disclose(payload, disclosures);
  if (!Array.isArray(claims.docs) || claims.docs.some((d) => !isObject(d) || typeof d.kind !== 'string')) {
    refuse('docs is not a list of documents with a kind');
  }
  return {
    valid: true,
    issuer: claims.iss,
    id: claims.jti,
    level: claims.lvl,
    issued_at: claims.iat,
    expires_at: claims.exp,
    ...(claims.nonce !== undefined && { nonce: claims.nonce }),
    ...(claims.aud !== undefined && { aud: claims.aud }),
    key_id: header.kid,
    documents: claims.docs.map(({ kind, ...rest }) => ({ kind, claims: rest })),
  };
}

const opts = parseArgs(process.argv.slice(2));
try {
  process.stdout.write(`${JSON.stringify(verifyPresentation(opts))}\n`);
} catch (err) {
  if (!(err instanceof Refusal)) throw err;
  process.stdout.write(`${JSON.stringify({ valid: false, reason: err.message })}\n`);
  process.exitCode = 1;
}
