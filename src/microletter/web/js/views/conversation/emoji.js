// @ts-check
/**
 * The emoji panel of the composer: a grid of common emoji, the ones this person used
 * lately first (kept in localStorage on this device, newest first). Picking one inserts it
 * at the caret; nothing here sends.
 */

import { h } from "../../dom.js";
import { t } from "../../i18n.js";

const RECENT = "ml.emoji.recent";
/** How many recently used emoji are remembered (and shown first). */
const RECENT_MAX = 16;

/** Common emoji, roughly in the order WeChat's panel shows its faces, then gestures and things. */
export const EMOJI = [
  ..."😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗🙂🤗🤩🤔🤨😐😑😶🙄😏😣😥😮🤐😯😪😫🥱😴😌😛😜😝🤤😒😓😔😕🙃🤑😲🙁😖😞😟😤😢😭😦😧😨😩🤯😬😰😱🥵🥶😳🤪😵😡😠🤬😷🤒🤕🤢🤮🤧😇🥳🥺🤠🤡🤥🤫🤭🧐🤓",
  ..."👍👎👌✌🤞🤝🙏👏🙌💪👋🤙👊✊",
  ..."❤🧡💛💚💙💜🖤💔💯💢💥💤💦🎉🎂🎁🌹🥀🌞🌙⭐🔥☕🍺🍻🍉🐶🐱🐷🐼🙈🚀⚽🏀💊💩",
];

/** @returns {string[]} the emoji used lately on this device, newest first */
export function recentEmoji() {
  try {
    const saved = JSON.parse(localStorage.getItem(RECENT) || "[]");
    return Array.isArray(saved) ? saved.filter((e) => typeof e === "string").slice(0, RECENT_MAX) : [];
  } catch {
    return [];
  }
}

/** Remember that an emoji was used (it moves to the front). @param {string} emoji */
export function useEmoji(emoji) {
  const list = [emoji, ...recentEmoji().filter((e) => e !== emoji)].slice(0, RECENT_MAX);
  localStorage.setItem(RECENT, JSON.stringify(list));
}

/**
 * The panel; `render()` brings the recent row up to date (call it when the panel opens).
 * @param {(emoji: string) => void} onPick
 */
export function emojiPanel(onPick) {
  const el = h("div.emoji-panel", { role: "group", "aria-label": t("composer.emoji") });

  /** @param {string} emoji */
  const cell = (emoji) =>
    h(
      "button.emoji-cell",
      {
        type: "button",
        "aria-label": emoji,
        onclick: () => {
          useEmoji(emoji);
          onPick(emoji);
        },
      },
      emoji,
    );

  function render() {
    const recent = recentEmoji();
    el.replaceChildren(
      ...(recent.length
        ? [
            h(
              "section.emoji-section.emoji-recent",
              { "aria-label": t("composer.emoji_recent") },
              h("h3.emoji-heading", t("composer.emoji_recent")),
              h("div.emoji-grid", recent.map(cell)),
            ),
          ]
        : []),
      h(
        "section.emoji-section.emoji-all",
        { "aria-label": t("composer.emoji_all") },
        h("h3.emoji-heading", t("composer.emoji_all")),
        h("div.emoji-grid", EMOJI.map(cell)),
      ),
    );
  }

  render();
  return { el, render };
}
