// The interface language. English source strings are the keys, so English needs no dictionary
// and a string missing from another dictionary shows in English rather than as a key. The
// locale is `$state`: every `t(...)` read in a template or `$derived` re-runs when it changes,
// so switching the language needs no reload.
//
// Call `t` with a literal key only (never a variable): i18n.test.ts finds every key by reading
// the source, and checks that each one is translated and each translation is used.
import zhCN from "./zh-CN";

export type Locale = "en" | "zh-CN";

/** Each language by its own name: a reader looks for the language they can read. */
export const LANGUAGES: readonly { value: Locale; name: string }[] = [
  { value: "en", name: "English" },
  { value: "zh-CN", name: "简体中文" },
];

const DICTIONARIES: Record<Locale, Readonly<Record<string, string>>> = { en: {}, "zh-CN": zhCN };

let current: Locale = $state("en");

export function isLocale(value: unknown): value is Locale {
  return LANGUAGES.some((language) => language.value === value);
}

export function locale(): Locale {
  return current;
}

export function setLocale(next: Locale): void {
  current = next;
}

/**
 * The text for `key` in the current language, with each `{name}` replaced by `values[name]`.
 * A placeholder without a value stays as written, for `Phrase` to fill with markup.
 */
export function t(key: string, values?: Record<string, string | number>): string {
  const text = DICTIONARIES[current][key] ?? key;
  if (!values) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  );
}
