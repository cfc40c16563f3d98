// DOM helpers for component tests mounted in jsdom.
import { flushSync, mount, tick, unmount } from "svelte";
import App from "../App.svelte";

/** Lets pending IPC promises settle and Svelte re-render. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) {
    await Promise.resolve();
    await tick();
  }
  flushSync();
}

/** Waits for the next animation frame (rendered markdown is applied once per frame). */
export async function frame(): Promise<void> {
  await new Promise<void>((resolve) => {
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => resolve());
    else setTimeout(resolve, 20);
  });
  flushSync();
}

export function $(selector: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(selector);
}

export function $$(selector: string): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>(selector)];
}

export function must<T extends HTMLElement = HTMLElement>(selector: string, root: ParentNode = document): T {
  const el = root.querySelector<T>(selector);
  if (!el) throw new Error(`expected ${selector} to be on screen:\n${document.body.innerHTML}`);
  return el;
}

export function type(selector: string | HTMLElement, value: string): void {
  const el = (typeof selector === "string" ? must(selector) : selector) as HTMLInputElement;
  el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

export function choose(selector: string | HTMLElement, value: string): void {
  const el = (typeof selector === "string" ? must(selector) : selector) as HTMLSelectElement;
  el.value = value;
  el.dispatchEvent(new Event("change", { bubbles: true }));
  flushSync();
}

export async function click(selector: string | HTMLElement): Promise<void> {
  const el = typeof selector === "string" ? must(selector) : selector;
  el.click();
  await settle();
}

export function key(selector: string | HTMLElement, key: string, init: KeyboardEventInit = {}): void {
  const el = typeof selector === "string" ? must(selector) : selector;
  el.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
  flushSync();
}

let app: ReturnType<typeof mount> | null = null;

export async function startApp(): Promise<void> {
  app = mount(App, { target: document.body });
  await settle();
}

export function stopApp(): void {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = "";
}
