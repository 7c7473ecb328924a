// @ts-check
/**
 * The templates section of an account's console page: the account's message templates
 * (what a template message may fill in) and a form to add one.
 */

import { h, icon } from "../../dom.js";
import { t } from "../../i18n.js";
import { errorToast } from "../officials.js";

/** @typedef {{template_id: string, title: string, content: string}} Template */

/** @param {import("./account.js").AccountPage} page */
export function templatesBox(page) {
  const { api } = page.app;
  const list = h("ul.template-list");
  const titleInput = /** @type {HTMLInputElement} */ (
    h("input.field#template-title", { maxLength: 64, placeholder: t("console.template_title"), required: true })
  );
  const content = /** @type {HTMLTextAreaElement} */ (
    h("textarea.field#template-content", {
      rows: 3,
      maxLength: 2000,
      placeholder: "{{first.DATA}}\n{{amount.DATA}}",
    })
  );
  async function load() {
    try {
      /** @type {{templates: Template[]}} */
      const { templates } = await api.devTemplates(page.id);
      list.replaceChildren(
        ...(templates.length ? templates.map(templateRow) : [h("li.empty-row", t("console.templates_none"))]),
      );
    } catch {
      list.replaceChildren(h("li.empty-row", t("status.offline")));
    }
  }
  /** @param {SubmitEvent} e */
  async function add(e) {
    e.preventDefault();
    try {
      await api.devAddTemplate(page.id, titleInput.value.trim(), content.value);
      titleInput.value = content.value = "";
      load();
    } catch (err) {
      errorToast(err);
    }
  }
  load();
  return h(
    "div",
    list,
    h(
      "form.template-form",
      { onsubmit: add },
      h("label.field-label", { for: "template-title" }, t("console.template_new")),
      titleInput,
      h("label.sr-only", { for: "template-content" }, t("console.template_content")),
      content,
      h("div.form-actions", h("button.btn.btn-plain", { type: "submit" }, icon("plus"), t("console.template_add"))),
    ),
  );
}

/** @param {Template} tp */
function templateRow(tp) {
  return h(
    "li.template-row",
    h("div.template-top", h("strong", tp.title), h("code.template-id", tp.template_id)),
    tp.content ? h("pre.template-content", tp.content) : null,
  );
}
