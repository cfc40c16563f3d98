// How the app looks and which language it speaks: chosen in the settings, kept in
// localStorage (a window preference, not account data, so it never goes to Rust), applied to
// <html> before the first paint (main.ts) and again on every change.
import { isLocale, setLocale, type Locale } from "../i18n/locale.svelte";
import type { Strategy } from "../ipc/types";

export type Theme = "system" | "light" | "dark";
export type FontSize = "small" | "medium" | "large";

export interface Preferences {
  theme: Theme;
  fontSize: FontSize;
  language: Locale;
  /** A native notice when a long answer finishes while the window is in the background. */
  notifyWhenDone: boolean;
  /** Enter sends (Shift+Enter breaks the line); false: Ctrl+Enter sends and Enter breaks it. */
  enterSends: boolean;
  /** How a new chat routes a model offered by several accounts. */
  strategy: Strategy;
}

export const STORAGE_KEY = "switchboard.preferences";

const THEMES: readonly Theme[] = ["system", "light", "dark"];
const STRATEGY_VALUES: readonly Strategy[] = ["priority", "round_robin", "least_recently_limited"];

/** Body text size in px for each choice; medium is the size the app was designed at. */
const TEXT_SIZES: Record<FontSize, number> = { small: 14, medium: 15, large: 18 };

/**
 * app.css sizes everything in rem against the default 16px root with 15px body text, so the
 * root scales by the chosen text size over 15: every rem-based size keeps its proportion.
 */
export function rootFontSize(size: FontSize): string {
  const percent = (TEXT_SIZES[size] / TEXT_SIZES.medium) * 100;
  return `${Math.round(percent * 100) / 100}%`;
}

/** Chinese for a system set to any Chinese, else English (the source language). */
export function defaultLanguage(systemLanguage: string): Locale {
  return systemLanguage.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function defaultPreferences(systemLanguage: string): Preferences {
  return { theme: "system", fontSize: "medium", language: defaultLanguage(systemLanguage), notifyWhenDone: true, enterSends: true, strategy: "priority" };
}

function isTheme(value: unknown): value is Theme {
  return THEMES.includes(value as Theme);
}

function isFontSize(value: unknown): value is FontSize {
  return typeof value === "string" && Object.hasOwn(TEXT_SIZES, value);
}

/**
 * The stored preferences, checked field by field: a field that is missing or off (hand-edited
 * storage, a value from a newer version) takes its default and the others are kept.
 */
export function parsePreferences(raw: string | null, systemLanguage: string): Preferences {
  const defaults = defaultPreferences(systemLanguage);
  let stored: unknown;
  try {
    stored = raw === null ? null : JSON.parse(raw);
  } catch {
    return defaults;
  }
  if (typeof stored !== "object" || stored === null) return defaults;
  const { theme, fontSize, language, notifyWhenDone, enterSends, strategy } = stored as Record<string, unknown>;
  return {
    theme: isTheme(theme) ? theme : defaults.theme,
    fontSize: isFontSize(fontSize) ? fontSize : defaults.fontSize,
    language: isLocale(language) ? language : defaults.language,
    notifyWhenDone: typeof notifyWhenDone === "boolean" ? notifyWhenDone : defaults.notifyWhenDone,
    enterSends: typeof enterSends === "boolean" ? enterSends : defaults.enterSends,
    strategy: STRATEGY_VALUES.includes(strategy as Strategy) ? (strategy as Strategy) : defaults.strategy,
  };
}

/**
 * Puts the preferences on the page. `data-theme` is set only to force a theme: without it
 * app.css follows the system's light or dark mode.
 */
export function applyPreferences(preferences: Preferences, root: HTMLElement = document.documentElement): void {
  if (preferences.theme === "system") delete root.dataset.theme;
  else root.dataset.theme = preferences.theme;
  root.style.fontSize = rootFontSize(preferences.fontSize);
  root.lang = preferences.language;
  setLocale(preferences.language);
}

/** Where the preferences are kept; localStorage in the app. */
export type PreferencesStorage = Pick<Storage, "getItem" | "setItem">;

/** The preferences for the window: read once, then saved and applied on every change. */
export class PreferencesState {
  #current: Preferences;
  readonly #storage: PreferencesStorage;
  readonly #root: HTMLElement;

  constructor(
    storage: PreferencesStorage = localStorage,
    systemLanguage: string = navigator.language,
    root: HTMLElement = document.documentElement,
  ) {
    this.#storage = storage;
    this.#root = root;
    let raw: string | null = null;
    try {
      raw = storage.getItem(STORAGE_KEY);
    } catch {
      // Storage can be switched off; the defaults still work for this session.
    }
    this.#current = $state(parsePreferences(raw, systemLanguage));
  }

  get theme(): Theme {
    return this.#current.theme;
  }

  set theme(theme: Theme) {
    this.#change({ theme });
  }

  get fontSize(): FontSize {
    return this.#current.fontSize;
  }

  set fontSize(fontSize: FontSize) {
    this.#change({ fontSize });
  }

  get language(): Locale {
    return this.#current.language;
  }

  set language(language: Locale) {
    this.#change({ language });
  }

  get notifyWhenDone(): boolean {
    return this.#current.notifyWhenDone;
  }

  set notifyWhenDone(notifyWhenDone: boolean) {
    this.#change({ notifyWhenDone });
  }

  get enterSends(): boolean {
    return this.#current.enterSends;
  }

  set enterSends(enterSends: boolean) {
    this.#change({ enterSends });
  }

  get strategy(): Strategy {
    return this.#current.strategy;
  }

  set strategy(strategy: Strategy) {
    this.#change({ strategy });
  }

  apply(): void {
    applyPreferences(this.#current, this.#root);
  }

  #change(patch: Partial<Preferences>): void {
    this.#current = { ...this.#current, ...patch };
    this.apply();
    try {
      this.#storage.setItem(STORAGE_KEY, JSON.stringify(this.#current));
    } catch {
      // Full or switched-off storage: the change still holds until the window closes.
    }
  }
}
