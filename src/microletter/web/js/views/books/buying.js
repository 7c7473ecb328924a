// @ts-check
/**
 * Buying chapters in the web client: a purchase with a one-payment token (the payment
 * password each time), or within a *reading session* (the password once, then purchases up
 * to the spending limit the reader set, for two hours: auto-purchase). The session lives
 * in this tab's sessionStorage, per work, and is never sent anywhere but its own server.
 */

import { askPayment } from "../money.js";
import { t } from "../../i18n.js";

const KEY = (/** @type {number} */ work) => `ml.books.session.${work}`;

/** @typedef {{session: string, expires_at: number, spending_limit: number}} Session */

/**
 * My live reading session for a work, if this tab has one.
 * @param {number} work
 * @returns {Session|null}
 */
export function liveSession(work) {
  try {
    const found = JSON.parse(sessionStorage.getItem(KEY(work)) || "null");
    return found && found.expires_at > Date.now() ? found : null;
  } catch {
    return null;
  }
}

/** @param {number} work */
export function endSession(work) {
  sessionStorage.removeItem(KEY(work));
}

/**
 * Open a reading session: the payment password once, for `limit` (minor units).
 * @param {import("../../app.js").App} app
 * @param {number} work
 * @param {number} limit
 * @returns {Promise<Session|null>} null if the reader cancelled or was refused
 */
export async function openSession(app, work, limit) {
  const token = await askPayment(app, t("books.session_title"));
  if (!token) return null;
  /** @type {Session} */
  const made = await app.api.request("POST", `/books/works/${work}/sessions`, {
    json: { payment_token: token, spending_limit: limit },
  });
  sessionStorage.setItem(KEY(work), JSON.stringify(made));
  return made;
}

/**
 * Buy a chapter (0: the whole work) with the payment password.
 * @param {import("../../app.js").App} app
 * @param {number} work
 * @param {number} chapter
 * @param {number} price what the reader was shown (the server refuses another)
 * @param {string} title
 */
export async function buyWithPassword(app, work, chapter, price, title) {
  const token = await askPayment(app, title);
  if (!token) return null;
  return purchase(app, work, chapter, price, { payment_token: token });
}

/**
 * Buy a chapter in the live reading session (the server keeps its limit).
 * @param {import("../../app.js").App} app
 * @param {number} work
 * @param {number} chapter
 * @param {number} price
 * @param {Session} session
 */
export function buyInSession(app, work, chapter, price, session) {
  return purchase(app, work, chapter, price, { session: session.session });
}

/**
 * @param {import("../../app.js").App} app
 * @param {number} work
 * @param {number} chapter
 * @param {number} price
 * @param {Record<string, string>} pay
 */
function purchase(app, work, chapter, price, pay) {
  const path = chapter ? `/books/works/${work}/chapters/${chapter}/purchase` : `/books/works/${work}/purchase`;
  const key = `book-${work}-${chapter}-${crypto.randomUUID()}`;
  return app.api.request("POST", path, { json: { idempotency_key: key, price, ...pay } });
}
