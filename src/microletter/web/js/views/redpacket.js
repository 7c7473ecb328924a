// @ts-check
/**
 * Red packets in the web client: the "+" panel's sheet (kind, amount, shares, greeting, an
 * exclusive packet's member, then the payment password), the red card in the chat, the
 * opening (a round button that turns while the server decides), the who-got-what page,
 * and the notes only some members see ("Bob opened your red packet"). Amounts are ints of
 * minor units; what the user types is parsed as text (wallet.js), never through a float.
 */

import { dialog, h, toast } from "../dom.js";
import { formatFull, t } from "../i18n.js";
import { userAvatar } from "../common.js";
import { errorText } from "./contacts/request.js";
import { askPayment, formatMoney, parseAmount } from "./wallet.js";

/** @typedef {{code: string, exponent: number}} Currency */

/** What this device learnt of packets (opened, emptied, expired), to grey their cards. */
const known = new Map();

/**
 * What this device knows of a packet card's state ("" if nothing): part of its row's
 * signature, so the card greys once opened.
 * @param {any} message
 */
export function packetState(message) {
  return message.kind === "red_packet" ? known.get(message.data?.packet_id) || "" : "";
}

/**
 * Open a packet: an `open_red_packet` frame on the socket when it is online and the
 * server has it (protocol revision 2: no HTTP request per open), else the REST route.
 * A frame that got no answer is sent again over REST: a second open of mine is only
 * `redpacket.already_opened`.
 * @param {import("../app.js").App} app
 * @param {number} pid
 */
async function takeShare(app, pid) {
  const socket = app.socket;
  if (socket.status === "online" && socket.revision >= 2) {
    try {
      return await socket.request({ t: "open_red_packet", packet_id: pid });
    } catch (err) {
      if (/** @type {any} */ (err)?.code !== "network") throw err;
    }
  }
  return app.api.request("POST", `/red-packets/${pid}/open`);
}

/** @param {import("../app.js").App} app */
async function currencyOf(app) {
  const wallet = await app.api.request("GET", "/wallet");
  return /** @type {Currency} */ (wallet.currency);
}

/**
 * The "+" panel's Red packet: the sheet, then the payment password; the card comes back
 * through the usual message event.
 * @param {import("../app.js").App} app
 * @param {number} cid
 */
export async function sendRedPacket(app, cid) {
  const group = app.store.conversations.get(cid)?.conversation.kind === "group";
  const currency = await currencyOf(app);
  /** @type {{id: number, name: string}[]} */
  let members = [];
  if (group) {
    const reply = await app.api.request("GET", `/conversations/${cid}/members`);
    members = (reply.members || [])
      .map((/** @type {any} */ m) => m.user)
      .filter((/** @type {any} */ u) => u && u.id !== app.store.me?.id)
      .map((/** @type {any} */ u) => ({ id: u.id, name: app.store.nameOf(u.id) || u.username }));
  }
  const asked = await askPacket(group, members, currency);
  if (!asked) return;
  const token = await askPayment(app, t("redpacket.title"));
  if (!token) return;
  try {
    await app.api.request("POST", `/conversations/${cid}/red-packets`, {
      json: { ...asked, payment_token: token, idempotency_key: crypto.randomUUID() },
    });
  } catch (err) {
    toast(errorText(err), { kind: "error" });
  }
}

/**
 * @param {boolean} group
 * @param {{id: number, name: string}[]} members
 * @param {Currency} currency
 * @returns {Promise<{kind: string, amount: number, shares: number, greeting: string, recipient_id: number|null}|undefined>}
 */
function askPacket(group, members, currency) {
  return dialog(
    (close) => {
      const kinds = group ? ["lucky", "normal", "exclusive"] : ["normal"];
      const kind = h(
        "select.field.redpacket-kind#redpacket-kind",
        {},
        kinds.map((k) => h("option", { value: k }, t(`redpacket.kind_${k}`))),
      );
      const amount = h("input.field.redpacket-amount#redpacket-amount", {
        inputMode: "decimal",
        autocomplete: "off",
        placeholder: "0.00",
        required: true,
      });
      const amountLabel = h("label.field-label", { for: "redpacket-amount" });
      const shares = h("input.field.redpacket-shares#redpacket-shares", {
        type: "number",
        min: 1,
        max: Math.max(1, members.length + 1),
        step: 1,
        value: String(Math.min(3, members.length + 1)),
      });
      const sharesRow = h(
        "div.redpacket-shares-row",
        h("label.field-label", { for: "redpacket-shares" }, t("redpacket.shares")),
        shares,
      );
      const who = h(
        "select.field.redpacket-recipient#redpacket-recipient",
        {},
        members.map((m) => h("option", { value: String(m.id) }, m.name)),
      );
      const whoRow = h(
        "div.redpacket-recipient-row",
        h("label.field-label", { for: "redpacket-recipient" }, t("redpacket.recipient")),
        who,
      );
      const greeting = h("input.field.redpacket-greeting#redpacket-greeting", {
        maxLength: 50,
        placeholder: t("redpacket.default_greeting"),
      });
      const total = h("p.redpacket-total", { role: "status" });
      const error = h("p.form-error", { role: "alert" });
      const update = () => {
        const k = kind.value;
        amountLabel.textContent = t(k === "normal" && group ? "redpacket.amount_each" : "redpacket.amount_total");
        sharesRow.hidden = !group || k === "exclusive";
        whoRow.hidden = k !== "exclusive";
        const minor = parseAmount(amount.value, currency);
        const n = k === "exclusive" || !group ? 1 : Number(shares.value) || 0;
        const sum = minor == null ? 0 : k === "normal" ? minor * n : minor;
        total.textContent = formatMoney(sum, currency);
      };
      for (const el of [kind, amount, shares]) el.addEventListener("input", update);
      update();
      return h(
        "form.dialog-body.redpacket-form",
        {
          onsubmit: (/** @type {Event} */ e) => {
            e.preventDefault();
            const k = kind.value;
            const minor = parseAmount(amount.value, currency);
            const n = k === "exclusive" || !group ? 1 : Number(shares.value);
            if (minor == null || !Number.isInteger(n) || n < 1) {
              error.textContent = t("redpacket.check_amount");
              return;
            }
            close({
              kind: k,
              amount: k === "normal" ? minor * n : minor,
              shares: n,
              greeting: greeting.value.trim() || t("redpacket.default_greeting"),
              recipient_id: k === "exclusive" ? Number(who.value) : null,
            });
          },
        },
        h("h2.dialog-title", t("redpacket.title")),
        h("label.field-label", { for: "redpacket-kind" }, t("redpacket.kind")),
        kind,
        amountLabel,
        amount,
        sharesRow,
        whoRow,
        h("label.field-label", { for: "redpacket-greeting" }, t("redpacket.greeting")),
        greeting,
        total,
        error,
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
          h("button.btn.btn-primary.redpacket-prepare", { type: "submit" }, t("redpacket.prepare")),
        ),
      );
    },
    { label: t("redpacket.title") },
  );
}

/**
 * The red card of a `red_packet` message: its greeting, and whether it was opened,
 * emptied or expired as far as this device knows. A click opens it (or its details).
 * @param {import("../app.js").App} app
 * @param {any} message
 * @param {boolean} mine
 */
export function redPacketBubble(app, message, mine) {
  const d = message.data || {};
  const state = known.get(d.packet_id);
  const card = h(
    `button.bubble.redpacket-card${state ? ".done" : ""}`,
    {
      type: "button",
      dataset: { packet: String(d.packet_id), state: state || "" },
      onclick: () => openPacket(app, message, mine),
    },
    h("span.redpacket-seal", { "aria-hidden": "true" }, "¥"),
    h(
      "span.redpacket-words",
      h("span.redpacket-greeting-text", d.greeting || t("redpacket.default_greeting")),
      h("span.redpacket-state", state ? t(`redpacket.state_${state}`) : ""),
    ),
    h(
      "span.redpacket-foot",
      d.recipient_id ? t("redpacket.for", { name: app.store.nameOf(d.recipient_id) }) : t("redpacket.label"),
    ),
  );
  return card;
}

/**
 * Open a packet: the sheet with its round button; once opened (or if it cannot be), the
 * who-got-what page.
 * @param {import("../app.js").App} app
 * @param {any} message
 * @param {boolean} mine
 */
async function openPacket(app, message, mine) {
  const d = message.data || {};
  const pid = d.packet_id;
  let seen;
  try {
    seen = (await app.api.request("GET", `/red-packets/${pid}`)).packet;
  } catch (err) {
    toast(errorText(err), { kind: "error" });
    return;
  }
  const direct = app.store.conversations.get(message.conversation_id)?.conversation.kind === "direct";
  const forMe = d.recipient_id ? d.recipient_id === app.store.me?.id : !(direct && mine);
  if (seen.my_amount != null || seen.status !== "open" || !forMe) {
    remember(app, pid, seen);
    await showDetails(app, pid);
    return;
  }
  const opened = await dialog(
    (close) => {
      const result = h("p.redpacket-result", { role: "status" });
      const button = h(
        "button.redpacket-open",
        {
          type: "button",
          "aria-label": t("redpacket.open"),
          onclick: async () => {
            button.classList.add("turning");
            button.disabled = true;
            try {
              await takeShare(app, pid);
              close(true);
            } catch (err) {
              button.classList.remove("turning");
              const code = /** @type {any} */ (err)?.code;
              if (code === "redpacket.already_opened") close(true);
              result.textContent = errorText(err);
              details.hidden = false;
            }
          },
        },
        t("redpacket.open_glyph"),
      );
      const details = h(
        "button.btn.btn-plain.redpacket-see",
        { type: "button", hidden: true, onclick: () => close(false) },
        t("redpacket.see_details"),
      );
      return h(
        "div.dialog-body.redpacket-sheet",
        userAvatar(app.store, message.sender_id, 48),
        h("p.redpacket-from", t("redpacket.from", { name: app.store.nameOf(message.sender_id) })),
        h("h2.redpacket-sheet-greeting", d.greeting || t("redpacket.default_greeting")),
        button,
        result,
        details,
      );
    },
    { label: t("redpacket.title") },
  );
  if (opened === undefined) return;
  await showDetails(app, pid);
}

/**
 * @param {import("../app.js").App} app
 * @param {number} pid
 * @param {any} packet
 */
function remember(app, pid, packet) {
  const state =
    packet.my_amount != null
      ? "opened"
      : packet.status === "finished"
        ? "finished"
        : packet.status === "refunded"
          ? "expired"
          : null;
  if (state && known.get(pid) !== state) {
    known.set(pid, state);
    app.store.changed(`messages:${packet.conversation_id}`);
  }
}

/**
 * The who-got-what page: what I got, and for the sender and those who opened it, every
 * opening with "best luck" once it is empty.
 * @param {import("../app.js").App} app
 * @param {number} pid
 */
export async function showDetails(app, pid) {
  let reply;
  try {
    reply = await app.api.request("GET", `/red-packets/${pid}`);
  } catch (err) {
    toast(errorText(err), { kind: "error" });
    return;
  }
  const { packet, currency } = reply;
  remember(app, pid, packet);
  const { store } = app;
  const taken = packet.openings.reduce((/** @type {number} */ s, /** @type {any} */ o) => s + o.amount, 0);
  const summary =
    packet.sender_id === store.me?.id || packet.openings.length
      ? t("redpacket.summary", {
          opened: packet.opened,
          shares: packet.shares,
          taken: formatMoney(taken, currency),
          total: formatMoney(packet.amount, currency),
        })
      : "";
  await dialog(
    (close) =>
      h(
        "div.dialog-body.redpacket-details",
        h("p.redpacket-from", t("redpacket.from", { name: store.nameOf(packet.sender_id) })),
        h("h2.redpacket-sheet-greeting", packet.greeting || t("redpacket.default_greeting")),
        packet.my_amount != null ? h("p.redpacket-mine", formatMoney(packet.my_amount, currency)) : null,
        packet.my_amount != null ? h("p.redpacket-note", t("redpacket.in_wallet")) : null,
        packet.status === "refunded" ? h("p.redpacket-note", t("redpacket.state_expired")) : null,
        h("p.redpacket-summary", summary),
        h(
          "ul.list.redpacket-openings",
          { "aria-label": t("redpacket.openings") },
          packet.openings.map((/** @type {any} */ o) =>
            h(
              "li.redpacket-opening",
              { dataset: { uid: String(o.user_id), best: o.best ? "1" : "" } },
              userAvatar(store, o.user_id, 36),
              h(
                "span.redpacket-who",
                h("span.redpacket-name", store.nameOf(o.user_id)),
                h("span.redpacket-when", formatFull(o.opened_at)),
              ),
              h(
                "span.redpacket-amount",
                formatMoney(o.amount, currency),
                o.best ? h("span.redpacket-best", t("redpacket.best_luck")) : null,
              ),
            ),
          ),
        ),
        h(
          "div.dialog-actions",
          h("button.btn.btn-primary", { type: "button", onclick: () => close() }, t("common.close")),
        ),
      ),
    { label: t("redpacket.details") },
  );
}

/**
 * What a red packet's note says to me (docs/protocol.md, "Notes"); undefined for a note
 * of another feature.
 * @param {import("../store.js").Store} store
 * @param {any} d the note's data
 * @returns {string|undefined}
 */
export function packetNoteText(store, d) {
  const me = store.me?.id;
  switch (d.action) {
    case "redpacket.opened": {
      if (d.sender_id !== me) return t("note.you_opened", { name: store.nameOf(d.sender_id) });
      const openers = (d.openers || []).filter((/** @type {number} */ u) => u !== me);
      if (!openers.length) return t("note.you_opened_yours");
      const first = store.nameOf(openers[0]);
      const text =
        openers.length === 1
          ? t("note.opened_yours", { name: first })
          : t("note.opened_yours_many", { name: first, count: openers.length - 1 });
      return d.finished ? `${text} ${t("note.emptied")}` : text;
    }
    case "redpacket.refunded":
      return t("note.refunded");
    default:
      return undefined;
  }
}
