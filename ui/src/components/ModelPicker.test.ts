import { clearMocks } from "@tauri-apps/api/mocks";
import { flushSync } from "svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SendRequest } from "../ipc/types";
import { FakeBackend } from "../test-support/backend";
import { $, $$, choose, click, key, must, settle, startApp, stopApp, type } from "../test-support/dom";
import { accountView, group, route } from "../test-support/fixtures";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
  backend.install();
  backend.accounts = [
    accountView({ id: "star", label: "Starrise", preset: "starrise" }),
    accountView({ id: "aiml", label: "AI/ML", preset: "aimlapi", api: "responses", serverState: true }),
  ];
  backend.groups = [
    group(
      "gpt-5.1-codex-mini",
      [
        route({ accountId: "star", accountLabel: "Starrise", modelId: "gpt-5.1-codex-mini" }),
        route({
          accountId: "aiml",
          accountLabel: "AI/ML",
          modelId: "openai/gpt-5-1-codex-mini",
          api: "responses",
          health: { state: "cooling", detail: "rate-limited", retryInSecs: 30 },
        }),
      ],
      {
        name: "GPT-5.1 Codex mini",
        capabilities: { reasoning: true, vision: null, tools: true, jsonMode: false },
      },
    ),
    group("gpt-5.2", [route({ accountId: "aiml", accountLabel: "AI/ML", modelId: "openai/gpt-5-2", api: "responses" })], {
      name: "GPT-5.2",
    }),
  ];
});

afterEach(() => {
  stopApp();
  clearMocks();
});

function trigger(): HTMLElement {
  return must("#model-picker");
}

function options(): HTMLElement[] {
  return $$("#model-picker-list [role='option']");
}

function activeOption(): HTMLElement | null {
  const id = trigger().getAttribute("aria-activedescendant");
  return id ? document.getElementById(id) : null;
}

async function sendText(text: string): Promise<SendRequest> {
  type("#composer", text);
  await click("#send");
  const request = backend.called("send_message").at(-1)?.args.request as SendRequest | undefined;
  if (!request) throw new Error("send_message was not called");
  return request;
}

function finishAnswer(index: number, extra: Parameters<FakeBackend["feeds"][number]["send"]> = []): void {
  backend.feeds[index]!.send(...extra, { type: "textDelta", text: "ok" }, { type: "finished", reason: "stop" });
  flushSync();
}

describe("model picker", () => {
  it("lists each model group with its capabilities and routes", async () => {
    await startApp();
    expect(trigger().getAttribute("role"), "a combobox").toBe("combobox");
    expect(trigger().getAttribute("aria-expanded"), "closed at first").toBe("false");
    expect(trigger().textContent, "the first group is chosen by default, routed").toMatch(
      /GPT-5\.1 Codex mini\s*routed · 2 routes/,
    );
    await click(trigger());
    expect(trigger().getAttribute("aria-expanded")).toBe("true");
    expect(must("#model-picker-list").getAttribute("role"), "the popup is a listbox").toBe("listbox");

    const rows = options().map((o) =>
      o.dataset.modelKey !== undefined
        ? `group ${o.dataset.modelKey}`
        : `route ${o.dataset.accountId} ${o.dataset.modelId}`,
    );
    expect(rows, "each group followed by its routes").toEqual([
      "group gpt-5.1-codex-mini",
      "route star gpt-5.1-codex-mini",
      "route aiml openai/gpt-5-1-codex-mini",
      "group gpt-5.2",
      "route aiml openai/gpt-5-2",
    ]);
    const codex = must("[data-model-key='gpt-5.1-codex-mini']");
    expect(codex.querySelector(".group-name")?.textContent, "the group's name").toBe("GPT-5.1 Codex mini");
    expect(
      [...codex.querySelectorAll<HTMLElement>(".chip")].map((c) => c.textContent),
      "only capabilities documented as true",
    ).toEqual(["reasoning", "tools"]);
    const cooling = must("[data-account-id='aiml'][data-model-id='openai/gpt-5-1-codex-mini']");
    expect(cooling.querySelector(".route-account")?.textContent, "the account's label").toBe("AI/ML");
    expect(cooling.querySelector(".route-api")?.textContent, "the protocol").toBe("Responses");
    expect(cooling.querySelector(".health-badge")?.textContent?.trim(), "the route's health").toBe(
      "cooling down 30 s",
    );
    expect(codex.getAttribute("aria-selected"), "the chosen option is marked").toBe("true");
  });

  it("sends a routed target for a group and a pinned one for a route", async () => {
    await startApp();
    expect((await sendText("one")).target, "the group: any account that serves it").toEqual({
      type: "logical",
      model: "gpt-5.1-codex-mini",
      strategy: "priority",
    });
    finishAnswer(0);

    choose("#route-strategy", "round_robin");
    expect((await sendText("two")).target, "the strategy applies to the group").toEqual({
      type: "logical",
      model: "gpt-5.1-codex-mini",
      strategy: "round_robin",
    });
    finishAnswer(1);

    await click(trigger());
    await click(must("[data-account-id='aiml'][data-model-id='openai/gpt-5-1-codex-mini']"));
    expect(trigger().getAttribute("aria-expanded"), "choosing closes the list").toBe("false");
    expect(trigger().textContent, "the pinned route is shown").toMatch(/openai\/gpt-5-1-codex-mini\s*pinned · via AI\/ML/);
    expect(must<HTMLSelectElement>("#route-strategy").disabled, "a pinned route is not routed").toBe(true);
    expect((await sendText("three")).target, "one account, its model ID and protocol").toEqual({
      type: "account",
      accountId: "aiml",
      model: "openai/gpt-5-1-codex-mini",
      api: "responses",
    });
  });

  it("works with the keyboard: arrows, Enter and Escape", async () => {
    await startApp();
    trigger().focus();
    key(trigger(), "ArrowDown");
    expect(trigger().getAttribute("aria-expanded"), "ArrowDown opens the list").toBe("true");
    expect(activeOption()?.dataset.modelKey, "starting at the current choice").toBe("gpt-5.1-codex-mini");

    key(trigger(), "ArrowDown");
    key(trigger(), "ArrowDown");
    expect(activeOption()?.dataset.modelId, "two down: the second route").toBe("openai/gpt-5-1-codex-mini");
    expect(activeOption()?.classList.contains("active"), "the active option is highlighted").toBe(true);
    key(trigger(), "End");
    expect(activeOption()?.dataset.modelId, "End: the last option").toBe("openai/gpt-5-2");
    key(trigger(), "ArrowDown");
    expect(activeOption()?.dataset.modelId, "stays on the last option").toBe("openai/gpt-5-2");
    key(trigger(), "ArrowUp");
    expect(activeOption()?.dataset.modelKey, "up to the GPT-5.2 group").toBe("gpt-5.2");

    key(trigger(), "Escape");
    expect(trigger().getAttribute("aria-expanded"), "Escape closes").toBe("false");
    expect(trigger().getAttribute("aria-activedescendant"), "nothing is active while closed").toBeNull();
    expect(trigger().textContent, "Escape changes nothing").toContain("GPT-5.1 Codex mini");

    key(trigger(), "Enter");
    expect(trigger().getAttribute("aria-expanded"), "Enter opens too").toBe("true");
    key(trigger(), "Home");
    key(trigger(), "ArrowDown");
    key(trigger(), "Enter");
    await settle();
    expect(trigger().getAttribute("aria-expanded"), "Enter chooses and closes").toBe("false");
    expect(document.activeElement, "focus stays on the picker").toBe(trigger());
    expect((await sendText("hi")).target, "the route chosen with the keyboard").toEqual({
      type: "account",
      accountId: "star",
      model: "gpt-5.1-codex-mini",
      api: "chat",
    });
  });

  it("keeps the choice for the session and refreshes the models after each answer", async () => {
    await startApp();
    await click(trigger());
    await click(must("[data-model-key='gpt-5.2']"));
    await click("#open-settings");
    await click("#new-chat");
    expect(trigger().textContent, "still GPT-5.2 after settings and a new chat").toContain("GPT-5.2");

    const before = backend.called("list_models").length;
    await sendText("hi");
    expect(backend.called("list_models").length, "not while the answer streams").toBe(before);
    finishAnswer(0);
    await settle();
    expect(backend.called("list_models").length, "health may have changed: ask again").toBe(before + 1);
  });

  it("continues on the provider's stored conversation only for a pinned server-state route", async () => {
    await startApp();
    await click(trigger());
    await click(must("[data-account-id='aiml'][data-model-id='openai/gpt-5-2']"));
    await sendText("first");
    finishAnswer(0, [{ type: "responseId", id: "resp_1" }]);
    const pinned = await sendText("second");
    expect(pinned.previousResponseId, "AI/ML keeps the conversation (server state)").toBe("resp_1");
    expect(pinned.messages, "only the new message travels").toEqual([{ role: "user", content: "second" }]);
    finishAnswer(1, [{ type: "responseId", id: "resp_2" }]);

    await click(trigger());
    await click(must("[data-model-key='gpt-5.2']"));
    const routed = await sendText("third");
    expect(routed.previousResponseId, "a routed answer may come from any account").toBeUndefined();
    expect(routed.messages, "Rust sends the stored branch; only the question travels").toEqual([
      { role: "user", content: "third" },
    ]);
    expect(routed.conversation?.parentId, "after the last answer").toBe(
      backend.messages.filter((m) => m.role === "assistant").at(-2)?.id,
    );
  });

  it("says when there is no model and links to settings", async () => {
    backend.groups = [];
    await startApp();
    expect($("#model-picker"), "no picker without models").toBeNull();
    expect(must("#no-models").textContent, "says so").toContain("No models to chat with yet.");
    type("#composer", "hello");
    expect(must<HTMLButtonElement>("#send").disabled, "nothing to send to").toBe(true);
    await click("#no-models-settings");
    expect($("#settings-title"), "the link opens settings").not.toBeNull();
  });

  it("falls back to the group when a pinned route disappears", async () => {
    await startApp();
    await click(trigger());
    await click(must("[data-account-id='star'][data-model-id='gpt-5.1-codex-mini']"));
    backend.groups[0]!.routes.shift();
    await sendText("hi");
    finishAnswer(0);
    await settle();
    expect(trigger().textContent, "the same model, routed").toMatch(/GPT-5\.1 Codex mini\s*routed · 1 route/);
  });
});
