// The virtualized message list's wiring, with the layout jsdom lacks stubbed: every message is
// ROW px tall (ResizeObserver reports it when asked; the list's first estimate, so nothing moves
// until a test says so), the viewport VIEWPORT px, and the scroller's height the list's. The
// arithmetic itself is state/virtual.test.ts's.
import { createRawSnippet, flushSync, mount, tick, unmount } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConversationView, StoredMessage } from "../ipc/types";
import { Conversation, type HistoryIpc, type Turn } from "../state/chat.svelte";
import { storedMessage } from "../test-support/fixtures";
import MessageList from "./MessageList.svelte";

const ROW = 160;
const VIEWPORT = 800;

/** Stands in for ResizeObserver: `deliver()` reports every observed element's size. */
class FakeResizeObserver {
  static all: FakeResizeObserver[] = [];
  readonly observed = new Set<Element>();
  constructor(private readonly callback: ResizeObserverCallback) {
    FakeResizeObserver.all.push(this);
  }
  observe(el: Element): void {
    this.observed.add(el);
  }
  unobserve(el: Element): void {
    this.observed.delete(el);
  }
  disconnect(): void {
    this.observed.clear();
  }
  static deliver(height: (el: Element) => number = () => ROW): void {
    for (const observer of FakeResizeObserver.all) {
      const entries = [...observer.observed].map(
        (target) => ({ target, borderBoxSize: [{ blockSize: height(target), inlineSize: 600 }] }) as unknown as ResizeObserverEntry,
      );
      if (entries.length > 0) observer.callback(entries, observer as unknown as ResizeObserver);
    }
    flushSync();
  }
}

function stored(i: number): StoredMessage {
  return storedMessage({
    id: `m${i}`,
    parentId: i === 0 ? null : `m${i - 1}`,
    role: "user",
    content: `Message ${i}`,
    createdAt: 1_700_000_000_000 + i,
  });
}

/** A branch of `total` messages of which the last `shown` are on screen. */
function view(total: number, shown: number): ConversationView {
  const start = total - shown;
  return {
    id: "c1",
    title: "Long",
    pinned: false,
    archived: false,
    systemPrompt: null,
    target: null,
    params: null,
    total,
    start,
    messages: Array.from({ length: shown }, (_, i) => stored(start + i)),
  };
}

const history: HistoryIpc = {
  openConversation: () => Promise.reject(new Error("unused")),
  loadEarlier: (_id, before, limit) => {
    const start = Math.max(0, before - limit);
    return Promise.resolve({ ...view(2000, 0), start, messages: Array.from({ length: before - start }, (_, i) => stored(start + i)) });
  },
  switchBranch: () => Promise.reject(new Error("unused")),
  deleteMessage: () => Promise.reject(new Error("unused")),
  updateConversation: () => Promise.reject(new Error("unused")),
};

const row = createRawSnippet((turn: () => Turn) => ({
  render: () =>
    `<div class="message" data-message-id="${turn().messageId}"><button type="button">${turn().text}</button></div>`,
}));
const empty = createRawSnippet(() => ({ render: () => `<p class="empty">Nothing</p>` }));

let conversation: Conversation;
let app: ReturnType<typeof mount> | null = null;
let scroller: HTMLElement;

async function open(total: number, shown = total): Promise<void> {
  conversation = new Conversation(undefined, history);
  conversation.show(view(total, shown));
  app = mount(MessageList, { target: document.body, props: { conversation, row, empty } });
  await settle();
  scroller = document.querySelector<HTMLElement>("#messages")!;
  Object.defineProperty(scroller, "clientHeight", { configurable: true, get: () => VIEWPORT });
  // What the scroller holds: the list, as high as it says.
  Object.defineProperty(scroller, "scrollHeight", {
    configurable: true,
    get: () => parseFloat(scroller.querySelector<HTMLElement>(".rows")?.style.height ?? "") || 0,
  });
  FakeResizeObserver.deliver();
  await settle();
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
    await tick();
  }
  flushSync();
}

async function scrollTo(y: number): Promise<void> {
  scroller.scrollTop = y;
  scroller.dispatchEvent(new Event("scroll"));
  await settle();
  FakeResizeObserver.deliver();
  await settle();
}

/** Where the message is placed in the list (px). */
function topOf(id: string): number {
  return parseFloat(document.querySelector<HTMLElement>(`#messages [data-message-id='${id}']`)!.closest<HTMLElement>(".row")!.style.top);
}

function shown(): string[] {
  return [...document.querySelectorAll<HTMLElement>("#messages .message")].map((m) => m.dataset.messageId!);
}

beforeEach(() => {
  FakeResizeObserver.all = [];
  vi.stubGlobal("ResizeObserver", FakeResizeObserver);
});

afterEach(() => {
  if (app) void unmount(app);
  app = null;
  document.body.innerHTML = "";
  vi.unstubAllGlobals();
});

describe("the virtualized message list", () => {
  it("opens at the end with only the last screens in the DOM", async () => {
    await open(1000);
    const ids = shown();
    expect(ids.at(-1), "the last message is shown").toBe("m999");
    expect(ids.length, "a few screens, not a thousand messages").toBeLessThanOrEqual(3 * (VIEWPORT / ROW) + 2);
    expect(scroller.scrollTop, "scrolled to the end").toBe(scroller.scrollHeight);
    expect(scroller.scrollHeight, "the scrollbar spans the whole list").toBe(1000 * ROW);
  });

  it("renders a short conversation whole", async () => {
    await open(6);
    expect(shown()).toEqual(["m0", "m1", "m2", "m3", "m4", "m5"]);
  });

  it("shows what is at the scroll position, with the space above kept", async () => {
    await open(1000);
    await scrollTo(500 * ROW);
    const ids = shown();
    expect(ids, "message 500 is at the top of the viewport").toContain("m500");
    expect(ids).toContain("m504");
    expect(ids, "the end is no longer rendered").not.toContain("m999");
    for (const id of ids) expect(topOf(id), `${id} sits where the full list has it`).toBe(Number(id.slice(1)) * ROW);
  });

  it("keeps the focused message and one being edited while scrolling away", async () => {
    await open(1000);
    const last = document.querySelector<HTMLElement>("#messages [data-message-id='m999'] button")!;
    last.focus();
    const editing = document.querySelector<HTMLElement>("#messages [data-message-id='m997']")!;
    editing.append(document.createElement("textarea"));
    await scrollTo(100 * ROW);
    const ids = shown();
    expect(ids, "the message holding the focus stays").toContain("m999");
    expect(ids, "and the one with an editor").toContain("m997");
    expect(ids, "not the ones between").not.toContain("m998");
    expect(document.activeElement, "the focus is where it was").toBe(last);
    expect(scroller.scrollHeight, "the pinned rows keep their place in the list").toBe(1000 * ROW);
  });

  it("keeps the view in place when a message above it turns out taller, moving what is above", async () => {
    await open(1000);
    await scrollTo(500 * ROW);
    const before = shown();
    const above = document.querySelector<HTMLElement>("#messages .row")!;
    const aboveId = before[0]!;
    const aboveTop = topOf(aboveId);
    const top = scroller.scrollTop;
    FakeResizeObserver.deliver((el) => (el === above ? ROW + 40 : ROW));
    await settle();
    expect(scroller.scrollTop, "no scrolling").toBe(top);
    expect(topOf("m500"), "the message at the top of the viewport did not move").toBe(500 * ROW);
    expect(topOf(aboveId), "the taller one above it moved up instead").toBe(aboveTop - 40);
    expect(shown(), "showing the same messages").toEqual(before);

    // Near the top, everything goes back to its place in the list: the first message must be
    // reachable, at 0.
    await scrollTo(3 * ROW);
    expect(topOf("m0")).toBe(0);
    expect(scroller.scrollTop, "one scroll correction for the 40 px").toBe(3 * ROW + 40);
    expect(scroller.scrollHeight, "the list is as high as its messages").toBe(1000 * ROW + 40);
  });

  it("follows the end when a message there grows", async () => {
    await open(1000);
    const lastRow = [...document.querySelectorAll<HTMLElement>("#messages .row")].at(-1)!;
    FakeResizeObserver.deliver((el) => (el === lastRow ? 400 : ROW));
    await settle();
    expect(scroller.scrollTop, "still at the end").toBe(scroller.scrollHeight);
  });

  it("loads earlier messages at the top and keeps the view where it was", async () => {
    await open(2000, 200);
    expect(shown().at(-1)).toBe("m1999");
    await scrollTo(30);
    expect(conversation.turns, "the page before was loaded").toHaveLength(400);
    expect(shown(), "the message at the top is still there").toContain("m1800");
    expect(scroller.scrollTop, "200 messages more above: 30 px + 200 × 160 px").toBe(30 + 200 * ROW);
    expect(shown().length, "and the DOM did not grow with them").toBeLessThanOrEqual(3 * (VIEWPORT / ROW) + 2);
  });

  it("brings a search hit outside the rendered rows into view", async () => {
    await open(1000);
    expect(shown()).not.toContain("m100");
    conversation.highlight = "m100";
    await settle();
    FakeResizeObserver.deliver();
    await settle();
    expect(shown(), "the hit is rendered").toContain("m100");
    expect(scroller.scrollTop, "centred in the viewport").toBe(100 * ROW - (VIEWPORT - ROW) / 2);
  });

  it("starts another conversation at its end", async () => {
    await open(1000);
    await scrollTo(0);
    conversation.show(view(50, 50));
    await settle();
    FakeResizeObserver.deliver();
    await settle();
    expect(shown().at(-1)).toBe("m49");
    expect(scroller.scrollTop).toBe(scroller.scrollHeight);
  });
});
