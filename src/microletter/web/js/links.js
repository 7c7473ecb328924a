// @ts-check
/**
 * The links that codes carry, in one table: what a QR code (or a shared link) names, and
 * which page of the client opens it. A code encodes `https://<server>/<prefix>/<id>`, so a
 * phone's own camera app opens it too: the server serves the client at those paths
 * (gateway/webapp.py, LINKS, the same table), and the client turns the path into its route
 * when it starts. The scanner, pasted codes and links visited directly all resolve through
 * `resolveLink`; nothing else parses them.
 *
 * A feature that adds a kind of code registers it here, once, when its module loads (the
 * wallet's pay codes, a mini-app's code), and adds its path on the server:
 *
 *   registerLink({ name: "pay", prefix: "p", id: /^[A-Za-z0-9_-]{8,64}$/, route: (id) => `pay/${id}` });
 *   linkFor("pay", code, location.origin)          // what the QR code encodes
 *   resolveLink(scannedText, location.origin)      // {name: "pay", id, route: "pay/<id>"}
 *
 * Knows nothing about the DOM, the API or the store.
 */

/**
 * A kind of link.
 * @typedef {object} LinkKind
 * @property {string} name a stable name, e.g. "user"
 * @property {string} prefix one lower-case letter, the path's first segment: the link is
 *   /<prefix>/<id> (short links make small codes, quick to scan)
 * @property {RegExp} id what an id may be (tested against the whole id)
 * @property {(id: string) => string} route the client's route for an id (the hash, without "#/")
 * @property {RegExp} [legacy] an older text form of these codes; its first group is the id
 * @property {(id: string) => string} [normalize] the id as the route wants it (e.g. lower case)
 */

/**
 * What a code names on this server.
 * @typedef {{name: string, id: string, route: string}} Resolved
 */

/** @type {Map<string, LinkKind>} by prefix */
const KINDS = new Map();

/**
 * Add a kind of link to the table (once; a second kind with the same name or prefix is
 * a mistake, and throws).
 * @param {LinkKind} kind
 */
export function registerLink(kind) {
  if (!/^[a-z]$/.test(kind.prefix)) throw new Error(`link prefix ${kind.prefix}: one lower-case letter`);
  for (const known of KINDS.values()) {
    if (known.prefix === kind.prefix || known.name === kind.name) {
      throw new Error(`link ${kind.name} (/${kind.prefix}/): already registered as ${known.name}`);
    }
  }
  KINDS.set(kind.prefix, kind);
}

/** @returns {LinkKind[]} the table, in the order kinds were registered */
export function linkKinds() {
  return [...KINDS.values()];
}

/**
 * The link of a kind and id on this server: what its QR code encodes.
 * @param {string} name a registered kind's name
 * @param {string} id
 * @param {string} origin this server's origin, e.g. location.origin
 * @returns {string}
 */
export function linkFor(name, id, origin) {
  const kind = linkKinds().find((k) => k.name === name);
  if (!kind) throw new Error(`no link kind ${name}`);
  return `${origin.replace(/\/+$/, "")}/${kind.prefix}/${encodeURIComponent(id)}`;
}

/**
 * What a code's text names on this server: a link to it (`https://<server>/u/carol`, with
 * or without a trailing slash, query or fragment), a path (`/u/carol`), or an older text
 * form of a kind (`microletter:user:carol`). Links to another server, and anything else,
 * name nothing here (null).
 * @param {string} text
 * @param {string} origin this server's origin
 * @returns {Resolved|null}
 */
export function resolveLink(text, origin) {
  const clean = (text || "").trim();
  for (const kind of KINDS.values()) {
    const old = kind.legacy?.exec(clean);
    if (old) return resolved(kind, old[1]);
  }
  /** @type {URL} */
  let url;
  try {
    url = new URL(clean, origin);
  } catch {
    return null;
  }
  if (url.origin !== new URL(origin).origin) return null;
  const parts = /^\/([a-z])\/([^/]+)\/?$/.exec(url.pathname);
  const kind = parts && KINDS.get(parts[1]);
  if (!parts || !kind) return null;
  let id;
  try {
    id = decodeURIComponent(parts[2]);
  } catch {
    return null;
  }
  return resolved(kind, id);
}

/**
 * @param {LinkKind} kind
 * @param {string} raw
 * @returns {Resolved|null}
 */
function resolved(kind, raw) {
  const id = kind.normalize ? kind.normalize(raw) : raw;
  if (!new RegExp(`^(?:${kind.id.source})$`, kind.id.flags).test(id)) return null;
  return { name: kind.name, id, route: kind.route(id) };
}

// The kinds of today. Their paths on the server: gateway/webapp.py, LINKS.
registerLink({
  name: "user", // a person's "add me" code: opens their profile
  prefix: "u",
  id: /[a-z0-9_]{3,32}/,
  normalize: (id) => id.toLowerCase(),
  legacy: /^microletter:user:([A-Za-z0-9_]{3,32})$/i, // the codes made before links
  route: (id) => `u/${id}`,
});
registerLink({
  name: "invite", // a group's invite link: the group, and Join (or Request to join)
  prefix: "i",
  id: /[A-Za-z0-9_-]{1,64}/,
  route: (id) => `invite/${id}`,
});
registerLink({
  name: "account", // an official account's code: the account, and Follow
  prefix: "q",
  id: /[0-9a-f]{1,64}/,
  route: (id) => `qr/${id}`,
});
registerLink({
  name: "pay", // a merchant's NATIVE order (its code_url): the pay sheet (views/paysheet.js)
  prefix: "p",
  id: /[A-Za-z0-9_-]{22}/,
  route: (id) => `pay/${id}`,
});
registerLink({
  name: "app", // a mini app's code (its About shows it): opens the app (views/miniapp.js)
  prefix: "a",
  id: /[0-9]{1,20}/,
  route: (id) => `app/${id}`,
});
