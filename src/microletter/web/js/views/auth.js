// @ts-check
/**
 * Register and log in: one screen with two modes, the errors the server names shown next
 * to the form, and the language switch right there (before anyone has an account). A third
 * mode, setup, opens from the link `microletter serve` prints while an operator has no
 * account (#/setup/<token>): it creates that account with the link's one-time token.
 */

import { chooseLocale, LOCALES, locale, t } from "../i18n.js";
import { h } from "../dom.js";

function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
      ? "Firefox"
      : /Chrome\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : "Browser";
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Mac OS/.test(ua)
        ? "macOS"
        : /Windows/.test(ua)
          ? "Windows"
          : /Linux/.test(ua)
            ? "Linux"
            : "";
  return `${browser}${os ? ` · ${os}` : ""}`;
}

/** The setup link's token, once read from the address bar (which then forgets it). */
let rememberedSetupToken = "";

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 */
export function mount(app, root) {
  let mode = location.hash === "#/register" ? "register" : "login";
  const setup = /^#\/setup\/([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (setup) {
    rememberedSetupToken = setup[1];
    // The token stays in memory only: not in the address bar, nor in the history.
    history.replaceState(null, "", "#/setup");
  }
  // A second mount (the boot finishing after the link's hashchange) sees only "#/setup":
  // the token read by the first one keeps the form in setup mode.
  const setupToken = location.hash === "#/setup" ? rememberedSetupToken : "";
  if (setupToken) mode = "setup";
  const render = () => {
    root.replaceChildren(build());
    root.querySelector("input")?.focus();
  };

  const build = () => {
    const error = h("p.form-error", { role: "alert", hidden: true });
    const username = h("input.field#username", {
      name: "username",
      autocomplete: "username",
      autocapitalize: "none",
      spellcheck: "false",
      required: true,
      minLength: 3,
      maxLength: 32,
      pattern: "[a-z0-9_]{3,32}",
      inputMode: "text",
    });
    const password = h("input.field#password", {
      name: "password",
      type: "password",
      required: true,
      minLength: 8,
      maxLength: 256,
      autocomplete: mode === "login" ? "current-password" : "new-password",
    });
    const displayName = h("input.field#display-name", {
      name: "display_name",
      maxLength: 64,
      autocomplete: "nickname",
    });
    const creating = mode !== "login";
    const label = { register: "auth.register", login: "auth.login", setup: "auth.setup" }[mode];
    const submit = h("button.btn.btn-primary.btn-block", { type: "submit" }, t(label));
    const form = h(
      "form.auth-form",
      {
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          error.hidden = true;
          const name = username.value.trim().toLowerCase();
          if (!/^[a-z0-9_]{3,32}$/.test(name)) return fail("user.username_invalid");
          if (password.value.length < 8) return fail("user.password_too_weak");
          submit.disabled = true;
          try {
            const given = displayName.value.trim();
            let session;
            if (mode === "register") {
              session = await app.api.register(name, password.value, given, locale(), deviceName());
            } else if (mode === "setup") {
              session = await app.api.setupOperator(setupToken, name, password.value, given, locale(), deviceName());
              history.replaceState(null, "", "#/chats");
            } else {
              session = await app.api.login(name, password.value, deviceName());
            }
            await app.signedIn(session);
          } catch (caught) {
            const err = /** @type {import("../api.js").ApiError} */ (caught);
            fail(err.code);
          } finally {
            submit.disabled = false;
          }
          return undefined;
        },
      },
      mode === "setup" ? h("p.field-hint", t("auth.setup_hint")) : null,
      h("label.field-label", { for: "username" }, t("auth.username")),
      username,
      mode === "register" ? h("p.field-hint", t("auth.username_hint")) : null,
      creating ? [h("label.field-label", { for: "display-name" }, t("auth.display_name")), displayName] : null,
      h("label.field-label", { for: "password" }, t("auth.password")),
      password,
      creating ? h("p.field-hint", t("auth.password_hint")) : null,
      error,
      submit,
    );

    function fail(code) {
      const key = `error.${code}`;
      const text = t(key);
      error.textContent = text === key ? t("error.generic", { code }) : text;
      error.hidden = false;
    }

    const other = mode === "login" ? "register" : "login";
    const title = { register: "auth.register_title", login: "auth.login_title", setup: "auth.setup_title" }[mode];
    const languages = h(
      "select.lang-select",
      {
        "aria-label": t("me.language"),
        onchange: async (e) => {
          await chooseLocale(e.target.value);
          render();
        },
      },
      LOCALES.map((tag) => h("option", { value: tag, selected: tag === locale() }, t(`lang.${tag}`))),
    );
    return h(
      "div.auth",
      h(
        "div.auth-card",
        h(
          "div.auth-brand",
          h("img", { src: new URL("../../icons/icon.svg", import.meta.url).href, alt: "", width: 64, height: 64 }),
          h("h1", t("app.name")),
          h("p.auth-tagline", t("auth.tagline")),
        ),
        h("h2.auth-title", t(title)),
        form,
        h(
          "p.auth-switch",
          t(mode === "login" ? "auth.no_account" : "auth.have_account"),
          " ",
          h(
            "a",
            {
              href: `#/${other}`,
              onclick: (e) => {
                e.preventDefault();
                mode = other;
                history.replaceState(null, "", `#/${other}`);
                render();
              },
            },
            t(other === "register" ? "auth.register" : "auth.login"),
          ),
        ),
      ),
      h("div.auth-footer", languages),
    );
  };
  render();
}
