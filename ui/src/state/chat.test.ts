import { describe, expect, it, vi } from "vitest";
import { storedMessage } from "../test-support/fixtures";
import type { ConversationView, SendRequest, StoredMessage, StreamEvent, Target } from "../ipc/types";
import {
  type AssistantTurn,
  type ChatIpc,
  Conversation,
  HIGHLIGHT_MS,
  type HistoryIpc,
  PAGE_SIZE,
  assistantStatus,
  turnFromStored,
  type Turn,
  applyStreamEvent,
  buildHistory,
  lastResponseId,
  newAssistantTurn,
  newUserTurn,
} from "./chat.svelte";

const PINNED: Target = { type: "account", accountId: "acc", model: "m1", api: "chat" };

function run(events: StreamEvent[], target: Target = PINNED): AssistantTurn {
  const turn = newAssistantTurn(1, target);
  for (const event of events) applyStreamEvent(turn, event);
  return turn;
}

describe("applyStreamEvent", () => {
  it("accumulates a full answer in order", () => {
    const turn = run([
      { type: "started", requestId: "r1" },
      { type: "reasoningDelta", text: "Think" },
      { type: "reasoningDelta", text: "ing." },
      { type: "textDelta", text: "Hel" },
      { type: "rendered", part: "reasoning", committed: [], tail: "<p>Thinking.</p>" },
      { type: "rendered", part: "answer", committed: [], tail: "<p>Hel</p>" },
      { type: "textDelta", text: "lo\n\nMore" },
      { type: "rendered", part: "answer", committed: ["<p>Hello</p>"], tail: "<p>Mo</p>" },
      { type: "rendered", part: "answer", committed: [], tail: "<p>More</p>" },
      { type: "usage", promptTokens: 3, completionTokens: 2, totalTokens: 5 },
      { type: "finished", reason: "stop" },
    ]);
    expect(turn.requestId, "started carries the id Stop needs").toBe("r1");
    expect(turn.text, "textDelta appends to the raw text").toBe("Hello\n\nMore");
    expect(turn.answer, "committed blocks accumulate; the tail is replaced").toEqual({
      blocks: ["<p>Hello</p>"],
      tail: "<p>More</p>",
    });
    expect(turn.reasoningRendered, "the reasoning is rendered on its own").toEqual({
      blocks: [],
      tail: "<p>Thinking.</p>",
    });
    expect(turn.reasoning, "reasoningDelta appends to the reasoning").toBe("Thinking.");
    expect(turn.usage, "usage is kept for display").toEqual({
      promptTokens: 3,
      completionTokens: 2,
      totalTokens: 5,
    });
    expect(turn.finishReason, "finish reason is kept (e.g. to flag 'length')").toBe("stop");
    expect(turn.status, "finished ends the stream as done").toBe("done");
    expect(turn.error, "a finished answer has no error").toBeNull();
  });

  it("keeps the rendered answer null until the first rendered event so plain text shows meanwhile", () => {
    const turn = run([{ type: "textDelta", text: "# Title" }]);
    expect(turn.answer, "no rendered event yet means no HTML to inject").toBeNull();
    expect(turn.text, "the plain text is what the UI shows until then").toBe("# Title");
    expect(turn.status, "still streaming without a terminal event").toBe("streaming");
  });

  it("keeps partial text and html when the stream errors", () => {
    const turn = run([
      { type: "textDelta", text: "Partial" },
      { type: "rendered", part: "answer", committed: [], tail: "<p>Partial</p>" },
      { type: "error", code: "network", message: "connection reset" },
    ]);
    expect(turn.status, "error is terminal").toBe("error");
    expect(turn.error, "the classified error is stored for the error card").toEqual({
      code: "network",
      message: "connection reset",
    });
    expect(turn.text, "text received before the error stays visible").toBe("Partial");
    expect(turn.answer?.tail, "rendered HTML received before the error stays visible").toBe("<p>Partial</p>");
  });

  it("marks a stopped answer and keeps what arrived", () => {
    const turn = run([{ type: "textDelta", text: "Half an ans" }, { type: "stopped" }]);
    expect(turn.status, "stopped is its own terminal state").toBe("stopped");
    expect(turn.text, "text received before Stop is kept").toBe("Half an ans");
    expect(turn.error, "stopping is not an error").toBeNull();
  });

  it("ignores events after a terminal event", () => {
    const turn = run([
      { type: "textDelta", text: "A" },
      { type: "stopped" },
      { type: "textDelta", text: "B" },
      { type: "error", code: "network", message: "late" },
      { type: "finished", reason: "stop" },
    ]);
    expect(turn.status, "the first terminal event wins").toBe("stopped");
    expect(turn.text, "late deltas must not change a finished turn").toBe("A");
    expect(turn.error, "a late error must not overwrite a stopped turn").toBeNull();
  });

  it("assembles tool-call pieces by index, taking id and name once", () => {
    const turn = newAssistantTurn(1, PINNED);
    const pieces: StreamEvent[] = [
      { type: "toolCallDelta", index: 1, id: "call_b", name: "g", arguments: "{\"x\"" },
      { type: "toolCallDelta", index: 0, id: "call_a", name: "f", arguments: "{}" },
      { type: "toolCallDelta", index: 1, id: null, name: null, arguments: ":1}" },
    ];
    for (const piece of pieces) applyStreamEvent(turn, piece);
    expect(turn.toolCalls, "parallel calls stay apart and arguments concatenate").toEqual([
      { id: "call_a", name: "f", arguments: "{}" },
      { id: "call_b", name: "g", arguments: '{"x":1}' },
    ]);
  });

  it("keeps the notices about adapted parameters in order", () => {
    const turn = run([
      { type: "notice", param: "max_tokens", message: "max_tokens is sent as max_completion_tokens" },
      { type: "notice", param: "temperature", message: "temperature was not sent" },
      { type: "finished", reason: "stop" },
    ]);
    expect(turn.notices, "the user sees every change Switchboard made").toEqual([
      "max_tokens is sent as max_completion_tokens",
      "temperature was not sent",
    ]);
  });

  it("keeps the route record of a routed answer", () => {
    const served = { accountId: "b", accountLabel: "B", modelId: "openai/gpt-5-1-codex-mini", api: "responses" as const };
    const skipped = {
      route: { accountId: "a", accountLabel: "A", modelId: "gpt-5.1-codex-mini", api: "chat" as const },
      code: "rate_limited",
      outcome: "rate-limited, cooling down 30 s",
    };
    const turn = run([
      { type: "textDelta", text: "hi" },
      { type: "route", servedBy: served, attempts: [skipped] },
      { type: "finished", reason: "stop" },
    ]);
    expect(turn.route, "the answer knows who served it and why others did not").toEqual({
      servedBy: served,
      attempts: [skipped],
    });
  });

  it("still takes usage reported after the finish reason", () => {
    const turn = run([
      { type: "textDelta", text: "A" },
      { type: "finished", reason: "stop" },
      { type: "usage", promptTokens: 1, completionTokens: 1, totalTokens: 2 },
    ]);
    expect(turn.status, "usage does not reopen the turn").toBe("done");
    expect(turn.usage?.totalTokens, "OpenAI-style streams send usage after finish_reason").toBe(2);
  });
});

describe("lastResponseId", () => {
  it("continues only from a completed answer", () => {
    const done = run([{ type: "responseId", id: "resp_1" }, { type: "finished", reason: "stop" }]);
    const failed = run([
      { type: "responseId", id: "resp_2" },
      { type: "error", code: "server", message: "x" },
    ]);
    const user = newUserTurn(9, "q");
    expect(lastResponseId([user, done]), "the stored response of the last answer").toBe("resp_1");
    expect(
      lastResponseId([done, user, failed]),
      "a failed answer left no usable state: resend the history",
    ).toBe(null);
    expect(lastResponseId([user]), "nothing to continue from yet").toBe(null);
  });

  it("continues only from an answer the same account gave", () => {
    const routed: Target = { type: "logical", model: "gpt-5.1", strategy: "priority" };
    const servedByB = run(
      [
        { type: "responseId", id: "resp_b" },
        { type: "route", servedBy: { accountId: "b", accountLabel: "B", modelId: "m", api: "responses" }, attempts: [] },
        { type: "finished", reason: "stop" },
      ],
      routed,
    );
    expect(lastResponseId([servedByB], "b"), "account b stored it").toBe("resp_b");
    expect(lastResponseId([servedByB], "acc"), "another account never saw it").toBe(null);
    const pinnedNoRoute = run([{ type: "responseId", id: "resp_p" }, { type: "finished", reason: "stop" }]);
    expect(lastResponseId([pinnedNoRoute], "acc"), "without a route record, the pinned target").toBe("resp_p");
  });
});

describe("buildHistory", () => {
  function assistant(id: number, text: string, status: AssistantTurn["status"]): AssistantTurn {
    return { ...newAssistantTurn(id, PINNED), text, status };
  }

  it("sends user turns and the answers the user actually got", () => {
    const turns: Turn[] = [
      newUserTurn(1, "Q1"),
      assistant(2, "A1", "done"),
      newUserTurn(3, "Q2"),
      assistant(4, "partial A2", "error"),
      newUserTurn(5, "Q3"),
      assistant(6, "", "done"),
      newUserTurn(7, "Q4"),
      assistant(8, "stopped A4", "stopped"),
      newUserTurn(9, "Q5"),
      assistant(10, "still going", "streaming"),
    ];
    expect(buildHistory(turns), "failed, empty and streaming answers are left out").toEqual([
      { role: "user", content: "Q1" },
      { role: "assistant", content: "A1" },
      { role: "user", content: "Q2" },
      { role: "user", content: "Q3" },
      { role: "user", content: "Q4" },
      { role: "assistant", content: "stopped A4" },
      { role: "user", content: "Q5" },
    ]);
  });

  it("never adds a system message", () => {
    const history = buildHistory([newUserTurn(1, "hi")]);
    expect(
      history.some((m) => m.role === "system"),
      "the UI has no system prompt in this slice",
    ).toBe(false);
  });
});

describe("Conversation", () => {
  const CHAT = { params: {} } as const;
  const pin = (model: string, api: "chat" | "responses" = "chat"): Target => ({
    type: "account",
    accountId: "acc",
    model,
    api,
  });

  function fakeIpc() {
    let onEvent: ((e: StreamEvent) => void) | null = null;
    const requests: SendRequest[] = [];
    const ipc = {
      sendMessage: vi.fn(async (req: SendRequest, cb: (e: StreamEvent) => void) => {
        requests.push(structuredClone(req));
        onEvent = cb;
        return `req-${requests.length}`;
      }),
      stopMessage: vi.fn(async (_id: string) => {}),
    } satisfies ChatIpc;
    const emit = (e: StreamEvent) => onEvent?.(e);
    return { ipc, requests, emit };
  }

  it("sends history plus the new user message and streams into a new turn", async () => {
    const { ipc, requests, emit } = fakeIpc();
    const chat = new Conversation(ipc, null);

    expect(await chat.send(pin("m1"), "Hello", CHAT), "non-blank text is sent").toBe(true);
    expect(requests[0], "first request carries the target and only the new message").toEqual({
      target: { type: "account", accountId: "acc", model: "m1", api: "chat" },
      messages: [{ role: "user", content: "Hello" }],
      params: {},
    });
    expect(chat.inFlight, "a request is in flight until a terminal event").toBe(true);

    emit({ type: "textDelta", text: "Hi!" });
    emit({ type: "finished", reason: "stop" });
    expect(chat.inFlight, "finished ends the in-flight request").toBe(false);

    await chat.send({ type: "logical", model: "m2", strategy: "round_robin" }, "Again", CHAT);
    expect(requests[1]?.messages, "the second request includes the first exchange").toEqual([
      { role: "user", content: "Hello" },
      { role: "assistant", content: "Hi!" },
      { role: "user", content: "Again" },
    ]);
    expect(requests[1]?.target, "the target chosen for this message is used").toEqual({
      type: "logical",
      model: "m2",
      strategy: "round_robin",
    });
  });

  it("with server state, continues from the last response and sends only the new message", async () => {
    const { ipc, requests, emit } = fakeIpc();
    const chat = new Conversation(ipc, null);
    const SERVER = { params: {}, serverState: true } as const;
    const codex = pin("codex", "responses");

    await chat.send(codex, "First", SERVER);
    expect(requests[0]?.previousResponseId, "nothing to continue from yet").toBeUndefined();
    emit({ type: "responseId", id: "resp_1" });
    emit({ type: "textDelta", text: "One" });
    emit({ type: "finished", reason: "stop" });

    await chat.send(codex, "Second", SERVER);
    expect(requests[1]?.previousResponseId, "the provider keeps the conversation").toBe("resp_1");
    expect(requests[1]?.messages, "only the new message travels").toEqual([
      { role: "user", content: "Second" },
    ]);
    emit({ type: "error", code: "server", message: "boom" });

    await chat.send(codex, "Third", SERVER);
    expect(
      requests[2]?.previousResponseId,
      "after a failed answer there is no stored response to continue from",
    ).toBeUndefined();
    expect(requests[2]?.messages.length, "so the whole history is resent").toBe(4);
  });

  it("never continues a routed target or another account's answer from server state", async () => {
    const { ipc, requests, emit } = fakeIpc();
    const chat = new Conversation(ipc, null);
    const SERVER = { params: {}, serverState: true } as const;
    await chat.send({ type: "logical", model: "codex", strategy: "priority" }, "First", SERVER);
    emit({ type: "responseId", id: "resp_1" });
    emit({ type: "textDelta", text: "One" });
    emit({ type: "finished", reason: "stop" });
    await chat.send({ type: "logical", model: "codex", strategy: "priority" }, "Second", SERVER);
    expect(requests[1]?.previousResponseId, "any account may answer a routed message").toBeUndefined();
    emit({
      type: "route",
      servedBy: { accountId: "other", accountLabel: "Other", modelId: "codex", api: "responses" },
      attempts: [],
    });
    emit({ type: "responseId", id: "resp_2" });
    emit({ type: "textDelta", text: "Two" });
    emit({ type: "finished", reason: "stop" });
    await chat.send(pin("codex", "responses"), "Third", SERVER);
    expect(requests[2]?.previousResponseId, "account acc never stored resp_2").toBeUndefined();
    expect(requests[2]?.messages, "so the whole history goes").toHaveLength(5);
    emit({ type: "finished", reason: "stop" });
    await chat.send(pin("codex", "chat"), "Fourth", SERVER);
    expect(requests[3]?.previousResponseId, "Chat Completions has no stored responses").toBeUndefined();
  });

  it("sends the target's protocol and the parameters as given", async () => {
    const { ipc, requests } = fakeIpc();
    const chat = new Conversation(ipc, null);
    const params = { temperature: 0, maxTokens: 100, reasoningSummary: "auto" as const };
    const target = pin("codex", "responses");
    await chat.send(target, "Hi", { params });
    expect(requests[0]?.target, "a Responses route must be sent as such").toEqual(target);
    expect(requests[0]?.target, "the request holds a copy of the target").not.toBe(target);
    expect(requests[0]?.params, "the parameters go out unchanged").toEqual(params);
    expect(requests[0]?.params, "the request holds a copy, not the caller's object").not.toBe(params);
  });

  it("refuses blank text and a second send while streaming", async () => {
    const { ipc } = fakeIpc();
    const chat = new Conversation(ipc, null);
    expect(await chat.send(pin("m"), "   ", CHAT), "blank text is not sent").toBe(false);
    await chat.send(pin("m"), "one", CHAT);
    expect(await chat.send(pin("m"), "two", CHAT), "only one answer streams at a time").toBe(false);
    expect(ipc.sendMessage, "the refused sends never reached the backend").toHaveBeenCalledTimes(1);
  });

  it("stops with the request id, even when Stop is pressed before the id is known", async () => {
    let resolveSend: (id: string) => void = () => {};
    const ipc: ChatIpc = {
      sendMessage: vi.fn(() => new Promise<string>((r) => (resolveSend = r))),
      stopMessage: vi.fn(async () => {}),
    };
    const chat = new Conversation(ipc, null);
    const sending = chat.send(pin("m"), "hi", CHAT);
    await chat.stop();
    expect(ipc.stopMessage, "no id yet, so nothing to stop yet").not.toHaveBeenCalled();
    resolveSend("req-9");
    await sending;
    expect(ipc.stopMessage, "the deferred Stop goes out once the id is known").toHaveBeenCalledWith(
      "req-9",
    );
  });

  it("turns a rejected send_message into an error turn", async () => {
    const ipc: ChatIpc = {
      sendMessage: vi.fn(async () => {
        throw { code: "auth", message: "bad key" };
      }),
      stopMessage: vi.fn(async () => {}),
    };
    const chat = new Conversation(ipc, null);
    await chat.send(pin("m"), "hi", CHAT);
    const last = chat.turns.at(-1) as AssistantTurn;
    expect(last.status, "a rejected command fails the turn").toBe("error");
    expect(last.error, "the command error is shown as-is").toEqual({ code: "auth", message: "bad key" });
    expect(chat.inFlight, "nothing is in flight after the rejection").toBe(false);
  });
});

describe("Conversation with the history", () => {
  const SETTINGS = { params: {} } as const;
  const TARGET: Target = { type: "account", accountId: "acc", model: "m", api: "chat" };

  const stored = storedMessage;

  /** q1 a1 q2 a2 ... as one branch, with indexes from `start`. */
  function chainView(id: string, count: number, start = 0, total = start + count): ConversationView {
    const messages: StoredMessage[] = [];
    for (let i = start; i < start + count; i++) {
      const role = i % 2 === 0 ? "user" : "assistant";
      messages.push(stored({ id: `m${i}`, role, parentId: i === 0 ? null : `m${i - 1}` }));
    }
    return { id, title: id, pinned: false, archived: false, systemPrompt: null, target: null, params: null, total, start, messages };
  }

  function setup(history: Partial<HistoryIpc> = {}) {
    let onEvent: (e: StreamEvent) => void = () => {};
    const requests: SendRequest[] = [];
    const ipc: ChatIpc = {
      sendMessage: vi.fn(async (req: SendRequest, cb: (e: StreamEvent) => void) => {
        requests.push(structuredClone(req));
        onEvent = cb;
        return `req-${requests.length}`;
      }),
      stopMessage: vi.fn(async () => {}),
    };
    const historyIpc: HistoryIpc = {
      openConversation: vi.fn(async (id: string) => chainView(id, 4)),
      loadEarlier: vi.fn(async () => chainView("c", 0)),
      switchBranch: vi.fn(async () => chainView("c", 4)),
      deleteMessage: vi.fn(async () => chainView("c", 2)),
      updateConversation: vi.fn(async (id: string) => ({
        id,
        title: id,
        pinned: false,
        archived: false,
        createdAt: 0,
        updatedAt: 0,
      })),
      ...history,
    };
    const chat = new Conversation(ipc, historyIpc);
    const changes: string[] = [];
    chat.onhistorychange = (change) => changes.push(change);
    return { chat, requests, emit: (e: StreamEvent) => onEvent(e), historyIpc, changes };
  }

  it("starts a conversation, learns its ids from `stored`, then follows the answer", async () => {
    const { chat, requests, emit, changes } = setup();
    chat.systemPrompt = "Be brief.";
    await chat.send(TARGET, "Hi", SETTINGS);
    expect(requests[0], "a new conversation with only the question").toEqual({
      target: TARGET,
      conversation: { conversationId: null, parentId: null, systemPrompt: "Be brief." },
      messages: [{ role: "user", content: "Hi" }],
      params: {},
    });
    emit({ type: "stored", conversationId: "c9", userMessageId: "u1", answerId: "r1" });
    expect(chat.id, "the conversation now exists").toBe("c9");
    expect(changes, "the list learns about it at once").toEqual(["created"]);
    expect(chat.turns.map((t) => [t.messageId, t.parentId]), "both turns know where they live").toEqual([
      ["u1", null],
      ["r1", "u1"],
    ]);
    emit({ type: "finished", reason: "stop" });
    expect(changes, "and again when the answer ends").toEqual(["created", "ended"]);

    await chat.send(TARGET, "More", SETTINGS);
    expect(requests[1]?.conversation, "no system prompt after the first message").toEqual({
      conversationId: "c9",
      parentId: "r1",
    });
    expect(requests[1]?.messages, "Rust has the rest").toEqual([{ role: "user", content: "More" }]);
  });

  it("after a refused send, the next message follows the last stored one", async () => {
    const requests: SendRequest[] = [];
    const sendMessage = vi.fn(async (req: SendRequest) => {
      requests.push(structuredClone(req));
      if (requests.length === 1) throw { code: "invalid_input", message: "no key" };
      return "req-2";
    });
    const refusing = new Conversation({ sendMessage, stopMessage: vi.fn() }, {
      openConversation: vi.fn(async (id: string) => chainView(id, 4)),
      loadEarlier: vi.fn(),
      switchBranch: vi.fn(),
      deleteMessage: vi.fn(),
      updateConversation: vi.fn(),
    });
    await refusing.open("c");
    await refusing.send(TARGET, "First try", SETTINGS);
    expect((refusing.turns.at(-1) as AssistantTurn).status, "the refusal shows on the answer").toBe("error");
    await refusing.send(TARGET, "Second try", SETTINGS);
    expect(requests[1]?.conversation, "the unsaved exchange is not a parent").toEqual({
      conversationId: "c",
      parentId: "m3",
    });
  });

  it("Continue in the middle of a branch starts a new branch after the answer", async () => {
    const { chat, requests, emit } = setup({
      openConversation: vi.fn(async () => {
        const view = chainView("c", 4);
        view.messages[2]!.siblings = ["m2", "other"];
        return view;
      }),
    });
    await chat.open("c");
    await chat.continueAfter(chat.turns[1]!, TARGET, SETTINGS);
    expect(requests[0]?.conversation, "after the answer").toEqual({ conversationId: "c", parentId: "m1" });
    expect(chat.turns.map((t) => t.messageId), "what followed it leaves the screen").toEqual(["m0", "m1", null, null]);
    const question = chat.turns[2]!;
    expect([question.siblings, question.siblingIndex], "a third version beside m2 and its sibling").toEqual([
      ["m2", "other", ""],
      2,
    ]);
    emit({ type: "stored", conversationId: "c", userMessageId: "m9", answerId: "m10" });
    expect(question.siblings, "the new id takes its place").toEqual(["m2", "other", "m9"]);
  });

  it("refuses branch actions on turns that were never stored", async () => {
    const { chat, requests } = setup();
    await chat.send(TARGET, "Hi", SETTINGS);
    const [question, answer] = chat.turns;
    // No `stored` event came: neither turn has an id.
    expect(await chat.edit(question!, "Hey", TARGET, SETTINGS), "no id, no branch").toBe(false);
    expect(chat.questionOf(answer!), "nothing to regenerate from").toBeNull();
    expect(requests, "only the first send went out").toHaveLength(1);
  });

  it("shows only the newest of two opens", async () => {
    let release: (view: ConversationView) => void = () => {};
    const { chat } = setup({
      openConversation: vi.fn((id: string) =>
        id === "slow" ? new Promise<ConversationView>((r) => (release = r)) : Promise.resolve(chainView(id, 2)),
      ),
    });
    const slow = chat.open("slow");
    await chat.open("fast");
    release(chainView("slow", 4));
    expect(await slow, "the older answer is dropped").toBe(false);
    expect(chat.id, "the last click wins").toBe("fast");
  });

  it("reveals a search hit: branch, earlier pages until the message is there, then a brief highlight", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { chat, historyIpc } = setup({
        openConversation: vi.fn(async () => chainView("c", 2, 400)),
        switchBranch: vi.fn(async () => chainView("c", 200, 200)),
        loadEarlier: vi.fn(async (_id: string, before: number, limit: number) =>
          chainView("c", limit, before - limit, 400),
        ),
      });
      expect(await chat.reveal("c", "m5"), "found").toBe(true);
      expect(historyIpc.switchBranch, "m5 was not on the opened page").toHaveBeenCalledWith("c", "m5");
      expect(historyIpc.loadEarlier, "one page back from index 200").toHaveBeenCalledWith("c", 200, PAGE_SIZE);
      expect(chat.turns[0]?.messageId, "the branch from its start").toBe("m0");
      expect(chat.turns, "each message once").toHaveLength(400);
      expect(chat.highlight, "the hit is highlighted").toBe("m5");
      vi.advanceTimersByTime(HIGHLIGHT_MS);
      expect(chat.highlight, "for a moment").toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not open another conversation while an answer streams", async () => {
    const { chat, historyIpc } = setup();
    await chat.send(TARGET, "Hi", SETTINGS);
    expect(await chat.open("c2"), "the streaming answer would vanish").toBe(false);
    expect(historyIpc.openConversation, "nothing was asked").not.toHaveBeenCalled();
  });

  it("takes the model's title for the conversation on screen and says the list changed", async () => {
    const { chat, emit, changes } = setup();
    await chat.send(TARGET, "How do I pack for Kyoto?", SETTINGS);
    emit({ type: "stored", conversationId: "c-new", userMessageId: "q", answerId: "a" });
    emit({ type: "finished", reason: "stop" });
    emit({ type: "titled", conversationId: "c-new", title: "Packing for Kyoto" });
    expect(chat.title, "the title shown follows the model's").toBe("Packing for Kyoto");
    expect(changes, "the sidebar is told to reload").toEqual(["created", "ended", "titled"]);
  });

  it("keeps a new chat's system prompt for its first message and saves a stored one's", async () => {
    const { chat, requests, historyIpc, emit } = setup();
    expect(await chat.setSystemPrompt("Be brief."), "a new chat needs no saving").toBeNull();
    await chat.send(TARGET, "Hi", SETTINGS);
    expect(requests[0]?.conversation?.systemPrompt, "it goes with the first message").toBe("Be brief.");
    expect(historyIpc.updateConversation).not.toHaveBeenCalled();
    emit({ type: "finished", reason: "stop" });

    await chat.open("c");
    expect(await chat.setSystemPrompt("Answer in French."), "saved").toBeNull();
    expect(historyIpc.updateConversation).toHaveBeenCalledWith("c", { systemPrompt: "Answer in French." });
    expect(chat.systemPrompt).toBe("Answer in French.");
    await chat.setSystemPrompt("   ");
    expect(historyIpc.updateConversation, "blank removes it").toHaveBeenLastCalledWith("c", { systemPrompt: null });
  });

  it("says why a system prompt could not be saved and keeps the old one", async () => {
    const { chat } = setup({
      updateConversation: vi.fn(async () => {
        throw { code: "not_found", message: "The conversation was deleted." };
      }),
    });
    await chat.open("c");
    const failure = await chat.setSystemPrompt("New");
    expect(failure?.message).toBe("The conversation was deleted.");
    expect(chat.systemPrompt, "the stored prompt is unchanged").toBeNull();
  });
});

describe("stored messages as turns", () => {
  it("maps each stored status to what the screen shows", () => {
    expect(assistantStatus("complete"), "the same done as a live answer").toBe("done");
    expect(assistantStatus("interrupted")).toBe("interrupted");
    expect(assistantStatus("stopped")).toBe("stopped");
    expect(assistantStatus("error")).toBe("error");
    expect(assistantStatus("streaming"), "nothing streams here: someone else is writing it").toBe("writing");
  });

  it("keeps html, route, usage and error of an answer", () => {
    const route = { servedBy: { accountId: "a", accountLabel: "A", modelId: "m", api: "chat" as const }, attempts: [] };
    const turn = turnFromStored(
      {
        id: "x",
        parentId: "q",
        role: "assistant",
        content: "text",
        images: [],
        html: "<p>text</p>",
        reasoning: "why",
        reasoningHtml: "<p>why</p>",
        model: "m",
        status: "error",
        route,
        api: "chat",
        usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
        timeToFirstTokenMs: null,
        tokensPerSecond: null,
        finishReason: null,
        error: { code: "network", message: "reset" },
        siblings: ["w", "x"],
        siblingIndex: 1,
        createdAt: 0,
      },
      7,
    ) as AssistantTurn;
    expect(turn, "everything the screen needs").toMatchObject({
      id: 7,
      role: "assistant",
      messageId: "x",
      parentId: "q",
      text: "text",
      answer: { blocks: ["<p>text</p>"], tail: "" },
      reasoning: "why",
      reasoningRendered: { blocks: ["<p>why</p>"], tail: "" },
      status: "error",
      route,
      usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
      error: { code: "network", message: "reset" },
      siblings: ["w", "x"],
      siblingIndex: 1,
    });
  });
});
