// @ts-check
/**
 * The OAuth consent screen (`#/oauth?appid&redirect_uri&scope&state`), where the server's
 * /connect/oauth2/authorize sends a browser that an H5 page sent there. With the session of
 * this client it asks what the page wants: snsapi_base goes on at once (silent);
 * snsapi_userinfo asks the person whether the account may know their name and picture.
 * Either answer sends the browser back to the page (with a code only when allowed).
 */

import { h, icon } from "../dom.js";
import { t } from "../i18n.js";
import { accountAvatar, userAvatar } from "../common.js";

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} query the authorize URL's query
 */
export function mount(app, root, query) {
  const { api, store } = app;
  const q = new URLSearchParams(query);
  const ask = {
    appid: q.get("appid") || "",
    redirect_uri: q.get("redirect_uri") || "",
    scope: q.get("scope") || "snsapi_base",
    state: q.get("state") || "",
  };
  const box = h("div.consent", { role: "main" });
  root.append(box);
  const status = (text, busy = false) =>
    box.replaceChildren(
      h(
        "div.consent-card.center",
        busy ? h("div.spinner", { "aria-hidden": "true" }) : icon("alert", "big"),
        h("p.consent-status", { role: "status" }, text),
      ),
    );
  let answered = false;

  async function answer(allow) {
    if (answered) return;
    answered = true;
    status(t("oauth.returning"), true);
    try {
      const { redirect } = await api.authorize({ ...ask, allow });
      location.replace(redirect);
    } catch (caught) {
      const err = /** @type {import("../api.js").ApiError} */ (caught);
      answered = false;
      status(
        t(`error.${err.code}`) === `error.${err.code}`
          ? t("error.generic", { code: err.code })
          : t(`error.${err.code}`),
      );
    }
  }

  function show(account) {
    const host = (() => {
      try {
        return new URL(ask.redirect_uri).host;
      } catch {
        return ask.redirect_uri;
      }
    })();
    const me = /** @type {import("../store.js").User} */ (store.me); // signed in: the route needs it
    box.replaceChildren(
      h(
        "section.consent-card",
        { "aria-labelledby": "consent-title" },
        h(
          "div.consent-head",
          accountAvatar(account, 64),
          h("h1#consent-title.consent-name", account.name),
          h("p.consent-site", t("oauth.from_site", { site: host })),
        ),
        h("p.consent-ask", t("oauth.asks")),
        h(
          "div.consent-profile",
          userAvatar(store, me.id, 44),
          h(
            "span.consent-me",
            h("span.consent-me-name", me.display_name || me.username),
            h("span.consent-me-hint", t("oauth.profile_hint")),
          ),
        ),
        h(
          "ul.consent-list",
          h("li", icon("check"), t("oauth.grant_profile")),
          h("li", icon("check"), t("oauth.grant_openid")),
        ),
        h(
          "div.consent-actions",
          h(
            "button.btn.btn-primary.btn-block#consent-allow",
            { type: "button", onclick: () => answer(true) },
            t("oauth.allow"),
          ),
          h(
            "button.btn.btn-plain.btn-block#consent-deny",
            { type: "button", onclick: () => answer(false) },
            t("oauth.deny"),
          ),
        ),
      ),
    );
  }

  status(t("common.loading"), true);
  api
    .consent({ appid: ask.appid, redirect_uri: ask.redirect_uri, scope: ask.scope })
    .then(({ account, silent }) => {
      store.putAccount(account);
      if (silent) answer(true);
      else show(account);
    })
    .catch((err) => {
      const key = `error.${err.code}`;
      status(t(key) === key ? t("error.generic", { code: err.code }) : t(key));
    });
  return null;
}
