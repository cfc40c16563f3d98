// Turns the sanitized markup from Rust into what the reader uses: a label and a copy button on
// code blocks, typeset math, and remote images that load only when the user allows them.
// Everything here builds DOM with createElement/textContent: no HTML strings.
import type KatexModule from "katex";
import { t } from "../i18n/locale.svelte";

type Katex = typeof KatexModule;

/** KaTeX limits: a model cannot make the window typeset something huge or loop on macros. */
const KATEX_OPTIONS = {
  throwOnError: false,
  trust: false,
  strict: "ignore",
  maxSize: 20,
  maxExpand: 500,
  output: "htmlAndMathml",
} as const;

export function enhance(root: DocumentFragment | Element): void {
  for (const pre of root.querySelectorAll("pre")) decorateCode(pre);
  for (const el of root.querySelectorAll<HTMLElement>(".math-inline, .math-display")) typeset(el);
  for (const el of root.querySelectorAll<HTMLElement>("span.remote-image")) placeholder(el);
}

/**
 * Writes the words `enhance` added again in the current language: they are plain DOM, so a
 * language switch does not reach them by itself. A copy button showing "Copied" is left alone
 * (it says "Copy" again shortly).
 */
export function relabel(root: Element): void {
  for (const copy of root.querySelectorAll<HTMLButtonElement>("button.copy-code")) {
    if (copy.dataset.copied === undefined) labelCopy(copy);
    const label = copy.parentElement?.querySelector(".code-lang");
    if (label && !copy.dataset.lang) label.textContent = t("text");
  }
  for (const button of root.querySelectorAll<HTMLButtonElement>("button.remote-image-load")) {
    labelImage(button);
  }
}

/** The copy button's words, for the language in its `data-lang`; also after "Copied". */
export function labelCopy(button: HTMLButtonElement): void {
  const lang = button.dataset.lang ?? "";
  button.textContent = t("Copy");
  button.setAttribute("aria-label", lang ? t("Copy the {lang} code", { lang }) : t("Copy the code"));
}

function labelImage(button: HTMLButtonElement): void {
  const { alt = "", host = "" } = button.dataset;
  button.textContent = alt
    ? t("Image “{alt}” from {host}: load images", { alt, host })
    : t("Image from {host}: load images", { host });
}

function decorateCode(pre: HTMLPreElement): void {
  if (pre.parentElement?.classList.contains("code-block")) return;
  const code = pre.querySelector("code");
  const lang = code?.dataset.lang ?? "";
  const block = document.createElement("div");
  block.className = "code-block";
  const header = document.createElement("div");
  header.className = "code-header";
  const label = document.createElement("span");
  label.className = "code-lang";
  label.textContent = lang || t("text");
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "copy-code";
  copy.dataset.lang = lang;
  labelCopy(copy);
  header.append(label, copy);
  pre.replaceWith(block);
  block.append(header, pre);
}

/** KaTeX, once loaded: it is a third of the page's script, so it loads with the first math. */
let katex: Katex | null = null;
let loading: Promise<Katex> | null = null;
/** Math found before KaTeX arrived; typeset when it does. */
const waiting = new Set<HTMLElement>();

/** Resolves once KaTeX is loaded (at once after the first time). */
export function katexReady(): Promise<Katex> {
  loading ??= import("katex").then((module) => (katex = module.default));
  return loading;
}

function typeset(el: HTMLElement): void {
  if (katex) {
    typesetWith(katex, el);
    return;
  }
  waiting.add(el);
  void katexReady().then(
    (loaded) => {
      for (const pending of waiting) typesetWith(loaded, pending);
      waiting.clear();
    },
    // Without KaTeX the TeX stays readable as text.
    () => waiting.clear(),
  );
}

function typesetWith(katex: Katex, el: HTMLElement): void {
  if (el.classList.contains("typeset")) return;
  const tex = el.textContent ?? "";
  const display = el.classList.contains("math-display");
  try {
    const rendered = document.createElement(display ? "div" : "span");
    katex.render(tex, rendered, { ...KATEX_OPTIONS, displayMode: display });
    el.replaceChildren(...rendered.childNodes);
    el.dataset.tex = tex;
    el.classList.add("typeset");
  } catch {
    // KaTeX reports bad TeX inline (throwOnError: false); anything else leaves the TeX as text.
  }
}

function placeholder(el: HTMLElement): void {
  const src = el.dataset.src ?? "";
  let host = src;
  try {
    host = new URL(src).host;
  } catch {
    // The sanitizer only lets http(s) URLs through; show it whole if it does not parse.
  }
  const alt = el.dataset.alt ?? el.textContent ?? "";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "remote-image-load";
  button.title = src;
  // Kept on the button so `relabel` can say it again in another language.
  button.dataset.alt = alt;
  button.dataset.host = host;
  labelImage(button);
  el.replaceChildren(button);
}

/**
 * Replaces the remote-image placeholders under `root` with the images, fetched by Rust as
 * `data:` URLs (the window itself may not load remote URLs).
 */
export function loadRemoteImages(root: ParentNode, load: (url: string) => Promise<string>): void {
  for (const el of root.querySelectorAll<HTMLElement>("span.remote-image:not([data-state])")) {
    const src = el.dataset.src ?? "";
    el.dataset.state = "loading";
    load(src).then(
      (dataUrl) => {
        if (!dataUrl.startsWith("data:image/")) throw new Error(t("Not an image"));
        const img = document.createElement("img");
        img.src = dataUrl;
        img.alt = el.dataset.alt ?? "";
        img.title = src;
        el.dataset.state = "loaded";
        el.replaceChildren(img);
      },
      (error: unknown) => {
        el.dataset.state = "failed";
        const message =
          typeof error === "object" && error !== null && "message" in error
            ? String((error as { message: unknown }).message)
            : String(error);
        const note = document.createElement("span");
        note.className = "remote-image-error";
        note.textContent = message;
        el.replaceChildren(note);
      },
    );
  }
}
