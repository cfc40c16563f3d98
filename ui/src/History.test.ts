// The history in the window: the conversation list, opening stored conversations, sending
// into them, branches, interrupted answers, search, list actions, export and import.
import { clearMocks } from "@tauri-apps/api/mocks";
import { flushSync } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SendRequest } from "./ipc/types";
import { PreferencesState } from "./state/preferences.svelte";
import { FakeBackend } from "./test-support/backend";
import { $, $$, click, frame, key, memoryStorage, must, settle, startApp, stopApp, type } from "./test-support/dom";
import { accountView, group, route } from "./test-support/fixtures";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
  backend.install();
  backend.accounts = [
    accountView({ id: "a1", label: "Work" }),
    accountView({ id: "a2", label: "Home", baseUrl: "http://127.0.0.1:11434/v1", model: "llama" }),
  ];
  backend.groups = [
    group("gpt-5.1", [route({ accountId: "a1", accountLabel: "Work", modelId: "gpt-5.1" })], { name: "GPT-5.1" }),
    group("llama", [route({ accountId: "a2", accountLabel: "Home", modelId: "llama" })]),
  ];
});

afterEach(() => {
  vi.useRealTimers();
  stopApp();
  clearMocks();
});

async function sendText(text: string): Promise<void> {
  type("#composer", text);
  key("#composer", "Enter");
  await settle();
}

function requests(): SendRequest[] {
  return backend.called("send_message").map((c) => c.args.request as SendRequest);
}

function lastRequest(): SendRequest {
  const request = requests().at(-1);
  if (!request) throw new Error("send_message was not called");
  return request;
}

function item(id: string): HTMLElement {
  return must(`#conversation-list .conversation[data-conversation-id='${id}']`);
}

async function open(id: string): Promise<void> {
  await click(must(".conversation-open", item(id)));
}

function message(id: string): HTMLElement {
  return must(`#messages .message[data-message-id='${id}']`);
}

function shownIds(): (string | undefined)[] {
  return $$("#messages .message").map((m) => m.dataset.messageId);
}

/** Ends the latest answer the way the backend does. */
function finish(text = "Done.", index = backend.feeds.length - 1): void {
  backend.feeds[index]!.send(
    { type: "textDelta", text },
    { type: "rendered", part: "answer", committed: [], tail: `<p>${text}</p>` },
    { type: "finished", reason: "stop" },
  );
  flushSync();
}

async function menu(id: string, action: string): Promise<void> {
  await click(must(".conversation-menu-toggle", item(id)));
  await click(must(`.conversation-menu ${action}`, item(id)));
}

describe("conversation list", () => {
  it("shows the conversations in the backend's order, marks pinned ones and the open one", async () => {
    backend.seed({ id: "c-old", title: "Old talk" }, backend.chain(1, "old-"));
    backend.seed({ id: "c-new", title: "" }, backend.chain(1, "new-"));
    backend.seed({ id: "c-pin", title: "Pinned talk", pinned: true, updatedAt: 1 });
    await startApp();

    expect(backend.called("list_conversations")[0]?.args, "the active conversations are asked for").toEqual({
      archived: false,
      limit: 200,
    });
    expect($$("#conversation-list .conversation").map((c) => c.dataset.conversationId), "pinned first, then recent").toEqual([
      "c-pin",
      "c-new",
      "c-old",
    ]);
    expect(
      $$("#conversation-list .conversation-title").map((t) => t.textContent),
      "an untitled conversation still has a name",
    ).toEqual(["Pinned talk", "New conversation", "Old talk"]);
    expect(item("c-pin").querySelector(".pin-mark"), "on its own row").not.toBeNull();
    expect(item("c-old").querySelector(".pin-mark"), "and only there").toBeNull();
    expect($(".conversation.current"), "nothing is open yet").toBeNull();

    await open("c-old");
    expect(item("c-old").classList.contains("current"), "the open one is highlighted").toBe(true);
    expect(must(".conversation-open", item("c-old")).getAttribute("aria-current"), "and announced").toBe("true");
    expect(item("c-new").classList.contains("current"), "only that one").toBe(false);
  });

  it("says when there are no conversations yet", async () => {
    await startApp();
    expect(must(".list-empty").textContent, "an empty list says so").toContain(
      "No conversations yet",
    );
  });
});

describe("opening a conversation", () => {
  it("renders the stored branch like live answers and follows its model", async () => {
    backend.seed(
      {
        id: "c1",
        title: "Stored",
        target: { type: "account", accountId: "a2", model: "llama", api: "chat" },
      },
      [
        { id: "q1", role: "user", content: "What is <b>bold</b>?" },
        {
          id: "a1",
          role: "assistant",
          content: "**Bold** text",
          html: "<p><strong>Bold</strong> text</p>",
          reasoning: "They ask about markup.",
          route: {
            servedBy: { accountId: "a2", accountLabel: "Home", modelId: "llama", api: "chat" },
            attempts: [
              {
                route: { accountId: "a1", accountLabel: "Work", modelId: "gpt-5.1", api: "chat" },
                code: "rate_limit",
                outcome: "rate-limited, cooling down 30 s",
              },
            ],
          },
          usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12 },
        },
        { id: "q2", role: "user", content: "And now?" },
        {
          id: "a2",
          role: "assistant",
          content: "Part",
          html: "<p>Part</p>",
          status: "error",
          error: { code: "network", message: "The connection was reset." },
        },
      ],
    );
    await startApp();
    await open("c1");

    expect(backend.called("open_conversation").map((c) => c.args), "opened with a page limit").toEqual([
      { id: "c1", limit: 200 },
    ]);
    expect(shownIds(), "every message carries its stored id, in branch order").toEqual(["q1", "a1", "q2", "a2"]);
    expect(message("q1").textContent, "user text is text, never HTML").toContain("What is <b>bold</b>?");
    expect(message("q1").querySelector("b"), "so no element comes from it").toBeNull();
    const answer = message("a1");
    expect(answer.classList.contains("assistant"), "answers are assistant messages").toBe(true);
    expect(answer.dataset.status, "complete shows as the same 'done' a live answer ends with").toBe("done");
    await frame();
    expect(answer.querySelector(".content strong")?.textContent, "the stored html is rendered").toBe("Bold");
    expect(answer.querySelector("details.reasoning")?.textContent, "the reasoning is kept").toContain(
      "They ask about markup.",
    );
    expect((answer.querySelector("details.reasoning") as HTMLDetailsElement).open, "and folded").toBe(false);
    const badge = must(".route-badge", answer);
    expect(badge.dataset.accountId, "the route badge names who answered").toBe("a2");
    expect(badge.textContent, "with the account's label").toContain("Home");
    expect(must(".route-attempts", answer).textContent, "and the routes tried first").toContain("1 route tried first");
    expect(answer.textContent, "usage is shown").toContain("12 tokens");
    const failed = message("a2");
    expect(failed.dataset.status, "a failed answer stays failed").toBe("error");
    expect(must(".error-card .error-message", failed).textContent, "with its error card").toBe(
      "The connection was reset.",
    );
    expect(failed.querySelector(".content")?.textContent, "and the text it got").toContain("Part");

    await sendText("Next");
    expect(lastRequest().target, "the picker follows the conversation's target").toEqual({
      type: "account",
      accountId: "a2",
      model: "llama",
      api: "chat",
    });
  });

  it("keeps the model picker when the conversation's account is gone", async () => {
    backend.seed(
      { id: "c1", target: { type: "account", accountId: "gone", model: "x", api: "chat" } },
      backend.chain(1),
    );
    await startApp();
    await open("c1");
    await sendText("Hi");
    expect(lastRequest().target, "the current choice stays").toEqual({
      type: "logical",
      model: "gpt-5.1",
      strategy: "priority",
    });
  });

  it("says so when a conversation cannot be opened", async () => {
    backend.seed({ id: "c1" }, backend.chain(1));
    backend.failures.open_conversation = { code: "internal", message: "database is locked" };
    await startApp();
    await open("c1");
    expect(must("#history-error").textContent, "the reason is shown").toContain("database is locked");
  });

  it("loads earlier messages when scrolled to the top and keeps the view where it was", async () => {
    backend.seed({ id: "long" }, backend.chain(150));
    await startApp();
    await open("long");
    expect($$("#messages .message"), "only the last page opens").toHaveLength(200);
    expect(shownIds()[0], "it starts in the middle of the branch").toBe("q51");
    expect($("#load-earlier"), "there is more above").not.toBeNull();

    const list = must("#messages");
    // jsdom has no layout: give each message 50 px.
    Object.defineProperty(list, "scrollHeight", {
      configurable: true,
      get: () => list.querySelectorAll(".message").length * 50,
    });
    list.scrollTop = 30;
    list.dispatchEvent(new Event("scroll"));
    await settle();

    expect(backend.called("load_earlier").map((c) => c.args), "the page before the first one shown").toEqual([
      { id: "long", before: 100, limit: 200 },
    ]);
    expect(shownIds()[0], "the whole branch is there now").toBe("q1");
    expect($$("#messages .message"), "nothing twice").toHaveLength(300);
    expect(list.scrollTop, "the message that was at the top stays there (30 px + 100 × 50 px)").toBe(5030);
    expect($("#load-earlier"), "nothing left to load").toBeNull();
  });
});

describe("sending with the history", () => {
  it("starts a conversation with the first message, then continues it by id", async () => {
    await startApp();
    await sendText("Hi there");
    expect(lastRequest().conversation, "a new conversation: no id, no parent").toEqual({
      conversationId: null,
      parentId: null,
      systemPrompt: null,
    });
    expect(lastRequest().messages, "with only the question").toEqual([{ role: "user", content: "Hi there" }]);

    const stored = backend.conversations[0]!;
    const [question, answer] = backend.messages;
    expect(shownIds(), "the stored event names both turns").toEqual([question!.id, answer!.id]);
    expect(item(stored.id).classList.contains("current"), "the new conversation is listed and open").toBe(true);

    const listed = backend.called("list_conversations").length;
    finish("Hello!");
    await settle();
    expect(backend.called("list_conversations").length, "the list is refreshed when the answer ends").toBe(
      listed + 1,
    );
    expect(message(answer!.id).dataset.status, "the live answer is done").toBe("done");

    await sendText("More");
    expect(lastRequest().conversation, "the next message follows the answer").toEqual({
      conversationId: stored.id,
      parentId: answer!.id,
    });
    expect(lastRequest().messages, "and carries only itself").toEqual([{ role: "user", content: "More" }]);
  });

  it("New chat leaves the conversation: the next message starts another", async () => {
    backend.seed({ id: "c1" }, backend.chain(1));
    await startApp();
    await open("c1");
    await click("#new-chat");
    expect($$("#messages .message"), "an empty chat").toHaveLength(0);
    expect($(".conversation.current"), "nothing is marked open").toBeNull();
    await sendText("Fresh");
    expect(lastRequest().conversation?.conversationId, "a new conversation").toBeNull();
  });

  it("keeps other conversations closed while an answer streams", async () => {
    backend.seed({ id: "c1" }, backend.chain(1));
    await startApp();
    await sendText("Hi");
    const other = must<HTMLButtonElement>(".conversation-open", item("c1"));
    expect(other.disabled, "opening another would hide the answer").toBe(true);
    finish();
    await settle();
    expect(other.disabled, "free again once it ended").toBe(false);
  });
});

describe("branches", () => {
  it("Edit sends the new text as a sibling branch and shows it", async () => {
    backend.seed({ id: "c1" }, backend.chain(2));
    await startApp();
    await open("c1");
    expect($("#messages .message.assistant .edit-message"), "answers are not edited").toBeNull();

    await click(must(".edit-message", message("q2")));
    const editor = must<HTMLTextAreaElement>(".edit-text", message("q2"));
    expect(editor.value, "the editor starts with the message").toBe("Question 2");
    type(editor, "Question 2, said better");
    await click(must(".edit-save", message("q2")));

    expect(lastRequest().conversation, "the edit hangs off the edited message's parent").toEqual({
      conversationId: "c1",
      parentId: "a1",
    });
    expect(lastRequest().messages, "and sends only the edited text").toEqual([
      { role: "user", content: "Question 2, said better" },
    ]);
    const edited = backend.messages.find((m) => m.content === "Question 2, said better")!;
    expect(shownIds().slice(0, 3), "the new branch replaces the old one on screen").toEqual(["q1", "a1", edited.id]);
    expect($$("#messages .message"), "with its answer streaming").toHaveLength(4);
    expect(must(".branch-position", message(edited.id)).textContent, "it is the second version").toBe("2 / 2");

    finish();
    await settle();
    await click(must(".branch-prev", message(edited.id)));
    expect(backend.called("switch_branch").at(-1)?.args, "the earlier version is asked for").toEqual({
      conversationId: "c1",
      messageId: "q2",
    });
    expect(shownIds(), "the old branch is back").toEqual(["q1", "a1", "q2", "a2"]);
    expect(must(".branch-position", message("q2")).textContent, "as the first version").toBe("1 / 2");
  });

  it("Cancel leaves the message as it was", async () => {
    backend.seed({ id: "c1" }, backend.chain(1));
    await startApp();
    await open("c1");
    await click(must(".edit-message", message("q1")));
    type(must(".edit-text"), "Changed my mind");
    await click(must(".edit-cancel"));
    expect($(".edit-text"), "the editor closes").toBeNull();
    expect(message("q1").textContent, "the text is unchanged").toContain("Question 1");
    expect(backend.called("send_message"), "nothing is sent").toHaveLength(0);
  });

  it("Regenerate asks again for the same question", async () => {
    backend.seed({ id: "c1" }, backend.chain(2));
    await startApp();
    await open("c1");
    await click(must(".regenerate", message("a2")));
    expect(lastRequest().conversation, "a new answer to the question").toEqual({
      conversationId: "c1",
      parentId: "q2",
      regenerate: true,
    });
    expect(lastRequest().messages, "no new question").toEqual([]);
    const fresh = backend.messages.at(-1)!;
    expect(shownIds(), "the new answer takes the old one's place").toEqual(["q1", "a1", "q2", fresh.id]);
    expect(must(".branch-position", message(fresh.id)).textContent, "beside the first").toBe("2 / 2");
  });

  it("the switcher walks between siblings and shows each branch", async () => {
    backend.seed({ id: "c1" }, [
      { id: "q1", role: "user", content: "Pick one" },
      { id: "a1", role: "assistant", content: "First answer" },
    ]);
    backend.messages.push({ ...backend.messageById("a1")!, id: "a1b", content: "Second answer", html: "<p>Second answer</p>", createdAt: Date.now() * 2 });
    backend.conversations[0]!.leaf = "a1b";
    await startApp();
    await open("c1");

    const switcher = must(".branch-switcher", message("a1b"));
    expect(must(".branch-position", switcher).textContent, "the shown answer is the second of two").toBe("2 / 2");
    expect(must<HTMLButtonElement>(".branch-next", switcher).disabled, "there is no third").toBe(true);
    expect(message("q1").querySelector(".branch-switcher"), "no switcher where there is one version").toBeNull();

    await click(must(".branch-prev", switcher));
    expect(backend.called("switch_branch").map((c) => c.args), "the sibling is asked for").toEqual([
      { conversationId: "c1", messageId: "a1" },
    ]);
    await frame();
    expect(must(".content", message("a1")).textContent, "its text is shown").toBe("First answer");
    expect(must(".branch-position", message("a1")).textContent, "as the first of two").toBe("1 / 2");
    expect(must<HTMLButtonElement>(".branch-prev", message("a1")).disabled, "nothing before it").toBe(true);
  });
});

describe("interrupted answers", () => {
  it("says the answer was cut off and offers Continue and Retry", async () => {
    backend.seed({ id: "c1" }, [
      { id: "q1", role: "user", content: "Tell me a story" },
      { id: "a1", role: "assistant", content: "Once upon", html: "<p>Once upon</p>", status: "interrupted" },
    ]);
    await startApp();
    await open("c1");
    const answer = message("a1");
    expect(answer.dataset.status, "marked interrupted").toBe("interrupted");
    expect(answer.textContent, "the notice says what happened").toContain(
      "This answer was cut off when Switchboard stopped",
    );
    await frame();
    expect(must(".content", answer).textContent, "the text it got stays").toBe("Once upon");

    await click(must(".continue-answer", answer));
    expect(lastRequest().conversation, "Continue follows the cut-off answer").toEqual({
      conversationId: "c1",
      parentId: "a1",
    });
    expect(lastRequest().messages, "asking plainly to go on").toEqual([{ role: "user", content: "Continue" }]);
    expect($$("#messages .message"), "the question and a new answer appear after it").toHaveLength(4);
    finish();
    await settle();

    await click(must(".retry-answer", message("a1")));
    expect(lastRequest().conversation, "Retry asks again for the question's answer").toEqual({
      conversationId: "c1",
      parentId: "q1",
      regenerate: true,
    });
    expect(lastRequest().messages, "without a new question").toEqual([]);
    expect($$("#messages .message"), "the retried answer replaces what followed").toHaveLength(2);
  });
});

describe("search", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });

  async function wait(ms: number): Promise<void> {
    vi.advanceTimersByTime(ms);
    await settle();
  }

  it("searches once typing pauses and shows the hits with their marks", async () => {
    backend.seed({ id: "c1", title: "Trip" }, backend.chain(1));
    backend.searchResults.needle = [
      {
        conversationId: "c1",
        conversationTitle: "Trip",
        messageId: "a1",
        role: "assistant",
        snippetHtml: "a <mark>needle</mark> &lt;b&gt;here&lt;/b&gt;",
        createdAt: 1,
      },
      {
        conversationId: "c1",
        conversationTitle: "Trip",
        messageId: null,
        role: null,
        snippetHtml: "<mark>Needle</mark> trip",
        createdAt: 1,
      },
    ];
    await startApp();
    type("#history-search", "nee");
    await wait(100);
    type("#history-search", "needle");
    await wait(199);
    expect(backend.called("search_history"), "nothing while typing").toHaveLength(0);
    await wait(1);
    expect(backend.called("search_history").map((c) => c.args), "one search for the last text").toEqual([
      { query: "needle", limit: 50 },
    ]);

    expect($("#conversation-list"), "hits replace the list").toBeNull();
    const hits = $$(".search-hit");
    expect(hits.map((h) => [h.dataset.conversationId, h.dataset.messageId]), "each hit names where it is").toEqual([
      ["c1", "a1"],
      ["c1", undefined],
    ]);
    const snippet = must(".search-snippet", hits[0]!);
    expect(snippet.querySelector("mark")?.textContent, "matches are marked").toBe("needle");
    expect(snippet.querySelector("b"), "escaped text stays text").toBeNull();
    expect(snippet.textContent, "and reads as text").toContain("<b>here</b>");

    type("#history-search", "zzz");
    await wait(200);
    expect(must(".search-empty").textContent, "no hits, said plainly").toBe("No matches");

    type("#history-search", "");
    expect($("#conversation-list"), "an empty query brings the list back").not.toBeNull();
    await wait(300);
    expect(backend.called("search_history"), "and searches nothing").toHaveLength(2);
  });

  it("opens a hit on its branch and highlights the message for a moment", async () => {
    backend.seed({ id: "c1", title: "Trip" }, [
      { id: "q1", role: "user", content: "Pick one" },
      { id: "a1", role: "assistant", content: "The needle answer" },
    ]);
    backend.messages.push({ ...backend.messageById("a1")!, id: "a1b", content: "Other", html: "<p>Other</p>", createdAt: Date.now() * 2 });
    backend.conversations[0]!.leaf = "a1b";
    await startApp();
    type("#history-search", "needle");
    await wait(200);
    await click(must(".search-hit[data-message-id='a1']"));

    expect(backend.called("switch_branch").map((c) => c.args), "the hit's branch is shown").toEqual([
      { conversationId: "c1", messageId: "a1" },
    ]);
    expect(shownIds(), "with the message on it").toEqual(["q1", "a1"]);
    expect(message("a1").classList.contains("highlight"), "the message is highlighted").toBe(true);
    expect($("#search-results"), "the hits stay for the next click").not.toBeNull();
    await wait(1999);
    expect(message("a1").classList.contains("highlight"), "still, just before two seconds").toBe(true);
    await wait(1);
    expect(message("a1").classList.contains("highlight"), "briefly").toBe(false);
  });

  it("leaves the branch alone when the hit is on it", async () => {
    backend.seed({ id: "c1", title: "Trip" }, backend.chain(2));
    await startApp();
    type("#history-search", "Answer 1");
    await wait(200);
    await click(must(".search-hit[data-message-id='a1']"));
    expect(backend.called("open_conversation"), "the conversation is opened").toHaveLength(1);
    expect(backend.called("switch_branch"), "no branch change is needed").toHaveLength(0);
    expect(message("a1").classList.contains("highlight"), "the message is highlighted").toBe(true);
  });

  it("focuses the search box with Ctrl+Shift+F or Cmd+Shift+F", async () => {
    await startApp();
    must("#composer").focus();
    key(document.body, "F", { ctrlKey: true, shiftKey: true });
    await settle();
    expect(document.activeElement?.id, "Ctrl+Shift+F").toBe("history-search");
    must("#composer").focus();
    key(document.body, "F", { metaKey: true, shiftKey: true });
    await settle();
    expect(document.activeElement?.id, "Cmd+Shift+F").toBe("history-search");
  });
});

describe("narrow window", () => {
  it("folds the list behind a button that says whether it is open, and folds it again on a choice", async () => {
    backend.seed({ id: "c1", title: "First" }, backend.chain(1, "c1-"));
    await startApp();
    const toggle = must("#toggle-conversations");
    expect(toggle.getAttribute("aria-controls"), "the button names what it opens").toBe("sidebar-conversations");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    await click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(must("#sidebar-conversations").classList.contains("open"), "the narrow layout shows the list").toBe(true);
    await open("c1");
    expect(toggle.getAttribute("aria-expanded"), "the list gives way to the conversation").toBe("false");
    expect(backend.called("open_conversation")).toHaveLength(1);
  });
});

describe("list actions", () => {
  beforeEach(() => {
    backend.seed({ id: "c1", title: "First" }, backend.chain(1, "c1-"));
    backend.seed({ id: "c2", title: "Second" }, backend.chain(1, "c2-"));
  });

  it("renames inline", async () => {
    await startApp();
    await menu("c1", ".rename-conversation");
    const input = must<HTMLInputElement>(".rename-input", item("c1"));
    expect(input.value, "the editor starts with the title").toBe("First");
    type(input, "  Holiday plans ");
    key(input, "Enter");
    await settle();
    expect(backend.called("update_conversation").map((c) => c.args), "the trimmed title is saved").toEqual([
      { id: "c1", patch: { title: "Holiday plans" } },
    ]);
    expect(must(".conversation-title", item("c1")).textContent, "and shown").toBe("Holiday plans");

    await menu("c1", ".rename-conversation");
    type(must(".rename-input", item("c1")), "Never mind");
    key(must(".rename-input", item("c1")), "Escape");
    await settle();
    expect(backend.called("update_conversation"), "Escape saves nothing").toHaveLength(1);
  });

  it("pins and unpins, moving the conversation to the top", async () => {
    await startApp();
    expect($$("#conversation-list .conversation").map((c) => c.dataset.conversationId), "newest first").toEqual([
      "c2",
      "c1",
    ]);
    await menu("c1", ".pin-conversation");
    expect(backend.called("update_conversation").at(-1)?.args, "pinned").toEqual({ id: "c1", patch: { pinned: true } });
    expect($$("#conversation-list .conversation").map((c) => c.dataset.conversationId), "pinned first").toEqual([
      "c1",
      "c2",
    ]);
    await click(must(".conversation-menu-toggle", item("c1")));
    expect(must(".pin-conversation", item("c1")).textContent?.trim(), "the menu offers Unpin").toBe("Unpin");
    await click(must(".pin-conversation", item("c1")));
    expect(backend.called("update_conversation").at(-1)?.args, "unpinned").toEqual({
      id: "c1",
      patch: { pinned: false },
    });
  });

  it("archives, and shows the archived ones on request", async () => {
    await startApp();
    await menu("c1", ".archive-conversation");
    expect(backend.called("update_conversation").at(-1)?.args, "archived").toEqual({
      id: "c1",
      patch: { archived: true },
    });
    expect($$("#conversation-list .conversation").map((c) => c.dataset.conversationId), "it leaves the list").toEqual([
      "c2",
    ]);
    await click("#show-archived");
    expect(must("#show-archived").getAttribute("aria-pressed"), "the toggle is on").toBe("true");
    expect(backend.called("list_conversations").at(-1)?.args, "archived ones are asked for").toEqual({
      archived: true,
      limit: 200,
    });
    expect($$("#conversation-list .conversation").map((c) => c.dataset.conversationId), "only the archived").toEqual([
      "c1",
    ]);
    await menu("c1", ".archive-conversation");
    expect(backend.called("update_conversation").at(-1)?.args, "restored").toEqual({
      id: "c1",
      patch: { archived: false },
    });
    expect($$("#conversation-list .conversation"), "the archive is empty again").toHaveLength(0);
  });

  it("deletes only after confirmation, and leaves the chat when it was open", async () => {
    await startApp();
    await open("c1");
    await menu("c1", ".delete-conversation");
    expect(must(".confirm", item("c1")).textContent, "the user is asked first").toContain("Delete “First”");
    await click(must(".cancel-delete", item("c1")));
    expect(backend.called("delete_conversation"), "Cancel deletes nothing").toHaveLength(0);
    expect($(".confirm"), "and closes the question").toBeNull();

    await menu("c1", ".delete-conversation");
    await click(must(".confirm-delete", item("c1")));
    expect(backend.called("delete_conversation").map((c) => c.args), "deleted on confirmation").toEqual([
      { id: "c1" },
    ]);
    expect($("#conversation-list .conversation[data-conversation-id='c1']"), "gone from the list").toBeNull();
    expect($$("#messages .message"), "the open conversation gives way to a new chat").toHaveLength(0);
    await sendText("Hello");
    expect(lastRequest().conversation?.conversationId, "which starts a new conversation").toBeNull();
  });

  it("exports and says where the file went", async () => {
    await startApp();
    await menu("c1", ".export-conversation[data-format='markdown']");
    expect(backend.called("export_history").map((c) => c.args), "one conversation as Markdown").toEqual([
      { id: "c1", format: "markdown" },
    ]);
    expect(must("#history-status").textContent, "the path is shown").toContain(
      "Exported to /home/user/Downloads/switchboard-c1.md",
    );

    backend.failures.export_history = { code: "internal", message: "Downloads is not writable." };
    await menu("c2", ".export-conversation[data-format='html']");
    expect(must("#history-status").textContent, "a failure is said too").toContain("Downloads is not writable.");
    expect(must("#history-status").classList.contains("error"), "as an error").toBe(true);
  });
});

describe("import", () => {
  async function chooseFile(text: string): Promise<void> {
    const input = must<HTMLInputElement>("#import-history");
    const file = new File([text], "export.json", { type: "application/json" });
    Object.defineProperty(input, "files", { configurable: true, value: [file] });
    input.dispatchEvent(new Event("change", { bubbles: true }));
    await settle();
    await settle();
  }

  it("imports a file from the settings and reports what came in", async () => {
    backend.importReport = { conversations: 3, messages: 41 };
    await startApp();
    await click("#open-settings");
    const input = must<HTMLInputElement>("#import-history");
    expect(input.type, "a file chooser").toBe("file");
    expect(input.accept, "for JSON").toBe(".json,application/json");
    const listed = backend.called("list_conversations").length;

    await chooseFile('{"conversations":[]}');
    expect(backend.called("import_history").map((c) => c.args), "the file's text goes to Rust").toEqual([
      { text: '{"conversations":[]}' },
    ]);
    expect(must("#import-status").textContent, "the report is shown").toContain(
      "Imported 3 conversations (41 messages)",
    );
    expect(backend.called("list_conversations").length, "the list is refreshed").toBe(listed + 1);
  });

  it("shows why a file was refused", async () => {
    backend.failures.import_history = { code: "invalid_input", message: "Not a Switchboard or ChatGPT export." };
    await startApp();
    await click("#open-settings");
    await chooseFile("not json");
    const status = must("#import-status");
    expect(status.textContent, "the backend's reason").toContain("Not a Switchboard or ChatGPT export.");
    expect(status.getAttribute("role"), "announced as a problem").toBe("alert");
  });
});

describe("a conversation's own settings", () => {
  it("brings back the parameters it was sent with and keeps its system prompt to itself", async () => {
    backend.seed(
      {
        id: "c1",
        title: "Tuned",
        systemPrompt: "Answer in French.",
        params: { temperature: 0.3, reasoningEffort: "low" },
      },
      backend.chain(1),
    );
    await startApp();
    await open("c1");
    await click("#params-toggle");
    expect(must<HTMLInputElement>("#param-temperature").value, "the stored temperature").toBe("0.3");
    expect(must<HTMLSelectElement>("#param-reasoning-effort").value, "the stored effort").toBe("low");
    expect(must<HTMLTextAreaElement>("#system-prompt").value, "its system prompt").toBe("Answer in French.");

    await sendText("Encore ?");
    expect(lastRequest().params, "a follow-up goes with the same parameters").toEqual({
      temperature: 0.3,
      reasoningEffort: "low",
    });

    // Let the answer end, then start a new chat: the old instructions do not follow.
    backend.feeds.at(-1)!.send({ type: "finished", reason: "stop" });
    await settle();
    await click("#new-chat");
    expect(must<HTMLTextAreaElement>("#system-prompt").value, "a new chat starts without them").toBe("");
    await sendText("Hello");
    expect(lastRequest().conversation?.systemPrompt ?? null, "nothing is sent as a system prompt").toBeNull();
  });

  it("saves an edited system prompt with a stored conversation", async () => {
    backend.seed({ id: "c1", title: "Plain" }, backend.chain(1));
    await startApp();
    await open("c1");
    await click("#params-toggle");
    type("#system-prompt", "Be brief.");
    await click("#system-prompt-save");
    expect(backend.called("update_conversation").at(-1)?.args, "saved with the conversation").toEqual({
      id: "c1",
      patch: { systemPrompt: "Be brief." },
    });
    expect(must(".system-prompt .hint").textContent).toContain("Saved");
  });
});

describe("message actions", () => {
  it("attaches an image from the file picker, shows it and sends it as a data URL", async () => {
    await startApp();
    const input = must<HTMLInputElement>("#attach-input");
    const png = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])], "cat.png", {
      type: "image/png",
    });
    const text = new File(["hello"], "notes.txt", { type: "text/plain" });
    Object.defineProperty(input, "files", { value: [png, text], configurable: true });
    input.dispatchEvent(new Event("change", { bubbles: true }));
    // FileReader is asynchronous: wait for the preview (or give up after a second).
    for (let i = 0; i < 100 && $$(".attachments .attachment img").length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      await settle();
    }
    expect($$(".attachments .attachment img"), "a preview of the picked image").toHaveLength(1);
    expect(must("#attach-problem").textContent, "the text file is refused, by name").toContain("notes.txt");

    await sendText("What is this?");
    const sent = lastRequest().messages.at(-1);
    expect(sent?.images, "the image travels with the question").toEqual(["data:image/png;base64,iVBORw0KGgo="]);
    expect($$(".attachments .attachment"), "the composer clears").toHaveLength(0);
    expect(must("#messages .message.user .user-images img").getAttribute("src")).toBe("data:image/png;base64,iVBORw0KGgo=");
  });

  it("deletes a stored message only after confirming, and shows what remains", async () => {
    backend.seed({ id: "c1", title: "Two" }, backend.chain(2));
    await startApp();
    await open("c1");
    await click(must(".delete-message", message("q2")));
    expect(backend.called("delete_message"), "nothing is deleted on the first click").toHaveLength(0);
    await click(must(".confirm-delete-yes", message("q2")));
    expect(backend.called("delete_message").at(-1)?.args).toEqual({ conversationId: "c1", messageId: "q2" });
    expect(shownIds(), "the question and its answer are gone").toEqual(["q1", "a1"]);
  });

  it("shows how fast an answer came and offers Retry and the settings on an error card", async () => {
    await startApp();
    await sendText("Hi");
    const feed = backend.feeds.at(-1)!;
    feed.send(
      { type: "textDelta", text: "Hello" },
      { type: "finished", reason: "stop" },
      { type: "timing", timeToFirstTokenMs: 120, tokensPerSecond: 35 },
    );
    await settle();
    expect(must(".message.assistant .timing").textContent).toBe("first token 120 ms · 35.0 tokens/s");

    await sendText("Again");
    backend.feeds.at(-1)!.send({ type: "error", code: "auth", message: "Incorrect API key provided" });
    await settle();
    const card = [...$$(".message.assistant .error-card")].at(-1)!;
    expect(card.querySelector(".retry-answer"), "Retry asks again").not.toBeNull();
    await click(must(".open-settings-from-error", card));
    expect($("#add-account") ?? $(".account-list") ?? $("#close-settings"), "the settings are open").not.toBeNull();
  });

  it("Esc stops a streaming answer and Ctrl+Shift+R asks again for the last one", async () => {
    backend.seed({ id: "c1", title: "One" }, backend.chain(1));
    await startApp();
    await open("c1");
    key(document.body, "R", { ctrlKey: true, shiftKey: true });
    await settle();
    expect(lastRequest().conversation?.regenerate, "the last answer is asked for again").toBe(true);
    backend.feeds.at(-1)!.send({ type: "started", requestId: "req-9" });
    await settle();
    key(document.body, "Escape");
    await settle();
    expect(backend.called("stop_message").map((c) => c.args), "Esc stops it").toEqual([{ requestId: "req-9" }]);
  });

  it("sends with Ctrl+Enter and breaks lines with Enter when the user prefers it", async () => {
    const preferences = new PreferencesState(memoryStorage());
    preferences.enterSends = false;
    await startApp(preferences);
    type("#composer", "Line one");
    key("#composer", "Enter");
    await settle();
    expect(backend.called("send_message"), "Enter does not send").toHaveLength(0);
    key("#composer", "Enter", { ctrlKey: true });
    await settle();
    expect(lastRequest().messages.at(-1)?.content, "Ctrl+Enter sends").toBe("Line one");
    expect(must<HTMLTextAreaElement>("#composer").placeholder).toContain("Ctrl+Enter");
  });
});
