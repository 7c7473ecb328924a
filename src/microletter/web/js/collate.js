// @ts-check
/**
 * Names in the order people expect: one collator for Chinese (by pinyin) and every other
 * script, and the letter of the A–Z index a name is filed under. No DOM, no network (its
 * node test is in tests/web/).
 */

const LETTERS = "ABCDEFGHJKLMNOPQRSTWXYZ"; // no syllable of Mandarin starts with I, U or V
// The first character, in pinyin order, of each initial above (阿 ā is the first "A", 芭 bā
// the first "B", ...): a Han character is filed under the last of these it does not sort before.
const FIRSTS = "阿芭擦搭蛾发噶哈击喀垃妈拿哦啪期然撒塌挖昔压匝";
const HAN = /\p{Script=Han}/u;

/**
 * A collator that sorts Chinese by pinyin and other scripts by the user's language.
 * @param {string} [lang] the user's language
 */
export function nameCollator(lang = "en") {
  return new Intl.Collator(["zh-Hans-u-co-pinyin", lang], { sensitivity: "base", numeric: true });
}

/**
 * The index letter a name is filed under: its first Latin letter (accents dropped), the
 * pinyin initial of a first Han character, else "#".
 * @param {string} name
 * @param {Intl.Collator} collator from nameCollator()
 */
export function indexLetter(name, collator) {
  const first = [...(name || "").trim()][0] || "";
  const latin = first.normalize("NFD")[0]?.toUpperCase() || "";
  if (/^[A-Z]$/.test(latin)) return latin;
  if (!HAN.test(first)) return "#";
  const firsts = [...FIRSTS];
  let found = -1;
  for (let i = 0; i < firsts.length; i++) if (collator.compare(first, firsts[i]) >= 0) found = i;
  return found < 0 ? "#" : LETTERS[found];
}

/**
 * Group names under their index letters, A–Z then "#", each group in collation order.
 * @template T
 * @param {T[]} items
 * @param {(item: T) => string} nameOf
 * @param {string} [lang]
 * @returns {[string, T[]][]}
 */
export function byLetter(items, nameOf, lang) {
  const collator = nameCollator(lang);
  /** @type {Map<string, T[]>} */
  const groups = new Map();
  for (const item of items) {
    const letter = indexLetter(nameOf(item), collator);
    if (!groups.has(letter)) groups.set(letter, []);
    groups.get(letter)?.push(item);
  }
  const order = (/** @type {string} */ l) => (l === "#" ? 99 : l.charCodeAt(0));
  return [...groups]
    .sort(([a], [b]) => order(a) - order(b))
    .map(([letter, list]) => [letter, list.sort((a, b) => collator.compare(nameOf(a), nameOf(b)))]);
}
