// The command palette (Ctrl+K): matching, ordering and the debounced message search as pure
// state, then in the window: open, filter, choose by keyboard or mouse, close and give focus
// back, commands that run.
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConversationSummary, SearchHit } from "./ipc/types";
import {
  PALETTE_SEARCH_DELAY_MS,
  PaletteState,
  matchRank,
  paletteItems,
  type PaletteCommand,
} from "./state/palette.svelte";
import { FakeBackend } from "./test-support/backend";
import { $, $$, key, must, settle, startApp, stopApp, type } from "./test-support/dom";
import { accountView } from "./test-support/fixtures";

function summary(id: string, title: string, pinned = false): ConversationSummary {
  return { id, title, pinned, archived: false, createdAt: 1, updatedAt: 1 };
}

function hit(conversationId: string, messageId: string | null, title = conversationId): SearchHit {
  return { conversationId, conversationTitle: title, messageId, role: messageId ? "user" : null, snippetHtml: "x", createdAt: 1 };
}

describe("matching", () => {
  it("needs every word, in any order and case, and ranks a title that starts with the query first", () => {
    expect(matchRank("Rust lifetimes explained", "LIFE rust"), "all words, any order").not.toBeNull();
    expect(matchRank("Rust lifetimes explained", "rust python"), "a missing word is no match").toBeNull();
    const starts = matchRank("Rust lifetimes", "rust");
    const word = matchRank("Learning rust", "rust");
    const inside = matchRank("Trusty tools", "rust");
    expect([starts, word, inside], "start of title, start of a word, anywhere").toEqual([0, 1, 2]);
  });

  it("matches Chinese without spaces and full-width letters like half-width ones", () => {
    expect(matchRank("关于数据库迁移的问题", "迁移")).not.toBeNull();
    expect(matchRank("ＧＰＴ 对比", "gpt"), "NFKC folds full-width letters").toBe(0);
  });

  it("lists matching commands, then titles by rank and list order, then message hits not already listed", () => {
    const commands: PaletteCommand[] = [
      { id: "new", label: "New chat", run: () => undefined },
      { id: "settings", label: "Open settings", run: () => undefined },
    ];
    const list = [summary("c1", "Chat about rust"), summary("c2", "Rust tips", true), summary("c3", "Cooking")];
    const hits = [hit("c2", null, "Rust tips"), hit("c3", "m7"), hit("c1", "m2")];
    const rows = paletteItems("rust", commands, list, hits).map((item) =>
      item.kind === "command" ? `command:${item.command.id}` : item.kind === "conversation" ? `title:${item.conversation.id}` : `hit:${item.hit.conversationId}/${item.hit.messageId}`,
    );
    expect(rows, "no command says rust; the title that starts with it first; the title hit is not repeated").toEqual([
      "title:c2",
      "title:c1",
      "hit:c3/m7",
      "hit:c1/m2",
    ]);
    expect(paletteItems("", commands, list, null), "no query: every command and every conversation").toHaveLength(5);
    expect(paletteItems("sett", commands, list, null).map((i) => i.kind)).toEqual(["command"]);
  });
});

describe("PaletteState", () => {
  afterEach(() => vi.useRealTimers());

  it("searches the messages once typing pauses, and drops an answer for an older query", async () => {
    vi.useFakeTimers();
    const answers: Record<string, (hits: SearchHit[]) => void> = {};
    const searchHistory = vi.fn((query: string) => new Promise<SearchHit[]>((resolve) => (answers[query] = resolve)));
    const palette = new PaletteState({ searchHistory });
    palette.show();
    palette.setQuery("ru");
    palette.setQuery("rust");
    vi.advanceTimersByTime(PALETTE_SEARCH_DELAY_MS);
    expect(searchHistory.mock.calls.map((c) => c[0]), "one search, for the last text").toEqual(["rust"]);
    palette.setQuery("rusty");
    answers.rust!([hit("c1", "m1")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(palette.hits, "the answer for 'rust' is stale once 'rusty' is typed").toBeNull();
    vi.advanceTimersByTime(PALETTE_SEARCH_DELAY_MS);
    answers.rusty!([hit("c2", "m2")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(palette.hits?.map((h) => h.conversationId)).toEqual(["c2"]);
  });

  it("wraps the selection around the rows", () => {
    const palette = new PaletteState({ searchHistory: async () => [] });
    palette.move(-1, 3);
    expect(palette.selected).toBe(2);
    palette.move(1, 3);
    expect(palette.selected).toBe(0);
  });
});

describe("in the window", () => {
  let backend: FakeBackend;

  beforeEach(() => {
    backend = new FakeBackend();
    backend.install();
    backend.accounts = [accountView({ id: "a1", label: "Work" })];
    backend.seed({ id: "c-rust", title: "Rust lifetimes" }, backend.chain(1, "r-"));
    backend.seed({ id: "c-soup", title: "Soup recipes" }, backend.chain(1, "s-"));
  });

  afterEach(() => {
    stopApp();
    clearMocks();
  });

  function ctrlK(target: HTMLElement | Window = window): void {
    target.dispatchEvent(new KeyboardEvent("keydown", { key: "k", ctrlKey: true, bubbles: true, cancelable: true }));
  }

  async function openPalette(): Promise<void> {
    ctrlK();
    await settle();
    expect($("#command-palette"), "Ctrl+K opens the palette").not.toBeNull();
  }

  function rows(): string[] {
    return $$("#palette-list [role=option]").map((o) => o.dataset.conversationId ?? `command:${o.dataset.command}`);
  }

  it("opens on Ctrl+K with the input focused, and Enter on a title opens that conversation", async () => {
    await startApp();
    await openPalette();
    expect(document.activeElement?.id, "typing goes straight into the palette").toBe("palette-input");
    type("#palette-input", "soup");
    await settle();
    expect(rows(), "only the conversation whose title matches").toEqual(["c-soup"]);
    key("#palette-input", "Enter");
    await settle();
    expect($("#command-palette"), "choosing closes the palette").toBeNull();
    expect(backend.called("open_conversation").map((c) => c.args.id)).toEqual(["c-soup"]);
    expect(must("#messages").textContent, "its messages are shown").toContain("Question 1");
  });

  it("moves with the arrows, marks the active row for assistive technology and runs a command", async () => {
    await startApp();
    await openPalette();
    type("#palette-input", "new chat");
    await settle();
    const input = must<HTMLInputElement>("#palette-input");
    expect(rows()[0]).toBe("command:new-chat");
    expect(input.getAttribute("aria-activedescendant"), "the first row is active").toBe("palette-item-0");
    key(input, "ArrowUp");
    key(input, "ArrowDown");
    expect(must("#palette-item-0").getAttribute("aria-selected")).toBe("true");
    key(input, "Enter");
    await settle();
    expect(document.activeElement?.id, "New chat leaves the cursor in the composer").toBe("composer");
  });

  it("finds words inside messages after a pause, and opens the conversation at that message", async () => {
    await startApp();
    await openPalette();
    backend.searchResults["sauce"] = [hit("c-soup", "s-a1", "Soup recipes")];
    type("#palette-input", "sauce");
    await settle();
    expect(must("#command-palette .status").textContent).toContain("Searching messages");
    await new Promise((resolve) => setTimeout(resolve, PALETTE_SEARCH_DELAY_MS + 20));
    await settle();
    expect(rows(), "the message hit, as no title says sauce").toEqual(["c-soup"]);
    expect(must("#palette-item-0").dataset.kind).toBe("hit");
    must("#palette-item-0").click();
    await settle();
    expect(backend.called("open_conversation").map((c) => c.args.id)).toEqual(["c-soup"]);
  });

  it("closes on Esc without stopping anything else, and gives focus back to where it was", async () => {
    await startApp();
    must("#composer").focus();
    await openPalette();
    key("#palette-input", "Escape");
    await settle();
    expect($("#command-palette")).toBeNull();
    expect(document.activeElement?.id, "focus returns to the composer").toBe("composer");
    expect(backend.called("stop_message"), "Esc in the palette is the palette's").toHaveLength(0);
  });

  it("toggles with Ctrl+K, and keeps the window's other shortcuts away while it is open", async () => {
    await startApp();
    await openPalette();
    must("#palette-input").dispatchEvent(
      new KeyboardEvent("keydown", { key: ",", ctrlKey: true, bubbles: true, cancelable: true }),
    );
    await settle();
    expect($("#settings-title"), "Ctrl+, waits while the palette is open").toBeNull();
    ctrlK(must("#palette-input"));
    await settle();
    expect($("#command-palette"), "Ctrl+K again closes it").toBeNull();
  });
});
