// @ts-check
/**
 * Friend requests, newest first: the ones sent to me with Accept and Decline, the ones I
 * sent with their state. The list follows the store (a request answered on another device
 * changes here too).
 */

import { h, toast } from "../../dom.js";
import { formatListTime, t } from "../../i18n.js";
import { userAvatar } from "../../common.js";
import { errorText } from "./request.js";

/**
 * @typedef {import("../../store.js").User} User
 * @typedef {{id: number, from_user: User, to_user: User, status: string, greeting: string, created_at: number}} ContactRequest
 */

/**
 * The list of requests; `destroy` stops following the store.
 * @param {import("../../app.js").App} app
 * @returns {{el: HTMLElement, destroy: () => void}}
 */
export function requestList(app) {
  const { store } = app;
  const el = h("ul.list.requests", { "aria-label": t("contacts.requests") });

  function render() {
    /** @type {ContactRequest[]} */
    const all = [...store.requests.values()].sort((a, b) => b.created_at - a.created_at);
    if (!all.length) {
      el.replaceChildren(h("li.empty-row", t("contacts.no_requests")));
      return;
    }
    el.replaceChildren(...all.map((r) => requestRow(app, r)));
  }
  render();
  const stop = store.subscribe((topics) => {
    if (topics.has("all") || topics.has("requests") || topics.has("users")) render();
  });
  return { el, destroy: stop };
}

/**
 * @param {import("../../app.js").App} app
 * @param {ContactRequest} r
 */
function requestRow(app, r) {
  const { store } = app;
  const incoming = r.to_user.id === store.me?.id;
  const other = incoming ? r.from_user : r.to_user;
  let action;
  if (incoming && r.status === "pending") {
    action = h("span.request-actions", answerButton(app, r, "accept", other), answerButton(app, r, "decline", other));
  } else {
    const status = r.status === "pending" ? "contacts.status_waiting" : `contacts.status_${r.status}`;
    action = h("span.row-note", t(status));
  }
  return h(
    "li.request-row",
    { dataset: { request: String(r.id), status: r.status } },
    userAvatar(store, other.id, 44),
    h(
      "span.request-main",
      h("span.row-text", other.display_name || other.username),
      h("span.request-greeting", r.greeting || (incoming ? t("contacts.wants_to_add") : t("contacts.you_asked"))),
      h("time.request-time", formatListTime(r.created_at)),
    ),
    action,
  );
}

/**
 * Accept or decline a request sent to me.
 * @param {import("../../app.js").App} app
 * @param {ContactRequest} r
 * @param {"accept"|"decline"} answer
 * @param {User} from
 */
function answerButton(app, r, answer, from) {
  const { store, api } = app;
  return h(
    `button.btn.btn-small.${answer === "accept" ? "btn-primary" : "btn-plain"}`,
    {
      type: "button",
      "aria-label": t(`contacts.${answer}_from`, { name: from.display_name }),
      onclick: async () => {
        try {
          const { request } = await (answer === "accept" ? api.accept(r.id) : api.decline(r.id));
          store.putRequest(request);
          if (answer === "accept") toast(t("contacts.now_friends"));
        } catch (err) {
          toast(errorText(err), { kind: "error" });
        }
      },
    },
    t(`contacts.${answer}`),
  );
}
