// Keyboard shortcuts: one table, read by the handlers (App and ChatPane) and by the list in
// the settings. Ctrl on Linux and Windows, Cmd on macOS.
import { t } from "./i18n/locale.svelte";

export type Action = "newChat" | "palette" | "search" | "focusComposer" | "stop" | "regenerate" | "settings";

interface Shortcut {
  action: Action;
  key: string;
  mod: boolean;
  shift: boolean;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: "newChat", key: "n", mod: true, shift: false },
  { action: "palette", key: "k", mod: true, shift: false },
  { action: "search", key: "f", mod: true, shift: true },
  { action: "focusComposer", key: "l", mod: true, shift: false },
  { action: "regenerate", key: "r", mod: true, shift: true },
  { action: "settings", key: ",", mod: true, shift: false },
  { action: "stop", key: "Escape", mod: false, shift: false },
];

/** The action a key press asks for, if any. */
export function actionFor(event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "shiftKey" | "altKey">): Action | null {
  if (event.altKey) return null;
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  const found = SHORTCUTS.find((s) => s.key === key && s.mod === mod && s.shift === event.shiftKey);
  return found?.action ?? null;
}

/** What each action does, in the interface language. */
export function describe(action: Action): string {
  switch (action) {
    case "newChat":
      return t("New chat");
    case "palette":
      return t("Find a conversation or a command");
    case "search":
      return t("Search the messages' text");
    case "focusComposer":
      return t("Write a message");
    case "stop":
      return t("Stop the answer");
    case "regenerate":
      return t("Regenerate the last answer");
    case "settings":
      return t("Open settings");
  }
}

/** Whether this is a Mac (Cmd instead of Ctrl in what the user reads). */
export const IS_MAC = typeof navigator !== "undefined" && /Mac/.test(navigator.platform);

/** The keys of an action, as shown to the user ("Ctrl+N"). */
export function keysFor(action: Action, mac = IS_MAC): string {
  const shortcut = SHORTCUTS.find((s) => s.action === action);
  return shortcut ? keysOf(shortcut, mac) : "";
}

/** The keys to press, as shown to the user. */
export function keysOf(shortcut: Shortcut, mac: boolean): string {
  const parts: string[] = [];
  if (shortcut.mod) parts.push(mac ? "⌘" : "Ctrl");
  if (shortcut.shift) parts.push("Shift");
  parts.push(shortcut.key === "Escape" ? "Esc" : shortcut.key.toUpperCase());
  return parts.join("+");
}
