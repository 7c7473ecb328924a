// @ts-check
/**
 * An account's Mini apps section in the developer console: the apps registered for it
 * (name, icon, entry URL, JS-safe domains), a form to register one, and Remove. Frames of
 * the web client are allowed only from registered domains, and only pages there get the
 * JS bridge (docs/miniapps.md).
 */

import { confirmDialog, h, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { errorToast } from "../officials.js";

/**
 * @param {import("./account.js").AccountPage} page
 * @returns {HTMLElement}
 */
export function miniappsBox(page) {
  const box = h("div.console-miniapps-box", h("p.card-hint", t("common.loading")));
  load(page, box);
  return box;
}

/**
 * @param {import("./account.js").AccountPage} page
 * @param {HTMLElement} box
 */
async function load(page, box) {
  const base = `/developer/accounts/${page.id}/miniapps`;
  try {
    const { apps } = await page.app.api.request("GET", base);
    box.replaceChildren(
      apps.length
        ? h(
            "ul.miniapp-console-list",
            apps.map((/** @type {any} */ a) =>
              h(
                "li.miniapp-console-row",
                { dataset: { app: String(a.id) } },
                h("strong", a.name),
                h("span.muted", ` ${a.entry_url} · ${a.domains.join(", ")}`),
                h(
                  "button.btn.btn-small.btn-plain",
                  {
                    type: "button",
                    onclick: async () => {
                      if (!(await confirmDialog(t("console.miniapp_remove_ask", { name: a.name }), { danger: true })))
                        return;
                      try {
                        await page.app.api.request("DELETE", `${base}/${a.id}`);
                        load(page, box);
                      } catch (err) {
                        errorToast(err);
                      }
                    },
                  },
                  t("console.miniapp_remove"),
                ),
              ),
            ),
          )
        : h("p.card-hint", t("console.miniapp_none")),
      form(page, box, base),
    );
  } catch (err) {
    box.replaceChildren(h("p.card-hint", { role: "alert" }, String(/** @type {any} */ (err).message || err)));
  }
}

/**
 * @param {import("./account.js").AccountPage} page
 * @param {HTMLElement} box
 * @param {string} base
 */
function form(page, box, base) {
  /** @param {string} id @param {string} label @param {string} placeholder */
  const field = (id, label, placeholder) => {
    const input = /** @type {HTMLInputElement} */ (
      h(`input.field#${id}`, { autocomplete: "off", spellcheck: "false", placeholder })
    );
    return { input, row: [h("label.field-label", { for: id }, label), input] };
  };
  const name = field("miniapp-name", t("console.miniapp_name"), "Quiz");
  const entry = field("miniapp-entry", t("console.miniapp_entry"), "https://h5.example.com/index.html");
  const icon = field("miniapp-icon", t("console.miniapp_icon"), "https://h5.example.com/icon.png");
  const domains = field("miniapp-domains", t("console.miniapp_domains"), "h5.example.com");
  const save = /** @type {HTMLButtonElement} */ (
    h("button.btn.btn-primary#miniapp-register", { type: "submit" }, t("console.miniapp_register"))
  );
  return h(
    "form.miniapp-form",
    {
      /** @param {SubmitEvent} e */
      onsubmit: async (e) => {
        e.preventDefault();
        save.disabled = true;
        try {
          await page.app.api.request("POST", base, {
            json: {
              name: name.input.value,
              entry_url: entry.input.value.trim(),
              icon: icon.input.value.trim(),
              domains: domains.input.value.split(/[\s,]+/).filter(Boolean),
            },
          });
          toast(t("console.miniapp_registered"));
          load(page, box);
        } catch (err) {
          errorToast(err);
          save.disabled = false;
        }
      },
    },
    h("h3.form-title", t("console.miniapp_new")),
    ...name.row,
    ...entry.row,
    ...icon.row,
    ...domains.row,
    h("p.field-hint", t("console.miniapp_hint")),
    h("div.form-actions", save),
  );
}
