/**
 * The developer console (Me → Developer console): my official accounts and a form to
 * create one; for each account its credentials (the AppSecret is shown once, after
 * creating or resetting it), the webhook URL and message mode (saving runs the
 * verification handshake, whose failure is shown in full), the menu editor, a broadcast,
 * the account's QR code and its message templates. Everything goes through
 * /api/v1/developer (docs/api.md).
 */

import { confirmDialog, dialog, h, icon, promptDialog, toast } from "../dom.js";
import { formatFull, t, tn } from "../i18n.js";
import { accountAvatar, topbar } from "../common.js";
import { menuEditor } from "./menueditor.js";
import { errorToast } from "./officials.js";

const MODES = ["plaintext", "compatible", "safe"];

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast(t("msg.copied"));
  } catch {
    toast(text);
  }
}

/** A label, a value in monospace and a copy button. */
function credential(label, value, id) {
  return h("div.cred", h("span.cred-label", label), h("code.cred-value", { id }, value),
    h("button.icon-btn.cred-copy", { type: "button", "aria-label": t("console.copy", { name: label }), onclick: () => copy(value) }, icon("paste")));
}

/** Show a fresh AppSecret, this once. */
function showSecret(secret) {
  return dialog((close) => h("div.dialog-body",
    h("h2.dialog-title", t("console.secret_title")),
    h("p.dialog-text", t("console.secret_once")),
    h("code.secret-value#appsecret", secret),
    h("div.dialog-actions",
      h("button.btn.btn-plain", { type: "button", onclick: () => copy(secret) }, icon("paste"), t("console.copy_short")),
      h("button.btn.btn-primary", { type: "button", autofocus: true, onclick: () => close() }, t("console.secret_saved")))),
  { label: t("console.secret_title") });
}

/** The list of my accounts, and creating one. */
export function mountList(app, root) {
  const { api } = app;
  const list = h("ul.list", { "aria-label": t("console.my_accounts") });
  const name = h("input.field#new-account-name", { maxLength: 64, placeholder: t("console.name_placeholder"), required: true });
  const about = h("input.field#new-account-desc", { maxLength: 256, placeholder: t("console.desc_placeholder") });
  const create = h("button.btn.btn-primary", { type: "submit" }, icon("plus"), t("console.create"));
  const form = h("form.console-create", {
    onsubmit: async (e) => {
      e.preventDefault();
      if (!name.value.trim()) return;
      create.disabled = true;
      try {
        const made = await api.devCreate(name.value.trim(), about.value.trim());
        await showSecret(made.appsecret);
        app.go(`console/${made.account.id}`);
      } catch (err) {
        errorToast(err);
      } finally {
        create.disabled = false;
      }
    },
  },
  h("label.field-label", { for: "new-account-name" }, t("console.name")), name,
  h("label.field-label", { for: "new-account-desc" }, t("console.description")), about,
  h("div.form-actions", create));
  root.append(topbar({ title: t("console.title"), back: () => app.go("me") }),
    h("div.scroll.page",
      h("p.card-hint.outside.lead", t("console.intro")),
      h("h2.section-title", t("console.my_accounts")), h("section.card", list),
      h("h2.section-title", t("console.new_account")), h("section.card.pad", form)));
  api.devAccounts().then(({ accounts }) => {
    list.replaceChildren(...(accounts.length ? accounts.map((a) => h("li", h("a.row.account-row", { href: `#/console/${a.id}`, dataset: { account: String(a.id) } },
      accountAvatar(a, 40),
      h("span.account-main", h("span.row-text", a.name), h("span.account-desc", a.appid)),
      h(`span.pill${a.webhook_url ? ".on" : ""}`, a.webhook_url ? t("console.webhook_on") : t("console.webhook_off")),
      icon("chevron", "cell-chevron"))))
      : [h("li.empty-row", t("console.none"))]));
  }).catch(() => list.replaceChildren(h("li.empty-row", t("status.offline"))));
  return null;
}

/** One account's console page. */
export function mountAccount(app, root, idText) {
  const { api } = app;
  const id = Number(idText);
  const body = h("div.scroll.page.console");
  const title = h("span", t("console.account"));
  root.append(topbar({ title, back: () => app.go("console") }), body);
  let account = null;

  function section(key, ...children) {
    return [h("h2.section-title", { id: `sec-${key}` }, t(`console.sec_${key}`)), h(`section.card.pad.console-${key}`, { "aria-labelledby": `sec-${key}` }, children)];
  }

  function render() {
    title.textContent = account.name;
    body.replaceChildren(
      h("section.card.account-card",
        accountAvatar(account, 64), h("h2.account-name", account.name),
        account.description ? h("p.account-about", account.description) : null,
        h("p.account-stats", tn("official.followers", account.follower_count)),
        h("button.btn.btn-small.btn-plain", { type: "button", onclick: editProfile }, icon("edit"), t("console.edit"))),
      ...section("credentials",
        credential(t("console.appid"), account.appid, "cred-appid"),
        credential(t("console.original_id"), account.original_id, "cred-original"),
        h("div.cred", h("span.cred-label", t("console.appsecret")), h("span.cred-value.muted", t("console.secret_hidden")),
          h("button.btn.btn-small.btn-plain#reset-secret", { type: "button", onclick: resetSecret }, t("console.reset"))),
        credential(t("console.token"), account.token, "cred-token"),
        credential(t("console.aes_key"), account.encoding_aes_key, "cred-aes")),
      ...section("webhook", webhookForm()),
      ...section("menu", h("p.card-hint", t("console.menu_hint")), menuEditor(app, account, (menu) => { account.menu = menu; })),
      ...section("broadcast", broadcastForm()),
      ...section("qr", qrBox()),
      ...section("templates", templatesBox()));
  }

  async function editProfile() {
    const name = await promptDialog({ title: t("console.name"), value: account.name, maxLength: 64 });
    if (name === undefined) return;
    const description = await promptDialog({ title: t("console.description"), value: account.description, maxLength: 256, multiline: true });
    if (description === undefined) return;
    try {
      account = (await api.devUpdate(id, { name: name.trim() || account.name, description: description.trim() })).account;
      render();
    } catch (err) {
      errorToast(err);
    }
  }

  async function resetSecret() {
    if (!(await confirmDialog(t("console.reset_confirm"), { ok: t("console.reset"), danger: true }))) return;
    try {
      const made = await api.devResetSecret(id);
      await showSecret(made.appsecret);
    } catch (err) {
      errorToast(err);
    }
  }

  function webhookForm() {
    const url = h("input.field#webhook-url", { type: "url", required: true, value: account.webhook_url || "", placeholder: "https://example.com/wechat", autocomplete: "off", spellcheck: "false" });
    const mode = h("select.field#webhook-mode", MODES.map((m) => h("option", { value: m, selected: account.mode === m }, t(`console.mode_${m}`))));
    const outcome = h("div.webhook-outcome", { role: "status", "aria-live": "polite" });
    const save = h("button.btn.btn-primary", { type: "submit" }, t("console.webhook_save"));
    const state = account.webhook_url
      ? h("p.webhook-state.on", icon("check"), t("console.webhook_verified", { when: formatFull(account.webhook_verified_at || account.created_at) }))
      : h("p.webhook-state", t("console.webhook_none"));
    return h("form.webhook-form", {
      onsubmit: async (e) => {
        e.preventDefault();
        save.disabled = true;
        outcome.className = "webhook-outcome";
        outcome.replaceChildren(h("span.spinner.small", { "aria-hidden": "true" }), t("console.webhook_checking"));
        try {
          account = (await api.devSetWebhook(id, url.value.trim(), mode.value)).account;
          render();
          toast(t("console.webhook_saved"));
        } catch (err) {
          outcome.className = "webhook-outcome error-box";
          const key = `error.${err.code}`;
          outcome.replaceChildren(h("strong", t(key) === key ? t("error.generic", { code: err.code }) : t(key)),
            h("span", err.message),
            Object.keys(err.details || {}).length ? h("dl.error-details", Object.entries(err.details).map(([k, v]) => [h("dt", k), h("dd", String(v))])) : null);
        } finally {
          save.disabled = false;
        }
      },
    },
    state,
    h("label.field-label", { for: "webhook-url" }, t("console.webhook_url")), url,
    h("label.field-label", { for: "webhook-mode" }, t("console.webhook_mode")), mode,
    h("p.field-hint", t("console.webhook_hint")),
    h("div.form-actions",
      account.webhook_url ? h("button.btn.btn-plain", { type: "button", onclick: async () => {
        try {
          account = (await api.devClearWebhook(id)).account;
          render();
        } catch (err) {
          errorToast(err);
        }
      } }, t("console.webhook_stop")) : null,
      save),
    outcome);
  }

  function broadcastForm() {
    const text = h("textarea.field#broadcast-text", { maxLength: 4000, rows: 3, placeholder: t("console.broadcast_placeholder"), required: true });
    const send = h("button.btn.btn-primary", { type: "submit" }, icon("send"), t("console.broadcast_send"));
    return h("form", {
      onsubmit: async (e) => {
        e.preventDefault();
        if (!text.value.trim()) return;
        if (!(await confirmDialog(tn("console.broadcast_confirm", account.follower_count), { ok: t("console.broadcast_send") }))) return;
        send.disabled = true;
        try {
          await api.devBroadcast(id, text.value.trim());
          text.value = "";
          toast(t("console.broadcast_sent"));
        } catch (err) {
          errorToast(err);
        } finally {
          send.disabled = false;
        }
      },
    }, h("label.sr-only", { for: "broadcast-text" }, t("console.broadcast_text")), text,
    h("p.field-hint", t("console.broadcast_hint")), h("div.form-actions", send));
  }

  function qrBox() {
    const box = h("div.console-qr-box", h("p.card-hint", t("common.loading")));
    api.devQr(id).then((code) => {
      box.replaceChildren(
        h("div.qr-frame", h("img.qr-img", { src: code.image_url, alt: t("console.qr_alt", { name: account.name }), width: 200, height: 200 })),
        h("p.card-hint", t("console.qr_hint")),
        h("div.qr-payload", h("code#account-qr-link", code.url),
          h("button.btn.btn-small.btn-plain", { type: "button", onclick: () => copy(code.url) }, icon("paste"), t("me.copy_code"))));
    }).catch(() => box.replaceChildren(h("p.card-hint", t("me.qr_offline"))));
    return box;
  }

  function templatesBox() {
    const list = h("ul.template-list");
    const titleInput = h("input.field#template-title", { maxLength: 64, placeholder: t("console.template_title"), required: true });
    const content = h("textarea.field#template-content", { rows: 3, maxLength: 2000, placeholder: "{{first.DATA}}\n{{amount.DATA}}" });
    async function load() {
      try {
        const { templates } = await api.devTemplates(id);
        list.replaceChildren(...(templates.length ? templates.map((tp) => h("li.template-row",
          h("div.template-top", h("strong", tp.title), h("code.template-id", tp.template_id)),
          tp.content ? h("pre.template-content", tp.content) : null))
          : [h("li.empty-row", t("console.templates_none"))]));
      } catch {
        list.replaceChildren(h("li.empty-row", t("status.offline")));
      }
    }
    load();
    return h("div", list, h("form.template-form", {
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api.devAddTemplate(id, titleInput.value.trim(), content.value);
          titleInput.value = content.value = "";
          load();
        } catch (err) {
          errorToast(err);
        }
      },
    }, h("label.field-label", { for: "template-title" }, t("console.template_new")), titleInput,
    h("label.sr-only", { for: "template-content" }, t("console.template_content")), content,
    h("div.form-actions", h("button.btn.btn-plain", { type: "submit" }, icon("plus"), t("console.template_add")))));
  }

  body.append(h("div.empty-state", h("p", t("common.loading"))));
  api.devAccount(id).then((got) => {
    account = got.account;
    render();
  }).catch((err) => {
    body.replaceChildren(h("div.empty-state", h("p", t(err.code === "network" ? "status.offline" : "error.platform.account_not_found"))));
  });
  return null;
}
