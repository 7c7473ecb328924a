// @ts-check
/**
 * The console's menu editor: up to 3 buttons, each a click button (a key the webhook
 * hears), a view button (a page to open) or a group of up to 5 sub-buttons. "Check" asks
 * the server's menu-preview route, so the rules are the server's alone (the same ones as
 * menu/create); the preview shows the menu as followers will see it.
 */

import { h, icon } from "../dom.js";
import { t } from "../i18n.js";

/**
 * A menu button as the WeChat protocol writes it (menu/create, menu/get).
 * @typedef {{name: string, type?: string, key?: string, url?: string, sub_button?: ProtocolButton[]}} ProtocolButton
 */

const MAX_TOP = 3;
const MAX_SUB = 5;

/** The editable form of a protocol button. */
function fromProtocol(button) {
  const subs = button.sub_button || [];
  return {
    name: button.name || "",
    type: subs.length ? "group" : button.type === "view" ? "view" : "click",
    value: button.type === "view" ? button.url || "" : button.key || "",
    sub: subs.map(fromProtocol),
  };
}

/** The protocol's button from the editable form. */
function toProtocol(b) {
  if (b.type === "group") return { name: b.name, sub_button: b.sub.map(toProtocol) };
  return b.type === "view"
    ? { type: "view", name: b.name, url: b.value }
    : { type: "click", name: b.name, key: b.value };
}

/**
 * A menu preview: a row of buttons as under a follower's composer, sub-buttons listed.
 * @param {ProtocolButton[]} menu protocol buttons
 */
export function menuPreview(menu) {
  return h(
    "div.menu-preview",
    { "aria-label": t("console.menu_preview") },
    menu.map((b) =>
      h(
        "div.menu-preview-item",
        h("span.menu-preview-name", (b.sub_button || []).length ? [icon("more", "menu-dots"), b.name] : b.name),
        b.sub_button?.length
          ? h(
              "ul.menu-preview-subs",
              b.sub_button.map((s) => h("li", s.name)),
            )
          : null,
      ),
    ),
  );
}

/**
 * An editable button: `value` is the key of a click button or the URL of a view button.
 * @typedef {{name: string, type: string, value: string, sub: Editable[]}} Editable
 */

/**
 * @typedef {object} Editor one menu editor's state
 * @property {import("../app.js").App} app
 * @property {{id: number, menu: ProtocolButton[]|null}} account
 * @property {(menu: ProtocolButton[]|null) => void} saved
 * @property {Editable[]} buttons
 * @property {HTMLElement} rows
 * @property {HTMLElement} add
 * @property {HTMLElement} outcome
 */

/** @returns {Editable} */
const blank = () => ({ name: "", type: "click", value: "", sub: [] });

/**
 * @param {import("../app.js").App} app
 * @param {{id: number, menu: ProtocolButton[]|null}} account
 * @param {(menu: ProtocolButton[]|null) => void} saved
 */
export function menuEditor(app, account, saved) {
  const rows = h("div.menu-editor-rows");
  const outcome = h("div.menu-outcome", { role: "status", "aria-live": "polite" });
  const onclick = () => {
    ed.buttons.push(blank());
    render(ed);
    /** @type {HTMLInputElement|null} */ (rows.querySelector(".menu-button:last-child input"))?.focus();
  };
  const add = h("button.btn.btn-small.btn-plain", { type: "button", onclick }, icon("plus"), t("console.menu_add"));
  /** @type {Editor} */
  const ed = { app, account, saved, buttons: (account.menu || []).map(fromProtocol), rows, add, outcome };
  render(ed);
  return h(
    "div.menu-editor",
    rows,
    h(
      "div.menu-editor-actions",
      add,
      h("span.spacer"),
      h(
        "button.btn.btn-small.btn-plain#menu-check",
        { type: "button", onclick: () => check(ed) },
        t("console.menu_check"),
      ),
      h(
        "button.btn.btn-small.btn-primary#menu-save",
        { type: "button", onclick: () => save(ed) },
        t("console.menu_save"),
      ),
    ),
    outcome,
  );
}

/**
 * One line of the form: name, type, key or URL, and a remove button.
 * @param {Editable} b @param {string} label @param {() => void} onRemove
 * @param {boolean} allowGroup a top-level button may hold sub-buttons
 * @param {() => void} rerender
 */
function fields(b, label, onRemove, allowGroup, rerender) {
  const valueLabel = b.type === "view" ? t("console.menu_url") : t("console.menu_key");
  return [
    h("input.field.menu-name", {
      value: b.name,
      maxLength: 40,
      placeholder: t("console.menu_name"),
      "aria-label": `${label}: ${t("console.menu_name")}`,
      oninput: (e) => {
        b.name = e.target.value;
      },
    }),
    h(
      "select.field.menu-type",
      {
        "aria-label": `${label}: ${t("console.menu_type")}`,
        onchange: (e) => {
          b.type = e.target.value;
          if (b.type === "group" && !b.sub.length) b.sub.push(blank());
          rerender();
        },
      },
      ["click", "view", ...(allowGroup ? ["group"] : [])].map((type) =>
        h("option", { value: type, selected: b.type === type }, t(`console.menu_type_${type}`)),
      ),
    ),
    b.type === "group"
      ? null
      : h("input.field.menu-value", {
          value: b.value,
          maxLength: 1000,
          placeholder: valueLabel,
          "aria-label": `${label}: ${valueLabel}`,
          type: b.type === "view" ? "url" : "text",
          oninput: (e) => {
            b.value = e.target.value;
          },
        }),
    h(
      "button.icon-btn.menu-remove",
      { type: "button", "aria-label": t("console.menu_remove", { name: label }), onclick: onRemove },
      icon("trash"),
    ),
  ];
}

/** @param {Editor} ed */
function render(ed) {
  ed.rows.replaceChildren(...ed.buttons.map((b, i) => buttonSet(ed, b, i)));
  ed.add.hidden = ed.buttons.length >= MAX_TOP;
  if (!ed.buttons.length) ed.rows.append(h("p.card-hint", t("console.menu_empty")));
}

/**
 * Top-level button `i`, with its sub-buttons when it is a group.
 * @param {Editor} ed @param {Editable} b @param {number} i
 */
function buttonSet(ed, b, i) {
  const rerender = () => render(ed);
  const label = t("console.menu_button_n", { n: i + 1 });
  const remove = () => {
    ed.buttons.splice(i, 1);
    rerender();
  };
  const sub = (/** @type {Editable} */ s, /** @type {number} */ j) => {
    const dropSub = () => {
      b.sub.splice(j, 1);
      rerender();
    };
    const subLabel = t("console.menu_sub_n", { n: i + 1, m: j + 1 });
    return h("div.menu-line.menu-sub", fields(s, subLabel, dropSub, false, rerender));
  };
  const addSub = () => {
    b.sub.push(blank());
    rerender();
  };
  return h(
    "fieldset.menu-button",
    h("legend", label),
    h("div.menu-line", fields(b, label, remove, true, rerender)),
    b.type === "group"
      ? h(
          "div.menu-subs",
          b.sub.map(sub),
          b.sub.length < MAX_SUB
            ? h(
                "button.btn.btn-small.btn-plain",
                { type: "button", onclick: addSub },
                icon("plus"),
                t("console.menu_add_sub"),
              )
            : null,
        )
      : null,
  );
}

/** @param {Editor} ed @param {any} err */
function showError(ed, err) {
  ed.outcome.className = "menu-outcome error-box";
  ed.outcome.replaceChildren(h("strong", t("error.platform.menu_invalid")), h("span", err.message || err.code));
}

/**
 * Say how the server's rules find the menu, with a preview when they accept it.
 * @param {Editor} ed
 */
async function check(ed) {
  try {
    const { menu } = await ed.app.api.menuPreview(ed.buttons.map(toProtocol));
    ed.outcome.className = "menu-outcome ok-box";
    ed.outcome.replaceChildren(h("strong", t("console.menu_valid")), menuPreview(menu));
    return menu;
  } catch (err) {
    showError(ed, err);
    return null;
  }
}

/** Save the menu as checked, or delete it when no button is left. @param {Editor} ed */
async function save(ed) {
  const { api } = ed.app;
  if (!ed.buttons.length) {
    try {
      await api.devDeleteMenu(ed.account.id);
      ed.outcome.className = "menu-outcome ok-box";
      ed.outcome.replaceChildren(h("strong", t("console.menu_deleted")));
      ed.saved(null);
    } catch (err) {
      showError(ed, err);
    }
    return;
  }
  if (!(await check(ed))) return;
  try {
    const { menu } = await api.devSetMenu(ed.account.id, ed.buttons.map(toProtocol));
    ed.buttons = menu.map(fromProtocol);
    render(ed);
    ed.outcome.className = "menu-outcome ok-box";
    ed.outcome.replaceChildren(h("strong", t("console.menu_saved")), menuPreview(menu));
    ed.saved(menu);
  } catch (err) {
    showError(ed, err);
  }
}
