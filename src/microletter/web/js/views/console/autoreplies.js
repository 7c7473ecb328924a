// @ts-check
/**
 * The auto-replies section of an account's console page: the answer to a new follower,
 * keyword rules, and the answer to everything else. The server sends them itself while
 * the account has no webhook (with one, the developer's server answers instead); the
 * Official Account API reads them with get_current_autoreply_info (docs/platform.md).
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { errorToast } from "../officials.js";

/**
 * @typedef {{text: string, match: "contain"|"equal"}} Keyword
 * @typedef {{name: string, keywords: Keyword[], replies: string[], reply_all: boolean}} Rule
 * @typedef {{on_follow: string|null, default: string|null, keywords: Rule[]}} AutoReplies
 */

/** @param {import("./account.js").AccountPage} page */
export function autorepliesBox(page) {
  const box = h("div.autoreplies", h("p.card-hint", t("common.loading")));
  page.app.api
    .devAutoreplies(page.id)
    .then((/** @type {AutoReplies} */ settings) => box.replaceChildren(form(page, settings)))
    .catch(() => box.replaceChildren(h("p.card-hint", t("status.offline"))));
  return box;
}

/**
 * @param {import("./account.js").AccountPage} page
 * @param {AutoReplies} settings
 */
function form(page, settings) {
  const onFollow = textArea("autoreply-follow", settings.on_follow);
  const fallback = textArea("autoreply-default", settings.default);
  const rules = h("div.autoreply-rules");
  for (const rule of settings.keywords) rules.append(ruleEditor(rule));
  const addRule = h(
    "button.btn.btn-small.btn-plain#autoreply-add-rule",
    {
      type: "button",
      onclick: () => {
        const made = ruleEditor({
          name: "",
          keywords: [{ text: "", match: "contain" }],
          replies: [""],
          reply_all: true,
        });
        rules.append(made);
        /** @type {HTMLInputElement|null} */ (made.querySelector("input"))?.focus();
      },
    },
    icon("plus"),
    t("console.autoreply_add_rule"),
  );
  const save = /** @type {HTMLButtonElement} */ (
    h("button.btn.btn-primary", { type: "submit" }, t("console.autoreply_save"))
  );
  return h(
    "form.autoreply-form",
    {
      /** @param {SubmitEvent} e */
      onsubmit: async (e) => {
        e.preventDefault();
        save.disabled = true;
        try {
          const saved = await page.app.api.devSetAutoreplies(page.id, {
            on_follow: onFollow.value.trim() || null,
            default: fallback.value.trim() || null,
            keywords: [...rules.children].map(readRule).filter((r) => r.keywords.length || r.replies.length),
          });
          rules.replaceChildren(...saved.keywords.map(ruleEditor));
          toast(t("console.autoreply_saved"));
        } catch (err) {
          errorToast(err);
        } finally {
          save.disabled = false;
        }
      },
    },
    h("p.card-hint", t(page.account.webhook_url ? "console.autoreply_webhook" : "console.autoreply_hint")),
    h("label.field-label", { for: "autoreply-follow" }, t("console.autoreply_follow")),
    onFollow,
    h("h3.field-label", t("console.autoreply_keywords")),
    rules,
    addRule,
    h("label.field-label", { for: "autoreply-default" }, t("console.autoreply_default")),
    fallback,
    h("div.form-actions", save),
  );
}

/**
 * @param {string} id
 * @param {string|null} value
 */
function textArea(id, value) {
  return /** @type {HTMLTextAreaElement} */ (h(`textarea.field#${id}`, { rows: 2, maxLength: 600 }, value || ""));
}

/**
 * One keyword rule: its name, its keywords (each "contains" or "is exactly"), its replies
 * (one per line) and whether all of them are sent or only the first.
 * @param {Rule} rule
 */
function ruleEditor(rule) {
  const words = h("div.autoreply-words");
  for (const word of rule.keywords) words.append(keywordRow(word));
  const el = h(
    "fieldset.autoreply-rule",
    h("legend.sr-only", t("console.autoreply_rule")),
    h("input.field.autoreply-name", {
      value: rule.name,
      maxLength: 60,
      placeholder: t("console.autoreply_rule_name"),
      "aria-label": t("console.autoreply_rule_name"),
    }),
    words,
    h(
      "button.btn.btn-small.btn-plain",
      { type: "button", onclick: () => words.append(keywordRow({ text: "", match: "contain" })) },
      icon("plus"),
      t("console.autoreply_add_keyword"),
    ),
    h(
      "textarea.field.autoreply-replies",
      {
        rows: 2,
        placeholder: t("console.autoreply_replies"),
        "aria-label": t("console.autoreply_replies"),
      },
      rule.replies.join("\n"),
    ),
    h(
      "label.check",
      h("input.autoreply-all", { type: "checkbox", checked: rule.reply_all }),
      t("console.autoreply_reply_all"),
    ),
    h(
      "button.btn.btn-small.btn-plain.danger",
      { type: "button", onclick: () => el.remove() },
      t("console.autoreply_remove_rule"),
    ),
  );
  return el;
}

/** @param {Keyword} word */
function keywordRow(word) {
  const match = h(
    "select.field.autoreply-match",
    { "aria-label": t("console.autoreply_match") },
    h("option", { value: "contain", selected: word.match !== "equal" }, t("console.autoreply_contain")),
    h("option", { value: "equal", selected: word.match === "equal" }, t("console.autoreply_equal")),
  );
  const row = h(
    "div.autoreply-word",
    h("input.field.autoreply-keyword", {
      value: word.text,
      maxLength: 30,
      placeholder: t("console.autoreply_keyword"),
      "aria-label": t("console.autoreply_keyword"),
    }),
    match,
    h(
      "button.icon-btn",
      { type: "button", "aria-label": t("console.autoreply_remove_keyword"), onclick: () => row.remove() },
      icon("close"),
    ),
  );
  return row;
}

/**
 * @param {Element} el a rule's fieldset
 * @returns {Rule}
 */
function readRule(el) {
  const value = (/** @type {string} */ selector) =>
    /** @type {HTMLInputElement|HTMLTextAreaElement|HTMLSelectElement} */ (el.querySelector(selector)).value;
  const keywords = [...el.querySelectorAll(".autoreply-word")]
    .map((row) => ({
      text: /** @type {HTMLInputElement} */ (row.querySelector(".autoreply-keyword")).value.trim(),
      match: /** @type {"contain"|"equal"} */ (
        /** @type {HTMLSelectElement} */ (row.querySelector(".autoreply-match")).value
      ),
    }))
    .filter((k) => k.text);
  return {
    name: value(".autoreply-name").trim(),
    keywords,
    replies: value(".autoreply-replies")
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean),
    reply_all: /** @type {HTMLInputElement} */ (el.querySelector(".autoreply-all")).checked,
  };
}
