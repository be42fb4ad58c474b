// Test tokens minted with node:crypto only (HS256), the way a backend would (docs/auth.md).
import crypto from 'node:crypto';

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** An HS256 JWT for `claims` signed with `secret`; `header` overrides header fields. */
export function mintHs256(secret, claims, header = {}) {
  const head = b64url({ alg: 'HS256', typ: 'JWT', ...header });
  const body = b64url(claims);
  const sig = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** An unsigned token with alg "none" (must always be refused). */
export function mintNone(claims) {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

/** Seconds since the epoch, `delta` seconds from now. */
export const nowPlus = (delta) => Math.floor(Date.now() / 1000) + delta;
