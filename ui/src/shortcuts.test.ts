import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { actionFor, keysOf, SHORTCUTS } from "./shortcuts";
import { FakeBackend } from "./test-support/backend";
import { $, key, must, settle, startApp, stopApp } from "./test-support/dom";
import { clearMocks } from "@tauri-apps/api/mocks";

const press = (key: string, mods: { ctrl?: boolean; meta?: boolean; shift?: boolean; alt?: boolean } = {}) => ({
  key,
  ctrlKey: mods.ctrl ?? false,
  metaKey: mods.meta ?? false,
  shiftKey: mods.shift ?? false,
  altKey: mods.alt ?? false,
});

describe("actionFor", () => {
  it("maps each listed shortcut, with Ctrl or Cmd", () => {
    expect(actionFor(press("n", { ctrl: true }))).toBe("newChat");
    expect(actionFor(press("N", { meta: true })), "Cmd on macOS, any case").toBe("newChat");
    expect(actionFor(press("k", { ctrl: true }))).toBe("palette");
    expect(actionFor(press("F", { ctrl: true, shift: true })), "Shift makes the key upper case").toBe("search");
    expect(actionFor(press("l", { ctrl: true }))).toBe("focusComposer");
    expect(actionFor(press("R", { ctrl: true, shift: true }))).toBe("regenerate");
    expect(actionFor(press(",", { ctrl: true }))).toBe("settings");
    expect(actionFor(press("Escape"))).toBe("stop");
  });

  it("leaves everything else to the page", () => {
    expect(actionFor(press("n")), "typing an n").toBeNull();
    expect(actionFor(press("r", { ctrl: true })), "Ctrl+R without Shift").toBeNull();
    expect(actionFor(press("n", { ctrl: true, alt: true })), "AltGr combinations").toBeNull();
    expect(actionFor(press("Escape", { ctrl: true }))).toBeNull();
  });

  it("shows keys the way the platform names them", () => {
    const regenerate = SHORTCUTS.find((s) => s.action === "regenerate")!;
    expect(keysOf(regenerate, false)).toBe("Ctrl+Shift+R");
    expect(keysOf(regenerate, true)).toBe("⌘+Shift+R");
  });
});

describe("shortcuts in the window", () => {
  let backend: FakeBackend;
  beforeEach(() => {
    backend = new FakeBackend();
    backend.accounts = [];
    backend.install();
  });
  afterEach(() => {
    stopApp();
    clearMocks();
  });

  it("focus the search and the composer, open the settings and list themselves there", async () => {
    backend.accounts = [];
    await startApp();
    // First run opens the settings; Ctrl+L brings the chat and its composer.
    key(document.body, "l", { ctrlKey: true });
    await settle();
    expect(document.activeElement?.id, "Ctrl+L focuses the composer").toBe("composer");
    key(document.body, "F", { ctrlKey: true, shiftKey: true });
    await settle();
    expect(document.activeElement?.id, "Ctrl+Shift+F focuses the search").toBe("history-search");
    key(document.body, ",", { ctrlKey: true });
    await settle();
    expect(must("#shortcut-list").textContent, "the settings list the shortcuts").toContain("Ctrl+Shift+R");
    expect($("#shortcut-list [data-action='stop']")?.textContent).toContain("Esc");
  });
});
