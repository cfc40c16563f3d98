// DOM helpers for component tests mounted in jsdom.
import { flushSync, mount, tick, unmount } from "svelte";
import App from "../App.svelte";
import { PreferencesState, type PreferencesStorage } from "../state/preferences.svelte";

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

/** A storage of its own for each test, so preferences saved by one never reach the next. */
export function memoryStorage(): PreferencesStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
  };
}

let app: ReturnType<typeof mount> | null = null;

/** Mounts the app as main.ts does: preferences (English in jsdom) applied first. */
export async function startApp(preferences = new PreferencesState(memoryStorage())): Promise<void> {
  preferences.apply();
  app = mount(App, { target: document.body, props: { preferences } });
  await settle();
}

export function stopApp(): void {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = "";
}
