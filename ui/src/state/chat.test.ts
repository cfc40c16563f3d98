import { describe, expect, it, vi } from "vitest";
import type { SendRequest, StreamEvent, Target } from "../ipc/types";
import {
  type AssistantTurn,
  type ChatIpc,
  Conversation,
  type Turn,
  applyStreamEvent,
  buildHistory,
  lastResponseId,
  newAssistantTurn,
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
      { type: "rendered", html: "<p>Hel</p>" },
      { type: "textDelta", text: "lo" },
      { type: "rendered", html: "<p>Hello</p>" },
      { type: "usage", promptTokens: 3, completionTokens: 2, totalTokens: 5 },
      { type: "finished", reason: "stop" },
    ]);
    expect(turn.requestId, "started carries the id Stop needs").toBe("r1");
    expect(turn.text, "textDelta appends to the raw text").toBe("Hello");
    expect(turn.html, "rendered replaces the HTML with the latest whole render").toBe("<p>Hello</p>");
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

  it("keeps html null until the first rendered event so plain text shows meanwhile", () => {
    const turn = run([{ type: "textDelta", text: "# Title" }]);
    expect(turn.html, "no rendered event yet means no HTML to inject").toBeNull();
    expect(turn.text, "the plain text is what the UI shows until then").toBe("# Title");
    expect(turn.status, "still streaming without a terminal event").toBe("streaming");
  });

  it("keeps partial text and html when the stream errors", () => {
    const turn = run([
      { type: "textDelta", text: "Partial" },
      { type: "rendered", html: "<p>Partial</p>" },
      { type: "error", code: "network", message: "connection reset" },
    ]);
    expect(turn.status, "error is terminal").toBe("error");
    expect(turn.error, "the classified error is stored for the error card").toEqual({
      code: "network",
      message: "connection reset",
    });
    expect(turn.text, "text received before the error stays visible").toBe("Partial");
    expect(turn.html, "rendered HTML received before the error stays visible").toBe("<p>Partial</p>");
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
    const user = { role: "user" as const, id: 9, text: "q" };
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
      { role: "user", id: 1, text: "Q1" },
      assistant(2, "A1", "done"),
      { role: "user", id: 3, text: "Q2" },
      assistant(4, "partial A2", "error"),
      { role: "user", id: 5, text: "Q3" },
      assistant(6, "", "done"),
      { role: "user", id: 7, text: "Q4" },
      assistant(8, "stopped A4", "stopped"),
      { role: "user", id: 9, text: "Q5" },
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
    const history = buildHistory([{ role: "user", id: 1, text: "hi" }]);
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
    const chat = new Conversation(ipc);

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
    const chat = new Conversation(ipc);
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
    const chat = new Conversation(ipc);
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
    const chat = new Conversation(ipc);
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
    const chat = new Conversation(ipc);
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
    const chat = new Conversation(ipc);
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
    const chat = new Conversation(ipc);
    await chat.send(pin("m"), "hi", CHAT);
    const last = chat.turns.at(-1) as AssistantTurn;
    expect(last.status, "a rejected command fails the turn").toBe("error");
    expect(last.error, "the command error is shown as-is").toEqual({ code: "auth", message: "bad key" });
    expect(chat.inFlight, "nothing is in flight after the rejection").toBe(false);
  });
});
