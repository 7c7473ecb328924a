// @ts-check
/**
 * Multi-select: while it is on, each message row has a checkbox and a bar stands in place
 * of the composer with what to do with the chosen messages: forward (one by one or
 * merged), favourite, or delete for me. The selection is a set of seqs that the rows read.
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { forwardMessages } from "../forward.js";
import { deleteForMe, favourite } from "./menu.js";

/**
 * @typedef {object} Selection
 * @property {Set<number>|null} chosen the chosen seqs, null when not selecting
 * @property {(seq: number) => void} start select, beginning with one message
 * @property {(seq: number, on: boolean) => void} toggle
 * @property {() => void} stop
 * @property {HTMLElement} bar
 * @property {() => void} render
 */

/**
 * @param {import("./rows.js").Chat} chat
 * @param {() => void} changed called when the selection changed (the screen re-renders)
 * @returns {Selection}
 */
export function selection(chat, changed) {
  const { app, cid } = chat;
  const count = h("span.select-count", { "aria-live": "polite" });
  /** @param {string} label @param {Parameters<typeof icon>[0]} name @param {(seqs: number[]) => Promise<boolean>} run */
  const action = (label, name, run) =>
    h(
      "button.select-action",
      {
        type: "button",
        onclick: async () => {
          const seqs = [...(self.chosen || [])];
          if (!seqs.length) {
            toast(t("select.none"));
            return;
          }
          if (await run(seqs)) self.stop();
        },
      },
      icon(name),
      h("span", label),
    );
  const bar = h(
    "div.select-bar",
    { hidden: true, role: "toolbar", "aria-label": t("select.toolbar") },
    h("button.btn.btn-plain.select-cancel", { type: "button", onclick: () => self.stop() }, t("common.cancel")),
    count,
    action(t("msg.forward"), "send", (seqs) => forwardMessages(app, cid, seqs)),
    action(t("msg.favourite"), "sparkle", (seqs) => favourite(app, cid, seqs)),
    action(t("msg.delete"), "trash", (seqs) => deleteForMe(app, cid, seqs)),
  );

  /** @type {Selection} */
  const self = {
    chosen: null,
    bar,
    start(seq) {
      self.chosen = new Set([seq]);
      changed();
    },
    toggle(seq, on) {
      if (!self.chosen) return;
      if (on) self.chosen.add(seq);
      else self.chosen.delete(seq);
      self.render();
    },
    stop() {
      self.chosen = null;
      changed();
    },
    render() {
      bar.hidden = !self.chosen;
      count.textContent = self.chosen ? t("select.count", { count: self.chosen.size }) : "";
    },
  };
  return self;
}
