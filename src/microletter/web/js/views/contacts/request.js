// @ts-check
/**
 * Sending a friend request by username, and the words for an API error, shared by the
 * contact screens.
 */

import { toast } from "../../dom.js";
import { t } from "../../i18n.js";

/**
 * The translated message for an API error (its code's text, or a generic one naming the code).
 * @param {unknown} err
 * @returns {string}
 */
export function errorText(err) {
  const code = /** @type {{code?: string}} */ (err)?.code;
  const key = `error.${code}`;
  return t(key) === key ? t("error.generic", { code }) : t(key);
}

/**
 * Ask someone to be my contact (with the default greeting unless one is given), and say
 * how it went. If they had asked me already, we are contacts at once.
 * @param {import("../../app.js").App} app
 * @param {string} username
 * @param {string} [greeting]
 * @returns {Promise<boolean>} whether the request went out
 */
export async function addByUsername(app, username, greeting) {
  try {
    const { request } = await app.api.requestContact({
      username,
      greeting: greeting ?? t("contacts.default_greeting", { name: app.store.me?.display_name }),
    });
    app.store.putRequest(request);
    toast(request.status === "accepted" ? t("contacts.now_friends") : t("contacts.request_sent"));
    return true;
  } catch (err) {
    toast(errorText(err), { kind: "error" });
    return false;
  }
}
