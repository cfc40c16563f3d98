// Shows sanitized HTML from Rust (sb-markdown) in one element, incrementally: committed blocks
// are parsed and inserted once, only the tail's DOM is replaced on each update, and updates
// are applied at most once per animation frame (the latest wins). After parsing, each piece
// is enhanced in place: code blocks get a language label and a copy button, math is typeset
// with KaTeX, remote images wait behind a button until the user allows them for this message.
//
// The HTML is the only HTML the app injects, and it comes from Rust's allowlist sanitizer;
// parsing goes through an inert <template>, so nothing in it runs or loads while it is built.
import { t } from "../i18n/locale.svelte";
import { enhance, labelCopy, loadRemoteImages, relabel } from "./enhance";
import { recordFlush } from "./timings";

/** A text's HTML as Rust sends it: finished blocks, then the unfinished tail. */
export interface RenderedText {
  readonly blocks: readonly string[];
  readonly tail: string;
}

export interface ViewActions {
  /** Opens an http(s) or mailto link outside the app. */
  openLink(url: string): void;
  /** Fetches a remote image through Rust; resolves to a `data:image/…` URL. */
  loadImage(url: string): Promise<string>;
  /** Puts text on the clipboard. */
  copyText(text: string): Promise<void>;
}

/** Dispatched (bubbling) on the container after each update reached the DOM. */
export const MARKDOWN_UPDATED = "markdown-updated";

export type Schedule = (flush: () => void) => void;

/** Applies on the next animation frame; `report` first hears when that frame started. */
export function nextFrame(report?: (frameStart: DOMHighResTimeStamp) => void): Schedule {
  return (flush) => {
    if (typeof requestAnimationFrame !== "function") {
      setTimeout(flush, 16);
      return;
    }
    requestAnimationFrame((frameStart) => {
      report?.(frameStart);
      flush();
    });
  };
}

export class MarkdownView {
  readonly #host: HTMLElement;
  readonly #tail: HTMLElement;
  readonly #actions: ViewActions;
  readonly #schedule: Schedule;
  /** How many committed blocks are inserted, and the last of them (to tell a new text). */
  #shownCount = 0;
  #lastShown: string | undefined = undefined;
  #shownTail = "";
  #wanted: RenderedText = { blocks: [], tail: "" };
  #pending = false;
  #destroyed = false;
  /** The user allowed this message's remote images. */
  #remoteAllowed = false;
  /** Fetched images by URL: the tail is rebuilt on every update, the fetch happens once. */
  readonly #images = new Map<string, Promise<string>>();

  constructor(host: HTMLElement, actions: ViewActions, schedule: Schedule = nextFrame()) {
    this.#host = host;
    this.#actions = actions;
    this.#schedule = schedule;
    this.#tail = document.createElement("div");
    this.#tail.className = "md-tail";
    host.replaceChildren(this.#tail);
    host.addEventListener("click", this.#onClick);
    host.addEventListener("auxclick", this.#onAuxClick);
  }

  /** Asks for `text` to be shown; applied on the next animation frame. */
  update(text: RenderedText): void {
    this.#wanted = text;
    if (this.#pending || this.#destroyed) return;
    this.#pending = true;
    this.#schedule(() => this.flush());
  }

  /** Applies the latest update now (the frame callback; tests call it directly). */
  flush(): void {
    this.#pending = false;
    if (this.#destroyed) return;
    const started = performance.now();
    const { blocks, tail } = this.#wanted;
    // Another text (a different branch, a restarted stream): start over.
    const count = this.#shownCount;
    const continues = blocks.length >= count && (count === 0 || blocks[count - 1] === this.#lastShown);
    if (!continues) {
      for (const node of [...this.#host.childNodes]) if (node !== this.#tail) node.remove();
      this.#shownCount = 0;
      this.#shownTail = "";
    }
    if (blocks.length > this.#shownCount) {
      // Only the new blocks are read: the list grows with the answer.
      const html = blocks.slice(this.#shownCount).join("");
      this.#host.insertBefore(this.#parse(html), this.#tail);
      this.#shownCount = blocks.length;
      this.#lastShown = blocks[blocks.length - 1];
    }
    if (tail !== this.#shownTail) {
      this.#tail.replaceChildren(this.#parse(tail));
      this.#shownTail = tail;
    }
    recordFlush(performance.now() - started);
    this.#host.dispatchEvent(new Event(MARKDOWN_UPDATED, { bubbles: true }));
  }

  /** Loads every remote image of this text, now and in later updates (the user allowed them). */
  allowRemoteImages(): void {
    this.#remoteAllowed = true;
    loadRemoteImages(this.#host, this.#loadImage);
  }

  #loadImage = (url: string): Promise<string> => {
    let image = this.#images.get(url);
    if (!image) {
      image = this.#actions.loadImage(url);
      this.#images.set(url, image);
    }
    return image;
  };

  /** Says the added labels (copy buttons, image placeholders) in the current language. */
  relabel(): void {
    relabel(this.#host);
  }

  destroy(): void {
    this.#destroyed = true;
    this.#host.removeEventListener("click", this.#onClick);
    this.#host.removeEventListener("auxclick", this.#onAuxClick);
  }

  #parse(html: string): DocumentFragment {
    const template = document.createElement("template");
    template.innerHTML = html;
    enhance(template.content);
    if (this.#remoteAllowed) loadRemoteImages(template.content, this.#loadImage);
    return template.content;
  }

  #onClick = (event: MouseEvent): void => {
    const target = event.target as Element | null;
    const copy = target?.closest?.("button.copy-code");
    if (copy) {
      void this.#copyCode(copy as HTMLButtonElement);
      return;
    }
    if (target?.closest?.("button.remote-image-load")) {
      this.allowRemoteImages();
      return;
    }
    const link = target?.closest?.("a[href]");
    if (!link || !this.#host.contains(link)) return;
    // Nothing in an answer navigates the app window.
    event.preventDefault();
    const href = link.getAttribute("href") ?? "";
    if (href.startsWith("#")) {
      // Footnotes and headings: ids are unique within one answer, not across answers.
      const id = decodeURIComponent(href.slice(1));
      const found = [...this.#host.querySelectorAll("[id]")].find((el) => el.id === id);
      found?.scrollIntoView?.({ block: "center", behavior: "smooth" });
    } else if (/^(https?:|mailto:)/i.test(href)) {
      this.#actions.openLink(href);
    }
  };

  async #copyCode(button: HTMLButtonElement): Promise<void> {
    const code = button.closest(".code-block")?.querySelector("pre code");
    try {
      await this.#actions.copyText(code?.textContent ?? "");
      button.textContent = t("Copied");
    } catch {
      button.textContent = t("Copy failed");
    }
    button.dataset.copied = "";
    setTimeout(() => {
      delete button.dataset.copied;
      labelCopy(button);
    }, 1500);
  }

  #onAuxClick = (event: MouseEvent): void => {
    const target = event.target as Element | null;
    if (target?.closest?.("a[href]")) event.preventDefault();
  };
}
