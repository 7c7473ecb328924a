// @ts-check
/**
 * An account's Shop section in the developer console (docs/commerce.md, "The merchant's
 * guide"): open the shop (name, time zone, description), name its clerks and couriers,
 * keep its categories, products (pictures, a digital product's file, on sale or not) and
 * their variants (price in minor units, typed as an amount; stock), and its delivery
 * zones with their daily windows; links to its orders, today's deliveries and the
 * storefront. Every change asks the server and then redraws the section.
 */

import { confirmDialog, dialog, h, promptDialog, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { errorToast } from "../officials.js";
import { formatMoney, parseAmount } from "../money.js";
import { currencyOf } from "../shop/common.js";

/**
 * @param {import("./account.js").AccountPage} page
 * @returns {HTMLElement}
 */
export function shopBox(page) {
  const box = h("div.console-shop-box", h("p.card-hint", t("common.loading")));
  load(page, box);
  return box;
}

/**
 * @param {import("./account.js").AccountPage} page
 * @param {HTMLElement} box
 */
async function load(page, box) {
  const { api } = page.app;
  const sid = page.id;
  let front;
  try {
    front = await api.request("GET", `/shops/${sid}`);
  } catch (caught) {
    const err = /** @type {import("../../api.js").ApiError} */ (caught);
    if (err.code !== "shop.not_found") {
      box.replaceChildren(h("p.card-hint", t("console.shop_failed")));
      return;
    }
    box.replaceChildren(h("p.card-hint", t("console.shop_intro")), shopForm(page, box, null));
    return;
  }
  const [staff, catalog, zones] = await Promise.all([
    api.request("GET", `/shops/${sid}/staff`),
    api.request("GET", `/shops/${sid}/catalog`),
    api.request("GET", `/shops/${sid}/zones`),
  ]);
  const currency = currencyOf(catalog);
  const redraw = () => load(page, box);
  box.replaceChildren(
    h(
      "div.shop-links",
      h("a.btn.btn-small.btn-plain#shop-open-front", { href: `#/shop/${sid}` }, t("console.shop_front")),
      h("a.btn.btn-small.btn-plain#shop-open-orders", { href: `#/shop/${sid}/orders` }, t("shop.orders")),
      h("a.btn.btn-small.btn-plain#shop-open-deliveries", { href: `#/shop/${sid}/deliveries` }, t("shop.deliveries")),
    ),
    shopForm(page, box, front.shop),
    h("h3.section-title", t("console.shop_staff")),
    staffBox(page, staff.staff, redraw),
    h("h3.section-title", t("shop.categories")),
    categoriesBox(page, front.categories, redraw),
    h("h3.section-title", t("shop.products")),
    productsBox(page, catalog.products, front.categories, currency, redraw),
    h("h3.section-title", t("console.shop_zones")),
    zonesBox(page, zones.zones, zones.time_zone, redraw),
  );
}

/**
 * @param {import("./account.js").AccountPage} page
 * @param {HTMLElement} box
 * @param {any|null} shop
 */
function shopForm(page, box, shop) {
  const name = h("input.field#shop-name", {
    value: shop?.name || page.account.name,
    maxLength: 100,
    "aria-label": t("console.shop_name"),
    placeholder: t("console.shop_name"),
  });
  const zone = h("input.field#shop-time-zone", {
    value: shop?.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
    maxLength: 64,
    "aria-label": t("console.shop_time_zone"),
    placeholder: "Asia/Shanghai",
  });
  const about = h("textarea.field#shop-description", {
    maxLength: 2000,
    rows: 2,
    "aria-label": t("console.shop_description"),
    placeholder: t("console.shop_description"),
  });
  /** @type {HTMLTextAreaElement} */ (about).value = shop?.description || "";
  return h(
    "form.console-form.shop-form",
    {
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        try {
          await page.app.api.request("PUT", `/developer/accounts/${page.id}/shop`, {
            json: {
              name: /** @type {HTMLInputElement} */ (name).value,
              time_zone: /** @type {HTMLInputElement} */ (zone).value.trim(),
              description: /** @type {HTMLTextAreaElement} */ (about).value,
            },
          });
          toast(t("console.shop_saved"));
          load(page, box);
        } catch (err) {
          errorToast(err);
        }
      },
    },
    h("label.field-label", t("console.shop_name"), name),
    h("label.field-label", t("console.shop_time_zone"), zone),
    h("label.field-label", t("console.shop_description"), about),
    h("button.btn.btn-primary#shop-save", { type: "submit" }, t(shop ? "console.shop_save" : "console.shop_open")),
  );
}

/**
 * @param {import("./account.js").AccountPage} page
 * @param {any[]} staff
 * @param {() => void} redraw
 */
function staffBox(page, staff, redraw) {
  const { api, store } = page.app;
  const username = h("input.field#staff-username", {
    maxLength: 32,
    "aria-label": t("console.shop_staff_username"),
    placeholder: t("console.shop_staff_username"),
  });
  const role = h(
    "select.field#staff-role",
    { "aria-label": t("console.shop_staff_role") },
    h("option", { value: "clerk" }, t("shop.role_clerk")),
    h("option", { value: "courier" }, t("shop.role_courier")),
  );
  const base = `/developer/accounts/${page.id}/shop/staff`;
  return h(
    "div.shop-staff",
    h(
      "ul.list.staff-list",
      staff.map((s) =>
        h(
          "li.staff-row",
          { dataset: { user: String(s.user_id) } },
          h("span.row-text", store.nameOf(s.user_id) || `#${s.user_id}`, " · ", t(`shop.role_${s.role}`)),
          h(
            "button.btn.btn-small.btn-plain.danger-text.staff-remove",
            {
              type: "button",
              onclick: async () => {
                try {
                  await api.request("DELETE", `${base}/${s.user_id}`);
                  redraw();
                } catch (err) {
                  errorToast(err);
                }
              },
            },
            t("console.shop_remove"),
          ),
        ),
      ),
    ),
    h(
      "form.inline-form.staff-form",
      {
        onsubmit: async (/** @type {Event} */ e) => {
          e.preventDefault();
          try {
            const { user } = await api.findUser(/** @type {HTMLInputElement} */ (username).value.trim());
            store.putUser(user);
            await api.request("PUT", `${base}/${user.id}`, {
              json: { role: /** @type {HTMLSelectElement} */ (role).value },
            });
            redraw();
          } catch (err) {
            errorToast(err);
          }
        },
      },
      username,
      role,
      h("button.btn.btn-primary#staff-add", { type: "submit" }, t("console.shop_add")),
    ),
  );
}

/**
 * @param {import("./account.js").AccountPage} page
 * @param {any[]} categories
 * @param {() => void} redraw
 */
function categoriesBox(page, categories, redraw) {
  const { api } = page.app;
  const name = h("input.field#category-name", {
    maxLength: 100,
    "aria-label": t("console.shop_category_name"),
    placeholder: t("console.shop_category_name"),
  });
  return h(
    "div.shop-categories",
    h(
      "ul.list.category-list",
      categories.map((c) =>
        h(
          "li.category-row",
          h("span.row-text", c.name),
          h(
            "button.btn.btn-small.btn-plain.category-rename",
            {
              type: "button",
              onclick: async () => {
                const value = await promptDialog({ title: t("console.shop_rename"), value: c.name, maxLength: 100 });
                if (!value) return;
                try {
                  await api.request("PATCH", `/shops/${page.id}/categories/${c.id}`, { json: { name: value } });
                  redraw();
                } catch (err) {
                  errorToast(err);
                }
              },
            },
            t("console.shop_rename"),
          ),
          h(
            "button.btn.btn-small.btn-plain.category-delete",
            {
              type: "button",
              onclick: async () => {
                const ask = t("console.shop_category_delete_confirm", { name: c.name });
                if (!(await confirmDialog(ask, { danger: true }))) return;
                await changeZones(() => api.request("DELETE", `/shops/${page.id}/categories/${c.id}`), redraw);
              },
            },
            t("console.shop_delete"),
          ),
        ),
      ),
    ),
    h(
      "form.inline-form.category-form",
      {
        onsubmit: async (/** @type {Event} */ e) => {
          e.preventDefault();
          try {
            await api.request("POST", `/shops/${page.id}/categories`, {
              json: { name: /** @type {HTMLInputElement} */ (name).value },
            });
            redraw();
          } catch (err) {
            errorToast(err);
          }
        },
      },
      name,
      h("button.btn.btn-primary#category-add", { type: "submit" }, t("console.shop_add")),
    ),
  );
}

/**
 * @param {import("./account.js").AccountPage} page
 * @param {any[]} products
 * @param {any[]} categories
 * @param {import("../money.js").Currency} currency
 * @param {() => void} redraw
 */
function productsBox(page, products, categories, currency, redraw) {
  const { api } = page.app;
  const base = `/shops/${page.id}`;
  /** @param {string} method @param {string} path @param {any} json */
  const send = async (method, path, json) => {
    try {
      await api.request(method, path, { json });
      redraw();
    } catch (err) {
      errorToast(err);
    }
  };
  /** @param {any} v */
  const variantRow = (v) =>
    h(
      "li.variant-row",
      { dataset: { sku: v.sku } },
      h(
        "span.row-text",
        `${v.sku} ${v.name}`.trim(),
        " · ",
        h("span.variant-price", formatMoney(v.price, currency)),
        " · ",
        h("span.variant-stock", t("shop.in_stock", { count: v.stock })),
      ),
      h(
        "button.btn.btn-small.btn-plain.variant-price-edit",
        {
          type: "button",
          onclick: async () => {
            const text = await promptDialog({ title: t("console.shop_price"), value: formatPlain(v.price, currency) });
            if (text === undefined) return;
            const price = parseAmount(text, currency);
            if (price === null) return toast(t("wallet.amount_invalid"), { kind: "error" });
            return send("PATCH", `${base}/variants/${v.id}`, { price });
          },
        },
        t("console.shop_price"),
      ),
      h(
        "button.btn.btn-small.btn-plain.variant-stock-edit",
        {
          type: "button",
          onclick: async () => {
            const text = await promptDialog({ title: t("console.shop_stock"), value: String(v.stock) });
            if (text === undefined || !/^\d+$/.test(text.trim())) return;
            return send("PATCH", `${base}/variants/${v.id}`, { stock: Number(text.trim()) });
          },
        },
        t("console.shop_stock"),
      ),
    );
  return h(
    "div.shop-products",
    h(
      "ul.list.catalog-list",
      products.map((p) =>
        h(
          "li.catalog-product",
          { dataset: { product: String(p.id), active: String(p.active) } },
          h("div.row-text", h("strong", p.name), p.active ? null : h("span.muted", ` · ${t("console.shop_off_sale")}`)),
          h("ul.list.variant-rows", p.variants.map(variantRow)),
          h(
            "div.catalog-buttons",
            h(
              "button.btn.btn-small.btn-plain.product-toggle",
              { type: "button", onclick: () => send("PATCH", `${base}/products/${p.id}`, { active: !p.active }) },
              t(p.active ? "console.shop_take_off" : "console.shop_put_on"),
            ),
            h(
              "button.btn.btn-small.btn-plain.product-edit",
              {
                type: "button",
                onclick: async () => {
                  const name = await promptDialog({
                    title: t("console.shop_product_name"),
                    value: p.name,
                    maxLength: 100,
                  });
                  if (name === undefined) return;
                  const description = await promptDialog({
                    title: t("console.shop_description"),
                    value: p.description,
                    maxLength: 2000,
                    multiline: true,
                  });
                  if (description === undefined) return;
                  return send("PATCH", `${base}/products/${p.id}`, { name, description });
                },
              },
              t("console.shop_edit"),
            ),
            h(
              "button.btn.btn-small.btn-plain.product-delete",
              {
                type: "button",
                onclick: async () => {
                  const ask = t("console.shop_product_delete_confirm", { name: p.name });
                  if (!(await confirmDialog(ask, { danger: true }))) return;
                  try {
                    const reply = await api.request("DELETE", `${base}/products/${p.id}`);
                    if (!reply.deleted) toast(t("console.shop_product_kept", { name: p.name }));
                    redraw();
                  } catch (err) {
                    errorToast(err);
                  }
                },
              },
              t("console.shop_delete"),
            ),
            h(
              "button.btn.btn-small.btn-plain.variant-add",
              {
                type: "button",
                onclick: async () => {
                  const v = await variantDialog(currency);
                  if (v) return send("POST", `${base}/products/${p.id}/variants`, v);
                },
              },
              t("console.shop_add_variant"),
            ),
          ),
        ),
      ),
    ),
    h(
      "button.btn.btn-primary#product-add",
      {
        type: "button",
        onclick: async () => {
          const made = await productDialog(page, categories, currency);
          if (made) return send("POST", `${base}/products`, made);
        },
      },
      t("console.shop_add_product"),
    ),
  );
}

/**
 * An amount as the user would type it ("48.00").
 * @param {number} minor
 * @param {import("../money.js").Currency} currency
 */
function formatPlain(minor, currency) {
  if (!currency.exponent) return String(minor);
  const digits = String(minor).padStart(currency.exponent + 1, "0");
  return `${digits.slice(0, -currency.exponent)}.${digits.slice(-currency.exponent)}`;
}

/** The fields of a variant, in a form. @param {import("../money.js").Currency} currency */
function variantFields(currency) {
  const sku = h("input.field.variant-sku", {
    maxLength: 40,
    "aria-label": t("console.shop_sku"),
    placeholder: t("console.shop_sku"),
  });
  const name = h("input.field.variant-name", {
    maxLength: 100,
    "aria-label": t("console.shop_variant_name"),
    placeholder: t("console.shop_variant_name"),
  });
  const price = h("input.field.variant-price-input", {
    inputMode: "decimal",
    "aria-label": t("console.shop_price"),
    placeholder: formatMoney(0, currency),
  });
  const stock = h("input.field.variant-stock-input", {
    inputMode: "numeric",
    "aria-label": t("console.shop_stock"),
    placeholder: t("console.shop_stock"),
  });
  const read = () => {
    const minor = parseAmount(/** @type {HTMLInputElement} */ (price).value, currency);
    const count = Number(/** @type {HTMLInputElement} */ (stock).value || "0");
    if (minor === null || !Number.isInteger(count) || count < 0) return null;
    return {
      sku: /** @type {HTMLInputElement} */ (sku).value.trim(),
      name: /** @type {HTMLInputElement} */ (name).value.trim(),
      price: minor,
      stock: count,
    };
  };
  return { nodes: [sku, name, price, stock], read };
}

/** @param {import("../money.js").Currency} currency */
function variantDialog(currency) {
  return dialog(
    (close) => {
      const fields = variantFields(currency);
      return h(
        "form.dialog-body.variant-dialog",
        {
          onsubmit: (/** @type {Event} */ e) => {
            e.preventDefault();
            const v = fields.read();
            if (v) close(v);
            else toast(t("wallet.amount_invalid"), { kind: "error" });
          },
        },
        h("h2.dialog-title", t("console.shop_add_variant")),
        ...fields.nodes,
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
          h("button.btn.btn-primary.variant-save", { type: "submit" }, t("console.shop_save")),
        ),
      );
    },
    { label: t("console.shop_add_variant") },
  );
}

/**
 * Ask for a new product: name, description, kind, category, pictures (uploaded at once),
 * a digital product's file, and its first variant.
 * @param {import("./account.js").AccountPage} page
 * @param {any[]} categories
 * @param {import("../money.js").Currency} currency
 */
function productDialog(page, categories, currency) {
  const { api } = page.app;
  return dialog(
    (close) => {
      const name = h("input.field.product-name-input", {
        maxLength: 100,
        "aria-label": t("console.shop_product_name"),
        placeholder: t("console.shop_product_name"),
      });
      const about = h("textarea.field.product-description-input", {
        maxLength: 2000,
        rows: 3,
        "aria-label": t("console.shop_description"),
        placeholder: t("console.shop_description"),
      });
      const kind = h(
        "select.field.product-kind-input",
        { "aria-label": t("console.shop_kind") },
        h("option", { value: "physical" }, t("console.shop_physical")),
        h("option", { value: "digital" }, t("shop.digital")),
      );
      const category = h(
        "select.field.product-category-input",
        { "aria-label": t("shop.categories") },
        h("option", { value: "" }, "—"),
        categories.map((c) => h("option", { value: String(c.id) }, c.name)),
      );
      const pictures = h("input.field.product-pictures-input", {
        type: "file",
        accept: "image/*",
        multiple: true,
        "aria-label": t("console.shop_pictures"),
      });
      const file = h("input.field.product-file-input", { type: "file", "aria-label": t("console.shop_file") });
      const fields = variantFields(currency);
      const save = h("button.btn.btn-primary.product-save", { type: "submit" }, t("console.shop_save"));
      return h(
        "form.dialog-body.product-dialog",
        {
          onsubmit: async (/** @type {Event} */ e) => {
            e.preventDefault();
            const variant = fields.read();
            if (!variant) return toast(t("wallet.amount_invalid"), { kind: "error" });
            save.disabled = true;
            try {
              const ids = [];
              for (const f of /** @type {HTMLInputElement} */ (pictures).files || [])
                ids.push((await api.uploadMedia(f, "image", f.name)).id);
              const digital = /** @type {HTMLSelectElement} */ (kind).value === "digital";
              const chosen = /** @type {HTMLInputElement} */ (file).files?.[0];
              const uploaded = digital && chosen ? (await api.uploadMedia(chosen, "file", chosen.name)).id : null;
              const cat = /** @type {HTMLSelectElement} */ (category).value;
              close({
                name: /** @type {HTMLInputElement} */ (name).value,
                description: /** @type {HTMLTextAreaElement} */ (about).value,
                kind: digital ? "digital" : "physical",
                category_id: cat ? Number(cat) : null,
                pictures: ids,
                file: uploaded,
                variants: [variant],
              });
            } catch (err) {
              save.disabled = false;
              errorToast(err);
            }
          },
        },
        h("h2.dialog-title", t("console.shop_add_product")),
        name,
        about,
        h("label.field-label", t("console.shop_kind"), kind),
        h("label.field-label", t("shop.categories"), category),
        h("label.field-label", t("console.shop_pictures"), pictures),
        h("label.field-label", t("console.shop_file"), file),
        h("p.card-hint", t("console.shop_first_variant")),
        ...fields.nodes,
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
          save,
        ),
      );
    },
    { label: t("console.shop_add_product") },
  );
}

/** "10:00-12:00x20" → {start, end, capacity}, or null. @param {string} text */
export function parseWindow(text) {
  const m = /^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*[x×*]\s*(\d{1,6})\s*$/.exec(text);
  return m ? { start: m[1].padStart(5, "0"), end: m[2].padStart(5, "0"), capacity: Number(m[3]) } : null;
}

/**
 * @param {import("./account.js").AccountPage} page
 * @param {any[]} zones
 * @param {string} timeZone
 * @param {() => void} redraw
 */
function zonesBox(page, zones, timeZone, redraw) {
  const { api } = page.app;
  const name = h("input.field#zone-name", {
    maxLength: 100,
    "aria-label": t("console.shop_zone_name"),
    placeholder: t("console.shop_zone_name"),
  });
  const areas = h("input.field#zone-areas", {
    maxLength: 2000,
    "aria-label": t("console.shop_zone_areas"),
    placeholder: "200001, Huangpu",
  });
  const windows = h("input.field#zone-windows", {
    maxLength: 500,
    "aria-label": t("console.shop_zone_windows"),
    placeholder: "10:00-12:00x20, 15:00-17:00x20, 19:00-21:00x20",
  });
  return h(
    "div.shop-zones",
    h("p.card-hint", t("console.shop_zone_hint", { zone: timeZone })),
    h(
      "ul.list.zone-list",
      zones.map((z) => zoneRow(page, z, redraw)),
    ),
    h(
      "form.console-form.zone-form",
      {
        onsubmit: async (/** @type {Event} */ e) => {
          e.preventDefault();
          const parsed = /** @type {HTMLInputElement} */ (windows).value
            .split(",")
            .filter((s) => s.trim())
            .map(parseWindow);
          if (!parsed.length || parsed.some((w) => !w))
            return toast(t("console.shop_zone_windows_invalid"), { kind: "error" });
          try {
            await api.request("POST", `/shops/${page.id}/zones`, {
              json: {
                name: /** @type {HTMLInputElement} */ (name).value,
                areas: /** @type {HTMLInputElement} */ (areas).value
                  .split(",")
                  .map((s) => s.trim())
                  .filter(Boolean),
                windows: parsed,
              },
            });
            redraw();
          } catch (err) {
            errorToast(err);
          }
        },
      },
      h("label.field-label", t("console.shop_zone_name"), name),
      h("label.field-label", t("console.shop_zone_areas"), areas),
      h("label.field-label", t("console.shop_zone_windows"), windows),
      h("button.btn.btn-primary#zone-add", { type: "submit" }, t("console.shop_add_zone")),
    ),
  );
}

/** A window as the console writes it: "10:00-12:00x20". @param {any} w */
function windowText(w) {
  return `${w.start}-${w.end}x${w.capacity}`;
}

/**
 * Run one change (of the zones, the categories) and redraw, or tell why it was refused
 * (a window with orders still to deliver: `shop.window_has_orders`).
 * @param {() => Promise<unknown>} change
 * @param {() => void} redraw
 */
async function changeZones(change, redraw) {
  try {
    await change();
    redraw();
  } catch (err) {
    errorToast(err);
  }
}

/**
 * A zone with its windows, each of which can be changed or deleted, and the zone's own
 * actions: add a window, rename it or change its areas, delete it.
 * @param {import("./account.js").AccountPage} page
 * @param {any} z
 * @param {() => void} redraw
 */
function zoneRow(page, z, redraw) {
  const { api } = page.app;
  const base = `/shops/${page.id}`;
  const askWindow = async (/** @type {string} */ value) => {
    const text = await promptDialog({ title: t("console.shop_window_prompt"), value, maxLength: 40 });
    if (!text) return null;
    const parsed = parseWindow(text);
    if (!parsed) toast(t("console.shop_zone_windows_invalid"), { kind: "error" });
    return parsed;
  };
  const windowChip = (/** @type {any} */ w) =>
    h(
      "span.zone-window",
      { dataset: { windowId: String(w.id) } },
      h("span.zone-window-text", `${w.start}–${w.end} ×${w.capacity}`),
      h(
        "button.btn.btn-small.btn-plain.zone-window-edit",
        {
          type: "button",
          "aria-label": t("console.shop_window_edit"),
          title: t("console.shop_window_edit"),
          onclick: async () => {
            const parsed = await askWindow(windowText(w));
            if (!parsed) return;
            /** @type {Record<string, unknown>} */
            const json = {};
            if (parsed.start !== w.start) json.start = parsed.start;
            if (parsed.end !== w.end) json.end = parsed.end;
            if (parsed.capacity !== w.capacity) json.capacity = parsed.capacity;
            if (!Object.keys(json).length) return;
            await changeZones(() => api.request("PATCH", `${base}/windows/${w.id}`, { json }), redraw);
          },
        },
        "✎",
      ),
      h(
        "button.btn.btn-small.btn-plain.zone-window-delete",
        {
          type: "button",
          "aria-label": t("console.shop_window_delete"),
          title: t("console.shop_window_delete"),
          onclick: async () => {
            const label = `${w.start}–${w.end}`;
            if (!(await confirmDialog(t("console.shop_window_delete_confirm", { window: label }), { danger: true })))
              return;
            await changeZones(() => api.request("DELETE", `${base}/windows/${w.id}`), redraw);
          },
        },
        "×",
      ),
    );
  return h(
    "li.zone-row",
    { dataset: { zoneId: String(z.id) } },
    h("strong.zone-name", z.name),
    h("span.muted.zone-areas", ` · ${z.areas.join(", ")}`),
    h("div.zone-windows", z.windows.map(windowChip)),
    h(
      "div.zone-actions",
      h(
        "button.btn.btn-small.btn-plain.zone-window-add",
        {
          type: "button",
          onclick: async () => {
            const parsed = await askWindow("");
            if (!parsed) return;
            await changeZones(() => api.request("POST", `${base}/zones/${z.id}/windows`, { json: parsed }), redraw);
          },
        },
        t("console.shop_window_add"),
      ),
      h(
        "button.btn.btn-small.btn-plain.zone-edit",
        {
          type: "button",
          onclick: async () => {
            const name = await promptDialog({ title: t("console.shop_zone_name"), value: z.name, maxLength: 100 });
            if (name === undefined) return;
            const areas = await promptDialog({
              title: t("console.shop_zone_areas"),
              value: z.areas.join(", "),
              maxLength: 2000,
            });
            if (areas === undefined) return;
            const json = {
              name: name.trim() || z.name,
              areas: areas
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean),
            };
            await changeZones(() => api.request("PATCH", `${base}/zones/${z.id}`, { json }), redraw);
          },
        },
        t("console.shop_zone_edit"),
      ),
      h(
        "button.btn.btn-small.btn-plain.zone-delete",
        {
          type: "button",
          onclick: async () => {
            if (!(await confirmDialog(t("console.shop_zone_delete_confirm", { zone: z.name }), { danger: true })))
              return;
            await changeZones(() => api.request("DELETE", `${base}/zones/${z.id}`), redraw);
          },
        },
        t("console.shop_zone_delete"),
      ),
    ),
  );
}
