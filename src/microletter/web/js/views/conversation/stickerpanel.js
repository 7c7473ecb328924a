// @ts-check
/**
 * The stickers panel of the composer: my stickers in my order (stickers.js keeps them);
 * tapping one sends it as a `sticker` message by its media id (through the outbox, like
 * any message). "Manage" shows, on each sticker, buttons to move it earlier or remove it.
 * New stickers come from "Add to stickers" in the image viewer.
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { stickersOf } from "../../stickers.js";

/**
 * @param {import("../../app.js").App} app
 * @param {(sticker: import("../../stickers.js").Sticker) => void} onPick
 */
export function stickerPanel(app, onPick) {
  const stickers = stickersOf(app);
  let managing = false;
  /** @type {Map<string, string>} media id → a URL to show it */
  const urls = new Map();
  const grid = h("div.sticker-grid", { role: "list" });
  const manage = h(
    "button.btn.btn-small.btn-plain.sticker-manage",
    {
      type: "button",
      "aria-pressed": "false",
      onclick: () => {
        managing = !managing;
        manage.setAttribute("aria-pressed", String(managing));
        manage.textContent = t(managing ? "sticker.done" : "sticker.manage");
        render();
      },
    },
    t("sticker.manage"),
  );
  const el = h(
    "div.sticker-panel",
    { role: "group", "aria-label": t("sticker.title") },
    h("div.sticker-bar", h("span.sticker-hint", t("sticker.hint")), manage),
    grid,
  );

  /** @param {Promise<unknown>} work */
  const guarded = (work) => work.catch(() => toast(t("sticker.change_failed"), { kind: "error" }));

  /** @param {import("../../stickers.js").Sticker} sticker @param {number} index */
  function cell(sticker, index) {
    const img = h("img", { alt: "", decoding: "async", width: 64, height: 64 });
    const known = urls.get(sticker.id);
    if (known) img.src = known;
    else {
      app.media
        .get(sticker.id)
        .then(({ url }) => {
          urls.set(sticker.id, url);
          img.src = url;
        })
        .catch(() => img.classList.add("broken"));
    }
    const label = t("sticker.item", { n: index + 1 });
    return h(
      "div.sticker-cell",
      { role: "listitem" },
      h(
        "button.sticker-send",
        {
          type: "button",
          "aria-label": t("sticker.send", { n: index + 1 }),
          disabled: managing,
          dataset: { id: sticker.id },
        },
        img,
      ),
      managing
        ? h(
            "span.sticker-tools",
            h(
              "button.icon-btn.sticker-earlier",
              {
                type: "button",
                "aria-label": t("sticker.move_earlier", { item: label }),
                disabled: index === 0,
                onclick: () => guarded(stickers.move(sticker.id, -1)),
              },
              icon("up"),
            ),
            h(
              "button.icon-btn.sticker-remove",
              {
                type: "button",
                "aria-label": t("sticker.remove", { item: label }),
                onclick: () => guarded(stickers.remove(sticker.id)),
              },
              icon("trash"),
            ),
          )
        : null,
    );
  }

  function render() {
    if (!stickers.loaded) {
      grid.replaceChildren(h("p.sticker-empty", t("common.loading")));
      return;
    }
    manage.hidden = !stickers.list.length;
    grid.replaceChildren(
      ...(stickers.list.length ? stickers.list.map(cell) : [h("p.sticker-empty", t("sticker.empty"))]),
    );
  }

  grid.addEventListener("click", (e) => {
    const button = /** @type {HTMLElement} */ (e.target).closest?.(".sticker-send");
    const sticker = button instanceof HTMLElement && stickers.list.find((s) => s.id === button.dataset.id);
    if (sticker && !managing) onPick(sticker);
  });
  stickers.addEventListener("change", render);
  render();
  return {
    el,
    /** Fetch the list the first time the panel is shown. */
    open() {
      stickers.load().catch(() => toast(t("error.network"), { kind: "error" }));
      render();
    },
    destroy() {
      stickers.removeEventListener("change", render);
    },
  };
}
