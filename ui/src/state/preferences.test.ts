import { afterEach, describe, expect, it } from "vitest";
import { locale } from "../i18n/locale.svelte";
import { memoryStorage } from "../test-support/dom";
import {
  PreferencesState,
  STORAGE_KEY,
  applyPreferences,
  defaultLanguage,
  defaultPreferences,
  parsePreferences,
  rootFontSize,
  type PreferencesStorage,
} from "./preferences.svelte";

afterEach(() => {
  // Back to what every other test expects: English, the system's theme, the usual size.
  applyPreferences(defaultPreferences("en-US"));
});

describe("defaults", () => {
  it("speaks Chinese to a system set to any Chinese, else English", () => {
    expect(defaultLanguage("zh-CN")).toBe("zh-CN");
    expect(defaultLanguage("zh-TW"), "traditional Chinese reads simplified better than English").toBe("zh-CN");
    expect(defaultLanguage("zh")).toBe("zh-CN");
    expect(defaultLanguage("en-US")).toBe("en");
    expect(defaultLanguage("fr-FR")).toBe("en");
    expect(defaultLanguage("")).toBe("en");
  });

  it("follows the system's theme at the usual size", () => {
    expect(defaultPreferences("en-US")).toEqual({
      theme: "system",
      fontSize: "medium",
      language: "en",
      notifyWhenDone: true,
      enterSends: true,
      strategy: "priority",
    });
  });
});

describe("parsePreferences", () => {
  it("takes stored preferences as they are", () => {
    const stored = {
      theme: "dark",
      fontSize: "large",
      language: "zh-CN",
      notifyWhenDone: false,
      enterSends: false,
      strategy: "round_robin",
    };
    expect(parsePreferences(JSON.stringify(stored), "en-US")).toEqual(stored);
  });

  it("falls back to the defaults for nothing stored or anything that is not an object", () => {
    const defaults = defaultPreferences("zh-CN");
    for (const raw of [null, "", "not json", "null", "42", '"dark"', "[1, 2]"]) {
      expect(parsePreferences(raw, "zh-CN"), `stored ${JSON.stringify(raw)}`).toEqual(defaults);
    }
  });

  it("replaces only the fields that are off", () => {
    const raw = JSON.stringify({
      theme: "blue",
      fontSize: "large",
      language: "fr",
      notifyWhenDone: "yes",
      strategy: "random",
      extra: true,
    });
    expect(parsePreferences(raw, "en-US")).toEqual({
      theme: "system",
      fontSize: "large",
      language: "en",
      notifyWhenDone: true,
      enterSends: true,
      strategy: "priority",
    });
    expect(parsePreferences(JSON.stringify({ theme: "light", fontSize: 18 }), "en-US")).toEqual({
      theme: "light",
      fontSize: "medium",
      language: "en",
      notifyWhenDone: true,
      enterSends: true,
      strategy: "priority",
    });
    expect(parsePreferences(JSON.stringify({ fontSize: "toString" }), "en-US").fontSize, "own keys only").toBe(
      "medium",
    );
  });
});

describe("applyPreferences", () => {
  it("forces a theme with data-theme and leaves it out to follow the system", () => {
    const root = document.createElement("html");
    applyPreferences({ theme: "dark", fontSize: "medium", language: "en", notifyWhenDone: true, enterSends: true, strategy: "priority" }, root);
    expect(root.dataset.theme).toBe("dark");
    applyPreferences({ theme: "light", fontSize: "medium", language: "en", notifyWhenDone: true, enterSends: true, strategy: "priority" }, root);
    expect(root.dataset.theme).toBe("light");
    applyPreferences({ theme: "system", fontSize: "medium", language: "en", notifyWhenDone: true, enterSends: true, strategy: "priority" }, root);
    expect(root.hasAttribute("data-theme"), "the media query decides").toBe(false);
  });

  it("scales the root font size from the 15px text the app was designed at", () => {
    expect(rootFontSize("small")).toBe("93.33%");
    expect(rootFontSize("medium"), "unchanged").toBe("100%");
    expect(rootFontSize("large")).toBe("120%");
    const root = document.createElement("html");
    applyPreferences({ theme: "system", fontSize: "large", language: "en", notifyWhenDone: true, enterSends: true, strategy: "priority" }, root);
    expect(root.style.fontSize).toBe("120%");
  });

  it("sets the language of the page and of every t()", () => {
    const root = document.createElement("html");
    applyPreferences({ theme: "system", fontSize: "medium", language: "zh-CN", notifyWhenDone: true, enterSends: true, strategy: "priority" }, root);
    expect(root.lang).toBe("zh-CN");
    expect(locale()).toBe("zh-CN");
  });
});

describe("PreferencesState", () => {
  it("reads the stored preferences, and saves and applies each change", () => {
    const storage = memoryStorage();
    storage.setItem(STORAGE_KEY, JSON.stringify({ theme: "dark", fontSize: "small", language: "en" }));
    const root = document.createElement("html");
    const preferences = new PreferencesState(storage, "en-US", root);
    expect([preferences.theme, preferences.fontSize, preferences.language]).toEqual(["dark", "small", "en"]);

    preferences.apply();
    expect(root.dataset.theme, "applied when asked (main.ts, before the first paint)").toBe("dark");

    preferences.theme = "system";
    preferences.language = "zh-CN";
    expect(root.hasAttribute("data-theme"), "applied at once").toBe(false);
    expect(root.lang).toBe("zh-CN");
    expect(JSON.parse(storage.getItem(STORAGE_KEY) ?? "")).toEqual({
      theme: "system",
      fontSize: "small",
      language: "zh-CN",
      notifyWhenDone: true,
      enterSends: true,
      strategy: "priority",
    });
  });

  it("starts from the system's language when nothing is stored", () => {
    const preferences = new PreferencesState(memoryStorage(), "zh-Hans-CN", document.createElement("html"));
    expect(preferences.language).toBe("zh-CN");
  });

  it("works for the session when storage is switched off", () => {
    const broken: PreferencesStorage = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
    };
    const root = document.createElement("html");
    const preferences = new PreferencesState(broken, "en-US", root);
    expect(preferences.theme).toBe("system");
    preferences.fontSize = "large";
    expect(preferences.fontSize).toBe("large");
    expect(root.style.fontSize).toBe("120%");
  });
});

describe("app.css", () => {
  // Vitest turns CSS imports into empty modules (even with ?raw), so read the file itself. The
  // UI has no Node typings; this is the one Node call it needs.
  const fs = (
    globalThis as unknown as {
      process: { getBuiltinModule(id: "node:fs"): { readFileSync(path: URL, encoding: "utf8"): string } };
    }
  ).process.getBuiltinModule("node:fs");
  // (A variable, not `import.meta.url` itself: Vite rewrites `new URL(x, import.meta.url)`.)
  const here = import.meta.url;
  const appCss = fs.readFileSync(new URL("../app.css", here), "utf8");

  /** The custom properties a rule sets, as "name: value" lines. */
  function variables(selector: string): string[] {
    const start = appCss.indexOf(`${selector} {`);
    expect(start, `${selector} is in app.css`).toBeGreaterThanOrEqual(0);
    const body = appCss.slice(start, appCss.indexOf("}", start));
    return [...body.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map((m) => `${m[1]}: ${m[2]}`);
  }

  it("has the same dark colours whether the settings or the system ask for them", () => {
    const forced = variables(':root[data-theme="dark"]');
    expect(forced.length, "the dark palette").toBeGreaterThan(30);
    expect(variables(':root:not([data-theme])'), "the system's dark mode").toEqual(forced);
  });

  it("sets color-scheme for a forced theme, so form controls match", () => {
    expect(appCss).toMatch(/:root\[data-theme="light"\] \{\s*color-scheme: light;/);
    expect(appCss).toMatch(/:root\[data-theme="dark"\] \{\s*color-scheme: dark;/);
  });
});
