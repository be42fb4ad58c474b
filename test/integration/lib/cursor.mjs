// Cursors per spec §1: base64url without padding of the UTF-8 JSON [[channel, epoch, offset], ...].

/** @param {Array<[string,string,number]>} positions */
export function makeCursor(positions) {
  return Buffer.from(JSON.stringify(positions), 'utf8').toString('base64url');
}

/** Decodes a cursor into [[channel, epoch, offset], ...]; throws if it is not one. */
export function parseCursor(cursor) {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]*$/.test(cursor)) {
    throw new Error(`cursor is not base64url without padding: ${JSON.stringify(cursor)}`);
  }
  const arr = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Array.isArray(arr)) throw new Error(`cursor is not a JSON array: ${JSON.stringify(arr)}`);
  for (const e of arr) {
    if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'string' ||
        typeof e[1] !== 'string' || !Number.isInteger(e[2])) {
      throw new Error(`bad cursor entry ${JSON.stringify(e)} in ${JSON.stringify(arr)}`);
    }
  }
  return arr;
}

/** The {epoch, offset} a cursor holds for one channel, or undefined. */
export function cursorPosition(cursor, channel) {
  const e = parseCursor(cursor).find(([ch]) => ch === channel);
  return e ? { epoch: e[1], offset: e[2] } : undefined;
}
