// Makes "every string translated" a test: the keys are read from the source (every `t(...)`
// call, in scripts and templates), the zh-CN dictionary must hold exactly those, with the same
// placeholders, and neither a template nor a script may hold English words outside `t`.
import { clearMocks } from "@tauri-apps/api/mocks";
import { parse } from "svelte/compiler";
import ts from "typescript";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PreferencesState } from "../state/preferences.svelte";
import { FakeBackend } from "../test-support/backend";
import { choose, click, memoryStorage, must, startApp, stopApp } from "../test-support/dom";
import { accountView } from "../test-support/fixtures";
import { locale, setLocale, t } from "./locale.svelte";
import zhCN from "./zh-CN";

/**
 * The app's source as text, by path under ui/src. Tests and their helpers are never shown to
 * the user; the dictionary is the translations themselves.
 */
const SOURCES = Object.fromEntries(
  Object.entries(
    import.meta.glob<string>(
      ["../**/*.ts", "../**/*.svelte", "!../**/*.test.ts", "!../test-support/**", "!./zh-CN.ts"],
      { query: "?raw", import: "default", eager: true },
    ),
  ).map(([path, text]) => [path.startsWith("./") ? `i18n/${path.slice(2)}` : path.slice(3), text]),
);

/** Text that is the same in every language. */
const UNTRANSLATED = new Set([
  // The product name.
  "Switchboard",
  // Example values in placeholders: a URL, a proxy, a header name, a model key.
  "https://api.example.com/v1",
  "socks5h://user@proxy.local:1080",
  "X-Org-Id",
  "gpt-5.1",
  // Protocol names (state/accountForm.ts API_OPTIONS).
  "Chat Completions (/chat/completions)",
  "Responses (/responses)",
  // For developers: index.html lacks the element the app mounts in.
  "#app element missing from index.html",
]);

/** Calls whose string arguments are never shown: log lines and CSS selectors. */
const UNSHOWN_ARGUMENTS = /^console\.\w+$|\.(querySelector|querySelectorAll|closest|matches)$/;

/** Attributes a person reads or hears (the `label` attribute of options and tracks too). */
const READ_ATTRIBUTES = new Set(["aria-label", "aria-description", "title", "placeholder", "alt", "label"]);

const LETTER = /\p{L}/u;

interface Call {
  file: string;
  /** The literal key, or null when the first argument is not a literal. */
  key: string | null;
}

function needsTranslation(text: string): boolean {
  return LETTER.test(text) && !UNTRANSLATED.has(text.trim());
}

// --- Scripts: t(...) calls, and words outside them ------------------------------------------

function isTCall(node: ts.Node): node is ts.CallExpression {
  return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "t";
}

/**
 * The t(...) calls of a script, and its string literals that read like a sentence (a letter
 * and a space) without going through t. Single words are too often identifiers to judge;
 * the template check covers them where they are shown.
 */
function scanScript(file: string, code: string): { calls: Call[]; prose: string[] } {
  const calls: Call[] = [];
  const prose: string[] = [];
  const visit = (node: ts.Node): void => {
    if (isTCall(node)) {
      const [first] = node.arguments;
      const literal = first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first));
      calls.push({ file, key: literal ? first.text : null });
      // The key is a literal by the check above; its values are read like any other code.
      for (const argument of node.arguments.slice(1)) visit(argument);
      return;
    }
    if (ts.isCallExpression(node) && UNSHOWN_ARGUMENTS.test(node.expression.getText())) return;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      if (/\s/.test(node.text) && needsTranslation(node.text)) prose.push(`${file}: ${JSON.stringify(node.text)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true));
  return { calls, prose };
}

type EsNode = { type: string; [key: string]: unknown };

function isNode(value: unknown): value is EsNode {
  return typeof value === "object" && value !== null && typeof (value as EsNode).type === "string";
}

/** Every node under `root` (svelte's AST: its scripts are ESTree, its template expressions too). */
function* nodes(root: unknown): Generator<EsNode> {
  if (Array.isArray(root)) {
    for (const item of root) yield* nodes(item);
  } else if (typeof root === "object" && root !== null) {
    if (isNode(root)) yield root;
    for (const [key, value] of Object.entries(root)) {
      if (key !== "metadata" && key !== "parent") yield* nodes(value);
    }
  }
}

/** The text of a string literal or a template literal without `${}`; null for anything else. */
function literalText(node: unknown): string | null {
  if (!isNode(node)) return null;
  if (node.type === "Literal" && typeof node.value === "string") return node.value;
  if (node.type === "TemplateLiteral" && (node.expressions as unknown[]).length === 0) {
    const [quasi] = node.quasis as { value: { cooked: string } }[];
    return quasi?.value.cooked ?? null;
  }
  return null;
}

/** The t(...) calls in a template's expressions (its scripts go through `scanScript`). */
function callsInTemplate(file: string, fragment: unknown): Call[] {
  const calls: Call[] = [];
  for (const node of nodes(fragment)) {
    const callee = node.callee;
    if (node.type === "CallExpression" && isNode(callee) && callee.type === "Identifier" && callee.name === "t") {
      calls.push({ file, key: literalText((node.arguments as unknown[])[0]) });
    }
  }
  return calls;
}

// --- Finding text in templates that skips t(...) ----------------------------------------------

/**
 * The string literals an expression can show as they are: `{a ? "Pin" : "Unpin"}` shows
 * either. Calls (such as `t(...)`), comparisons and property reads show something else.
 */
function shownLiterals(expression: unknown): string[] {
  if (!isNode(expression)) return [];
  switch (expression.type) {
    case "Literal":
      return typeof expression.value === "string" ? [expression.value] : [];
    case "TemplateLiteral":
      return [
        (expression.quasis as { value: { cooked: string } }[]).map((q) => q.value.cooked).join(""),
        ...(expression.expressions as unknown[]).flatMap(shownLiterals),
      ];
    case "ConditionalExpression":
      return [...shownLiterals(expression.consequent), ...shownLiterals(expression.alternate)];
    case "LogicalExpression":
      return [...shownLiterals(expression.left), ...shownLiterals(expression.right)];
    default:
      return [];
  }
}

type TemplateNode = EsNode & {
  name?: string;
  data?: string;
  expression?: unknown;
  attributes?: { type: string; name: string; value: true | EsNode | EsNode[] }[];
};

/** Where a template shows words without `t`, as "file: what". */
function untranslatedText(file: string, fragment: { nodes: unknown[] }): string[] {
  const found: string[] = [];
  const report = (where: string, text: string): void => {
    if (needsTranslation(text)) found.push(`${file}: ${where} ${JSON.stringify(text.trim())}`);
  };
  const visit = (node: TemplateNode, inCode: boolean): void => {
    if (node.type === "Text") {
      // Text inside <code> is an identifier, file name or example: the same in every language.
      if (!inCode) report("text", node.data ?? "");
      return;
    }
    if (node.type === "ExpressionTag") {
      if (!inCode) for (const text of shownLiterals(node.expression)) report("expression", text);
      return;
    }
    for (const attribute of node.attributes ?? []) {
      if (attribute.type !== "Attribute" || !READ_ATTRIBUTES.has(attribute.name)) continue;
      const parts = attribute.value === true ? [] : Array.isArray(attribute.value) ? attribute.value : [attribute.value];
      for (const part of parts as TemplateNode[]) {
        if (part.type === "Text") report(`${attribute.name}=`, part.data ?? "");
        else for (const text of shownLiterals(part.expression)) report(`${attribute.name}=`, text);
      }
    }
    // The fragments of elements, components and blocks ({#if}, {#each}, {#snippet}, ...).
    for (const key of ["fragment", "consequent", "alternate", "body", "fallback", "pending", "then", "catch"]) {
      const child = node[key];
      if (isNode(child) && child.type === "Fragment") {
        for (const inner of child.nodes as TemplateNode[]) visit(inner, inCode || node.name === "code");
      }
    }
  };
  for (const node of fragment.nodes as TemplateNode[]) visit(node, false);
  return found;
}

// --- What the source says -----------------------------------------------------------------

interface Source {
  file: string;
  /** The code of a .ts file, or of a component's <script> blocks. */
  scripts: string[];
  /** A component's markup. */
  template: Fragment | null;
}

type Fragment = ReturnType<typeof parse>["fragment"];

const sources: Source[] = Object.entries(SOURCES).map(([file, text]) => {
  if (!file.endsWith(".svelte")) return { file, scripts: [text], template: null };
  const ast = parse(text, { modern: true, filename: file });
  // Svelte's parser (acorn) gives each node its offsets, which ESTree's types leave out.
  const scripts = [ast.module, ast.instance].flatMap((script) => {
    const code = script?.content as { start: number; end: number } | undefined;
    return code ? [text.slice(code.start, code.end)] : [];
  });
  return { file, scripts, template: ast.fragment };
});

const scanned = sources.flatMap((source) => source.scripts.map((code) => scanScript(source.file, code)));
const calls: Call[] = [
  ...scanned.flatMap((script) => script.calls),
  ...sources.flatMap((source) => (source.template ? callsInTemplate(source.file, source.template) : [])),
];
const keys = new Set(calls.flatMap((call) => (call.key === null ? [] : [call.key])));

function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? ""))].sort();
}

describe("every string is translated", () => {
  it("reads the source (the scan finds the app's files and keys)", () => {
    expect(Object.keys(SOURCES), "components and state modules are scanned").toEqual(
      expect.arrayContaining([
        "App.svelte",
        "components/ChatPane.svelte",
        "state/accountForm.ts",
        "errors.ts",
        "i18n/Phrase.svelte",
      ]),
    );
    expect(Object.keys(SOURCES).some((file) => file.includes(".test.")), "tests are not").toBe(false);
    expect(keys, "a key from a template").toContain("New chat");
    expect(keys, "a key from a .ts module").toContain("Give the account a label.");
    expect(keys, "a key from a component's <script>").toContain("Saved the changes to “{label}”.");
  });

  it("calls t only with a literal key, so the scan sees every key", () => {
    expect(calls.filter((call) => call.key === null).map((call) => call.file)).toEqual([]);
  });

  it("has a Simplified Chinese text for every key", () => {
    const missing = [...keys].filter((key) => !Object.hasOwn(zhCN, key) || zhCN[key]?.trim() === "");
    expect(missing, "keys without a zh-CN text").toEqual([]);
  });

  it("keeps no zh-CN text whose key is no longer used", () => {
    expect(Object.keys(zhCN).filter((key) => !keys.has(key)), "stale zh-CN keys").toEqual([]);
  });

  it("keeps every placeholder of a key in its translation, and adds none", () => {
    const mismatched = Object.entries(zhCN)
      .filter(([key, text]) => placeholders(key).join() !== placeholders(text).join())
      .map(([key, text]) => `${key} → ${text}`);
    expect(mismatched).toEqual([]);
  });

  it("shows no words in a template without t", () => {
    const found = sources.flatMap((source) => (source.template ? untranslatedText(source.file, source.template) : []));
    expect(found).toEqual([]);
  });

  it("has no sentence in a script without t", () => {
    expect(scanned.flatMap((script) => script.prose)).toEqual([]);
  });

  it("finds untranslated template text (the check above can fail)", () => {
    const ast = parse(
      `<p title="Plain words">Hello</p><p>{on ? "Pin" : t("Unpin")}</p><code>id_ok</code><span>{t("Fine")} ·</span>`,
      { modern: true },
    );
    expect(untranslatedText("Sample.svelte", ast.fragment)).toEqual([
      'Sample.svelte: title= "Plain words"',
      'Sample.svelte: text "Hello"',
      'Sample.svelte: expression "Pin"',
    ]);
  });

  it("finds untranslated sentences in scripts (the check above can fail)", () => {
    const code = `status = \`Saved \${name}.\`; t("Fine words", { n: "x y" }); console.warn("Log line");
      el.querySelector("pre code"); const id = "plain-id";`;
    expect(scanScript("sample.ts", code).prose).toEqual(['sample.ts: "Saved "', 'sample.ts: "x y"']);
  });
});

describe("t", () => {
  afterEach(() => setLocale("en"));

  it("answers with the key in English and with the dictionary's text in Chinese", () => {
    expect(t("New chat")).toBe("New chat");
    setLocale("zh-CN");
    expect(t("New chat")).toBe(zhCN["New chat"]);
  });

  it("falls back to English for a key the dictionary lacks", () => {
    setLocale("zh-CN");
    expect(t("A sentence nobody translated")).toBe("A sentence nobody translated");
  });

  it("fills placeholders and leaves unknown ones for Phrase", () => {
    expect(t("{n} tokens", { n: 12 })).toBe("12 tokens");
    expect(t("Messages go to {model}, routed across {count} routes ({strategy}).", { count: 2, strategy: "x" })).toBe(
      "Messages go to {model}, routed across 2 routes (x).",
    );
    expect(t("Exported to {path}", { path: "{path} $&" }), "values are inserted as they are").toBe(
      "Exported to {path} $&",
    );
  });
});

describe("switching the language", () => {
  let backend: FakeBackend;

  beforeEach(() => {
    backend = new FakeBackend();
    backend.install();
    backend.accounts = [accountView({ id: "a1", label: "Work" })];
  });

  afterEach(() => {
    stopApp();
    clearMocks();
  });

  it("re-renders the app at once, and back", async () => {
    const storage = memoryStorage();
    await startApp(new PreferencesState(storage));
    expect(locale(), "jsdom's navigator.language is en-US").toBe("en");
    expect(must("#new-chat").textContent).toContain("New chat");

    await click("#open-settings");
    choose("#settings-language", "zh-CN");

    expect(must("#new-chat").textContent, "the sidebar").toContain("新对话");
    expect(must("#settings-title").textContent, "the page on screen").toBe(zhCN["Settings"]);
    expect(must("#history-search").getAttribute("placeholder"), "attributes too").toBe(zhCN["Search messages"]);
    expect(must("#history-search").getAttribute("title"), "with the shortcut").toBe(
      zhCN["Search messages ({keys})"]?.replace("{keys}", "Ctrl+Shift+F"),
    );
    expect(document.documentElement.lang, "<html lang>").toBe("zh-CN");
    expect(JSON.parse(storage.getItem("switchboard.preferences") ?? "{}").language, "saved").toBe("zh-CN");

    choose("#settings-language", "en");
    expect(must("#new-chat").textContent).toContain("New chat");
    expect(must("#settings-title").textContent).toBe("Settings");
    expect(document.documentElement.lang).toBe("en");
  });
});
