import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConversationSummary, SearchHit } from "../ipc/types";
import { HistoryState, type HistoryListIpc, SEARCH_DELAY_MS, displayTitle, importSummary } from "./history.svelte";

function summary(id: string, patch: Partial<ConversationSummary> = {}): ConversationSummary {
  return { id, title: id, pinned: false, archived: false, createdAt: 0, updatedAt: 0, ...patch };
}

function hit(conversationId: string): SearchHit {
  return { conversationId, conversationTitle: conversationId, messageId: null, role: null, snippetHtml: "", createdAt: 0 };
}

function fakeIpc(patch: Partial<HistoryListIpc> = {}): HistoryListIpc {
  return {
    listConversations: vi.fn(async () => [summary("c1")]),
    updateConversation: vi.fn(async (id: string) => summary(id)),
    deleteConversation: vi.fn(async () => {}),
    searchHistory: vi.fn(async (query: string) => [hit(query)]),
    exportHistory: vi.fn(async () => "/tmp/x.md"),
    importHistory: vi.fn(async () => ({ conversations: 1, messages: 2 })),
    ...patch,
  };
}

describe("wording", () => {
  it("counts imports in plain words", () => {
    expect(importSummary({ conversations: 3, messages: 41 })).toBe("Imported 3 conversations (41 messages)");
    expect(importSummary({ conversations: 1, messages: 1 }), "singular").toBe("Imported 1 conversation (1 message)");
  });

  it("names an untitled conversation", () => {
    expect(displayTitle("  ")).toBe("New conversation");
    expect(displayTitle("Trip")).toBe("Trip");
  });
});

describe("HistoryState", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("drops the hits of a search that a newer query overtook", async () => {
    let releaseOld: (hits: SearchHit[]) => void = () => {};
    const ipc = fakeIpc({
      searchHistory: vi.fn((query: string) =>
        query === "old" ? new Promise<SearchHit[]>((r) => (releaseOld = r)) : Promise.resolve([hit("new")]),
      ),
    });
    const history = new HistoryState(ipc);
    history.setQuery("old");
    vi.advanceTimersByTime(SEARCH_DELAY_MS);
    history.setQuery("new");
    vi.advanceTimersByTime(SEARCH_DELAY_MS);
    await Promise.resolve();
    await Promise.resolve();
    releaseOld([hit("old")]);
    await Promise.resolve();
    await Promise.resolve();
    expect(history.hits?.map((h) => h.conversationId), "only the newest query's hits").toEqual(["new"]);
  });

  it("does not search for blanks", () => {
    const ipc = fakeIpc();
    const history = new HistoryState(ipc);
    history.setQuery("   ");
    vi.advanceTimersByTime(SEARCH_DELAY_MS * 2);
    expect(history.searching, "a blank query shows the list").toBe(false);
    expect(ipc.searchHistory, "nothing is searched").not.toHaveBeenCalled();
  });

  it("does not save a blank or unchanged title", async () => {
    const ipc = fakeIpc();
    const history = new HistoryState(ipc);
    await history.refresh();
    expect(await history.rename("c1", "   "), "blank").toBe(false);
    expect(await history.rename("c1", "c1"), "unchanged").toBe(false);
    expect(ipc.updateConversation, "nothing is sent").not.toHaveBeenCalled();
  });

  it("says why a delete failed and keeps the conversation", async () => {
    const ipc = fakeIpc({
      deleteConversation: vi.fn(async () => Promise.reject({ code: "internal", message: "disk full" })),
    });
    const history = new HistoryState(ipc);
    await history.refresh();
    expect(await history.remove("c1"), "not deleted").toBe(false);
    expect(history.status, "the reason is shown").toEqual({
      kind: "error",
      text: "Couldn't delete the conversation: disk full",
    });
    expect(history.list.map((c) => c.id), "still listed").toEqual(["c1"]);
  });
});
