/**
 * Register and log in: one screen with two modes, the errors the server names shown next
 * to the form, and the language switch right there (before anyone has an account).
 */

import { chooseLocale, LOCALES, locale, t } from "../i18n.js";
import { h } from "../dom.js";

function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Mac OS/.test(ua) ? "macOS" : /Windows/.test(ua) ? "Windows" : /Linux/.test(ua) ? "Linux" : "";
  return `${browser}${os ? ` · ${os}` : ""}`;
}

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 */
export function mount(app, root) {
  let mode = location.hash === "#/register" ? "register" : "login";
  const render = () => {
    root.replaceChildren(build());
    root.querySelector("input")?.focus();
  };

  const build = () => {
    const error = h("p.form-error", { role: "alert", hidden: true });
    const username = h("input.field#username", {
      name: "username", autocomplete: "username", autocapitalize: "none", spellcheck: "false",
      required: true, minLength: 3, maxLength: 32, pattern: "[a-z0-9_]{3,32}", inputMode: "text",
    });
    const password = h("input.field#password", {
      name: "password", type: "password", required: true, minLength: 8, maxLength: 256,
      autocomplete: mode === "register" ? "new-password" : "current-password",
    });
    const displayName = h("input.field#display-name", { name: "display_name", maxLength: 64, autocomplete: "nickname" });
    const submit = h("button.btn.btn-primary.btn-block", { type: "submit" }, t(mode === "register" ? "auth.register" : "auth.login"));
    const form = h("form.auth-form", {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        const name = username.value.trim().toLowerCase();
        if (!/^[a-z0-9_]{3,32}$/.test(name)) return fail("user.username_invalid");
        if (password.value.length < 8) return fail("user.password_too_weak");
        submit.disabled = true;
        try {
          const session = mode === "register"
            ? await app.api.register(name, password.value, displayName.value.trim(), locale(), deviceName())
            : await app.api.login(name, password.value, deviceName());
          await app.signedIn(session);
        } catch (err) {
          fail(err.code);
        } finally {
          submit.disabled = false;
        }
        return undefined;
      },
    },
    h("label.field-label", { for: "username" }, t("auth.username")), username,
    mode === "register" ? h("p.field-hint", t("auth.username_hint")) : null,
    mode === "register" ? [h("label.field-label", { for: "display-name" }, t("auth.display_name")), displayName] : null,
    h("label.field-label", { for: "password" }, t("auth.password")), password,
    mode === "register" ? h("p.field-hint", t("auth.password_hint")) : null,
    error, submit);

    function fail(code) {
      const key = `error.${code}`;
      const text = t(key);
      error.textContent = text === key ? t("error.generic", { code }) : text;
      error.hidden = false;
    }

    const other = mode === "register" ? "login" : "register";
    const languages = h("select.lang-select", {
      "aria-label": t("me.language"),
      onchange: async (e) => {
        await chooseLocale(e.target.value);
        render();
      },
    }, LOCALES.map((tag) => h("option", { value: tag, selected: tag === locale() }, t(`lang.${tag}`))));
    return h("div.auth",
      h("div.auth-card",
        h("div.auth-brand", h("img", { src: new URL("../../icons/icon.svg", import.meta.url).href, alt: "", width: 64, height: 64 }),
          h("h1", t("app.name")), h("p.auth-tagline", t("auth.tagline"))),
        h("h2.auth-title", t(mode === "register" ? "auth.register_title" : "auth.login_title")),
        form,
        h("p.auth-switch", t(mode === "register" ? "auth.have_account" : "auth.no_account"), " ",
          h("a", { href: `#/${other}`, onclick: (e) => { e.preventDefault(); mode = other; history.replaceState(null, "", `#/${other}`); render(); } },
            t(other === "register" ? "auth.register" : "auth.login")))),
      h("div.auth-footer", languages));
  };
  render();
}
