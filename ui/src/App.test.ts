import { clearMocks } from "@tauri-apps/api/mocks";
import { flushSync } from "svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NewAccount, SendRequest } from "./ipc/types";
import { FakeBackend } from "./test-support/backend";
import { $, $$, choose, click, frame, must, settle, startApp, stopApp, type } from "./test-support/dom";
import { accountView, group, route } from "./test-support/fixtures";

let backend: FakeBackend;

const start = startApp;

beforeEach(() => {
  backend = new FakeBackend();
  backend.install();
});

afterEach(() => {
  stopApp();
  clearMocks();
});

async function sendText(text: string): Promise<void> {
  type("#composer", text);
  must("#composer").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
  await settle();
}

function lastRequest(): SendRequest {
  const request = backend.called("send_message").at(-1)?.args.request as SendRequest | undefined;
  if (!request) throw new Error("send_message was not called");
  return request;
}

/** Opens the model picker and clicks the option matching `selector`. */
async function pick(selector: string): Promise<void> {
  if (must("#model-picker").getAttribute("aria-expanded") !== "true") await click("#model-picker");
  await click(must(`#model-picker-list ${selector}`));
}

function chatAccounts(): void {
  backend.accounts = [
    accountView({ id: "a1", label: "Work", baseUrl: "https://api.openai.com/v1", preset: "openai" }),
    accountView({ id: "a2", label: "Local", baseUrl: "http://127.0.0.1:11434/v1", model: "llama", hasKey: false, keyHint: null }),
    accountView({
      id: "a3",
      label: "AIML",
      baseUrl: "https://api.aimlapi.com/v1",
      model: "openai/gpt-5-1",
      api: "responses",
      preset: "aimlapi",
    }),
  ];
  backend.groups = [
    group("gpt-5.1", [
      route({ accountId: "a1", accountLabel: "Work", modelId: "gpt-5.1" }),
      route({ accountId: "a3", accountLabel: "AIML", modelId: "openai/gpt-5-1", api: "responses" }),
    ], { name: "GPT-5.1" }),
    group("llama", [route({ accountId: "a2", accountLabel: "Local", modelId: "llama" })]),
  ];
}

describe("layout", () => {
  beforeEach(chatAccounts);

  it("has New chat and Settings in the sidebar, and no account list there", async () => {
    await start();
    expect(must("aside #new-chat").textContent, "New chat is in the sidebar").toContain("New chat");
    expect(must("aside #open-settings").textContent, "Settings is in the sidebar").toContain("Settings");
    expect($("aside [data-account-id]"), "accounts are no longer chosen in the sidebar").toBeNull();
    expect($("#composer"), "with accounts the app opens on the chat").not.toBeNull();
    expect($("#settings-title"), "settings are not shown at start").toBeNull();
  });

  it("switches between the chat and the settings page", async () => {
    await start();
    await click("#open-settings");
    expect(must("#open-settings").getAttribute("aria-current"), "the sidebar marks where the user is").toBe("page");
    expect($("#composer"), "the settings page replaces the chat").toBeNull();
    expect($$(".account-row").map((r) => r.dataset.accountId), "settings list the accounts").toEqual([
      "a1",
      "a2",
      "a3",
    ]);
    await click("#close-settings");
    expect($("#composer"), "Back to chat shows the chat again").not.toBeNull();
    expect(must("#open-settings").getAttribute("aria-current"), "no longer marked").toBeNull();
  });

  it("New chat clears the conversation and returns to the chat", async () => {
    await start();
    await sendText("Hi");
    backend.feeds[0]!.send({ type: "textDelta", text: "Hello" }, { type: "finished", reason: "stop" });
    flushSync();
    expect($$("#messages .message"), "one exchange on screen").toHaveLength(2);
    await click("#open-settings");
    await click("#new-chat");
    expect($("#composer"), "New chat goes back to the chat").not.toBeNull();
    expect($$("#messages .message"), "and starts empty").toHaveLength(0);
    await sendText("Fresh");
    expect(lastRequest().messages, "the old exchange is not sent again").toEqual([{ role: "user", content: "Fresh" }]);
  });

  it("marks start-up over once the conversation list is painted, and only then", async () => {
    let listed: () => void = () => undefined;
    backend.gates.list_conversations = new Promise<void>((resolve) => (listed = resolve));
    await start();
    await frame();
    await frame();
    expect(backend.called("app_ready"), "the list is not there yet, so start-up is not over").toHaveLength(0);
    listed();
    await settle();
    await frame();
    await frame();
    expect(backend.called("app_ready"), "one mark after the list's first paint").toHaveLength(1);
  });

  it("keeps New chat off while an answer streams", async () => {
    await start();
    await sendText("Hi");
    expect(must<HTMLButtonElement>("#new-chat").disabled, "a streaming answer would be lost").toBe(true);
    backend.feeds[0]!.send({ type: "finished", reason: "stop" });
    flushSync();
    expect(must<HTMLButtonElement>("#new-chat").disabled, "available again once it ends").toBe(false);
  });
});

describe("first run", () => {
  beforeEach(() => {
    backend.reports["acc-1"] = { verdict: "ok", message: "Connected; 1 model listed.", models: [] };
  });

  it("opens the welcome on the provider choice when there is no account", async () => {
    await start();
    expect(backend.called("list_accounts"), "accounts are loaded on start").toHaveLength(1);
    expect(must("#welcome-title").textContent).toBe("Welcome to Switchboard");
    expect(must("#welcome [aria-current='step']").textContent?.trim(), "step 1 of 3").toBe("Provider");
    expect(must("#preset-title").textContent, "first-run wording").toBe("Add your first account");
    expect(
      $$("[data-preset-id]").map((b) => b.dataset.presetId),
      "every preset from list_presets is offered",
    ).toEqual(["starrise", "ollama", "custom"]);
    expect($("#composer"), "no chat without an account").toBeNull();
  });

  it("can be left for later, into the chat that says how to add an account", async () => {
    await start();
    await click("#welcome-skip");
    expect($("#welcome"), "the welcome is gone").toBeNull();
    expect(document.activeElement?.id, "the composer is ready").toBe("composer");
    expect(must("#messages").textContent).toContain("There is no model to talk to yet");
  });


  it("validates before calling the backend", async () => {
    await start();
    await click("[data-preset-id='custom']");
    type("#account-label", "Work");
    type("#account-base-url", "not-a-url");
    type("#account-model", "gpt-5.1");
    await click("#account-save");
    expect(must("#account-error").textContent, "a bad URL is explained inline").toMatch(/not a valid URL/);
    expect(backend.called("add_account"), "nothing is sent while the form is invalid").toHaveLength(0);
  });

  it("saves the account, clears the key, tests it and goes into the first chat with its model", async () => {
    backend.groups = [group("gpt-5.1", [route({ accountId: "acc-1", accountLabel: "Work", modelId: "gpt-5.1" })])];
    await start();
    await click("[data-preset-id='custom']");
    type("#account-label", "  Work  ");
    type("#account-base-url", "https://api.openai.com/v1");
    type("#account-api-key", "sk-secret-1234");
    type("#account-model", "gpt-5.1");
    const keyField = must<HTMLInputElement>("#account-api-key");
    await click("#account-save");

    expect(backend.called("add_account").map((c) => c.args), "the typed values are sent").toEqual([
      {
        account: {
          label: "Work",
          baseUrl: "https://api.openai.com/v1",
          apiKey: "sk-secret-1234",
          model: "gpt-5.1",
          api: "chat",
          serverState: false,
          preset: "custom",
          allowHttp: false,
          headers: [],
          proxy: null,
          maxConcurrent: null,
          customModels: [],
        },
      },
    ]);
    expect(keyField.value, "the key is write-only: the field is cleared after saving").toBe("");
    expect(document.body.innerHTML.includes("sk-secret"), "the key must not appear anywhere on the page").toBe(
      false,
    );
    expect(backend.called("test_account").map((c) => c.args.id), "the connection is tested at once").toEqual(["acc-1"]);
    expect(must("#welcome [aria-current='step']").textContent?.trim(), "step 3 of 3").toBe("Connection test");
    expect(must("#welcome").textContent, "the verdict in plain words").toContain("Connected");
    expect(backend.called("list_models").length, "the picker's models are fetched again").toBeGreaterThan(1);

    await click("#welcome-start");
    expect($("#welcome"), "into the first chat").toBeNull();
    expect(document.activeElement?.id, "ready to type").toBe("composer");
    expect(must("#model-picker").textContent, "the new account's model is chosen").toContain("gpt-5.1");
    await click("#open-settings");
    const row = must(".account-row[data-account-id='acc-1']");
    expect(row.querySelector(".account-label")?.textContent, "the new account is listed").toBe("Work");
    expect(row.querySelector(".key-state")?.textContent, "only the key's last four characters").toBe("••••1234");
  });

  it("offers to fix the account when the test fails, and tests it again", async () => {
    backend.reports["acc-1"] = { verdict: "key_rejected", message: "api.openai.com rejected the key (401).", models: [] };
    await start();
    await click("[data-preset-id='custom']");
    type("#account-label", "Work");
    type("#account-base-url", "https://api.openai.com/v1");
    type("#account-api-key", "sk-wrong");
    type("#account-model", "gpt-5.1");
    await click("#account-save");
    expect(must("#welcome").textContent, "why it failed").toContain("rejected the key (401)");
    expect(must("#welcome-start").textContent?.trim(), "the chat is still reachable").toBe("Start chatting anyway");
    await click("#welcome-edit");
    expect(must<HTMLInputElement>("#account-label").value, "the saved account is edited, not a new one").toBe("Work");
    type("#account-api-key", "sk-right");
    backend.reports["acc-1"] = { verdict: "ok", message: "Connected.", models: [] };
    await click("#account-save");
    expect(backend.called("add_account"), "one account").toHaveLength(1);
    expect(backend.called("update_account"), "the key was changed on it").toHaveLength(1);
    expect(backend.called("test_account"), "and tested again").toHaveLength(2);
    expect(must("#welcome-start").textContent?.trim()).toBe("Start chatting");
  });

  it("sends Responses with server state when chosen", async () => {
    await start();
    await click("[data-preset-id='custom']");
    type("#account-label", "AIML");
    type("#account-base-url", "https://api.aimlapi.com/v1");
    type("#account-api-key", "sk-secret");
    type("#account-model", "openai/gpt-5.1-codex");
    expect($("#account-server-state"), "server state is a Responses feature").toBeNull();
    choose("#account-api", "responses");
    must("#account-server-state").click();
    flushSync();
    await click("#account-save");
    const sent = backend.called("add_account")[0]?.args.account as NewAccount;
    expect([sent?.api, sent?.serverState], "protocol and server state are stored").toEqual(["responses", true]);
    await click("#welcome-start");
    await click("#open-settings");
    expect(
      must(".account-row[data-account-id='acc-1'] .api-tag").textContent,
      "the list marks a Responses account",
    ).toBe("Responses");
  });

  it("offers both protocols, Chat Completions first", async () => {
    await start();
    await click("[data-preset-id='custom']");
    const protocol = must<HTMLSelectElement>("#account-api");
    expect(protocol.value, "Custom accounts default to Chat Completions").toBe("chat");
    expect(
      [...protocol.options].map((o) => [o.value, o.textContent?.trim()]),
      "both protocols are offered with their endpoints",
    ).toEqual([
      ["chat", "Chat Completions (/chat/completions)"],
      ["responses", "Responses (/responses)"],
    ]);
    expect(must("label[for='account-api']").textContent, "the control is labelled").toBe("Protocol");
  });

  it("shows the backend's message when saving fails and keeps what was typed", async () => {
    backend.failures.add_account = { code: "invalid_input", message: "Headers: X-Bad is not allowed." };
    await start();
    await click("[data-preset-id='custom']");
    type("#account-label", "Work");
    type("#account-base-url", "https://api.openai.com/v1");
    type("#account-api-key", "sk-secret");
    type("#account-model", "gpt-5.1");
    await click("#account-save");
    const error = must("#account-error");
    expect(error.getAttribute("role"), "errors are announced").toBe("alert");
    expect(error.textContent, "the backend's message is shown").toContain("Headers: X-Bad is not allowed.");
    expect(must<HTMLInputElement>("#account-label").value, "the label stays").toBe("Work");
    expect(must<HTMLInputElement>("#account-base-url").value, "the URL stays").toBe("https://api.openai.com/v1");
    expect(document.body.innerHTML.includes("sk-secret"), "the key is not echoed").toBe(false);
  });
});

describe("chat", () => {
  beforeEach(chatAccounts);

  function messages(): HTMLElement[] {
    return $$("#messages .message");
  }

  it("sends on Enter and renders streamed events", async () => {
    await start();
    await sendText("Hello\nthere");

    const sends = backend.called("send_message");
    expect(sends, "Enter sends the message").toHaveLength(1);
    expect(sends[0]?.args.request as SendRequest, "the first model group is routed by default").toEqual({
      target: { type: "logical", model: "gpt-5.1", strategy: "priority" },
      conversation: { conversationId: null, parentId: null, systemPrompt: null },
      messages: [{ role: "user", content: "Hello\nthere" }],
      params: {},
      notice: {
        title: "The answer is ready",
        body: "Switchboard finished an answer while you were away.",
      },
    });
    expect(must<HTMLTextAreaElement>("#composer").value, "the composer clears after sending").toBe("");

    const [user, assistant] = messages();
    expect(user?.classList.contains("user"), "the user's turn comes first").toBe(true);
    expect(user?.dataset.status, "user turns are marked sent").toBe("sent");
    expect(user?.textContent, "user text is shown with its newline").toContain("Hello\nthere");
    expect(assistant?.dataset.status, "the answer is streaming").toBe("streaming");
    expect($("#stop"), "Stop is offered while streaming").not.toBeNull();

    const feed = backend.feeds[0]!;
    feed.send({ type: "started", requestId: "req-1" }, { type: "textDelta", text: "**Hi** <b>" });
    flushSync();
    const content = must(".message.assistant .content");
    expect(content.textContent, "before any render the plain text shows").toContain("**Hi** <b>");
    expect(content.querySelector("b"), "plain text is never parsed as HTML").toBeNull();

    feed.send(
      { type: "reasoningDelta", text: "Considering." },
      { type: "rendered", part: "reasoning", committed: [], tail: "<p><em>Considering.</em></p>" },
      { type: "rendered", part: "answer", committed: [], tail: "<p><strong>Hi</strong> &lt;b&gt;</p>" },
    );
    await frame();
    const rendered = must(".message.assistant .content");
    expect(rendered.querySelector("strong")?.textContent, "the backend's HTML is rendered").toBe("Hi");
    expect(rendered.querySelector("b"), "escaped model HTML stays text").toBeNull();
    const reasoning = must<HTMLDetailsElement>(".message.assistant details.reasoning");
    expect(reasoning.open, "reasoning is open while streaming").toBe(true);
    expect(reasoning.querySelector("em")?.textContent, "reasoning is rendered markdown too").toBe("Considering.");

    feed.send(
      { type: "usage", promptTokens: 5, completionTokens: 7, totalTokens: 12 },
      { type: "finished", reason: "stop" },
    );
    flushSync();
    expect(must(".message.assistant").dataset.status, "finished marks the answer done").toBe("done");
    expect($("#stop"), "Stop disappears once the answer is done").toBeNull();
    expect(must(".message.assistant").textContent, "token usage is shown when known").toContain("12 tokens");
  });

  it("Stop calls stop_message with the request id and marks the answer stopped", async () => {
    await start();
    await sendText("Tell me a long story");
    const feed = backend.feeds[0]!;
    feed.send({ type: "started", requestId: "req-1" }, { type: "textDelta", text: "Once upon" });
    flushSync();

    must("#stop").click();
    await settle();
    expect(backend.called("stop_message").map((c) => c.args), "Stop targets this request").toEqual([
      { requestId: "req-1" },
    ]);

    feed.send({ type: "stopped" });
    flushSync();
    const answer = must(".message.assistant");
    expect(answer.dataset.status, "the backend's stopped event ends the answer").toBe("stopped");
    expect(answer.textContent, "partial text stays").toContain("Once upon");
    expect(answer.textContent, "a Stopped tag is shown").toContain("Stopped");
  });

  it("shows an error card below the text received so far", async () => {
    await start();
    await sendText("Hi");
    backend.feeds[0]!.send(
      { type: "textDelta", text: "Partial" },
      { type: "rendered", part: "answer", committed: [], tail: "<p>Partial</p>" },
      { type: "error", code: "network", message: "The connection was reset." },
    );
    await frame();
    const answer = must(".message.assistant");
    expect(answer.dataset.status, "the answer failed").toBe("error");
    const card = must(".message.assistant .error-card");
    expect(card.getAttribute("role"), "the failure is announced").toBe("alert");
    expect(card.querySelector(".error-message")?.textContent, "the readable message is shown").toBe(
      "The connection was reset.",
    );
    expect(must(".message.assistant .content").textContent, "partial text stays visible").toContain(
      "Partial",
    );

    await sendText("Again");
    const again = backend.called("send_message")[1]?.args.request as SendRequest;
    expect(again.messages, "Rust builds the context from the stored branch: only the question goes").toEqual([
      { role: "user", content: "Again" },
    ]);
    expect(again.conversation, "it follows the failed answer in the same conversation").toEqual({
      conversationId: "conv-1",
      parentId: answer.dataset.messageId,
    });
    expect(answer.dataset.messageId, "the failed answer knows its stored id").toBe(
      backend.messages.find((m) => m.role === "assistant")?.id,
    );
  });


  it("keeps Shift+Enter for a new line", async () => {
    await start();
    type("#composer", "line one");
    must("#composer").dispatchEvent(
      new KeyboardEvent("keydown", { key: "Enter", shiftKey: true, bubbles: true }),
    );
    await settle();
    expect(backend.called("send_message"), "Shift+Enter must not send").toHaveLength(0);
  });

});

describe("parameters drawer", () => {
  beforeEach(chatAccounts);

  function openDrawer(): void {
    const toggle = must("#params-toggle");
    if (toggle.getAttribute("aria-expanded") !== "true") toggle.click();
    flushSync();
  }

  it("opens and closes from the header, reporting its state", async () => {
    await start();
    const toggle = must("#params-toggle");
    expect(toggle.getAttribute("aria-expanded"), "closed at first").toBe("false");
    expect(toggle.getAttribute("aria-controls"), "the button names the panel it opens").toBe("params-panel");
    expect(must("#params-panel").hidden, "the panel is hidden while closed").toBe(true);
    toggle.click();
    flushSync();
    expect(toggle.getAttribute("aria-expanded"), "open after a click").toBe("true");
    expect(must("#params-panel").hidden, "the panel shows").toBe(false);
    for (const id of [
      "param-max-tokens",
      "param-temperature",
      "param-top-p",
      "param-frequency-penalty",
      "param-presence-penalty",
      "param-reasoning-effort",
      "param-reasoning-summary",
      "param-verbosity",
      "param-json-mode",
    ]) {
      const control = must<HTMLInputElement | HTMLSelectElement>(`#${id}`);
      expect(control.labels?.[0]?.textContent?.trim(), `#${id} has a visible label`).toBeTruthy();
    }
    toggle.click();
    flushSync();
    expect(toggle.getAttribute("aria-expanded"), "a second click closes it").toBe("false");
  });

  it("sends the pinned route's protocol and only the parameters that are set", async () => {
    await start();
    await pick("[data-account-id='a3'][data-model-id='openai/gpt-5-1']");
    openDrawer();
    type("#param-temperature", "0");
    type("#param-max-tokens", "256");
    choose("#param-reasoning-effort", "high");
    choose("#param-reasoning-summary", "concise");
    must("#param-json-mode").click();
    flushSync();
    expect(must("#params-toggle .badge").textContent, "the badge counts the set parameters").toBe("5");

    await sendText("Write a function");
    const request = lastRequest();
    expect(request.target, "a pinned Responses route is sent as such").toEqual({
      type: "account",
      accountId: "a3",
      model: "openai/gpt-5-1",
      api: "responses",
    });
    expect(request.params, "only set fields, typed; temperature 0 is a real value").toEqual({
      temperature: 0,
      maxTokens: 256,
      reasoningEffort: "high",
      reasoningSummary: "concise",
      jsonMode: true,
    });
  });

  it("follows the protocol of the target: the pinned route's, or a routed model's first route", async () => {
    await start();
    openDrawer();
    const summary = () => must<HTMLSelectElement>("#param-reasoning-summary");
    expect(summary().disabled, "GPT-5.1's first route (Work) speaks Chat Completions").toBe(true);
    expect(summary().title, "the title says why").toMatch(/Responses API/);

    await pick("[data-account-id='a3'][data-model-id='openai/gpt-5-1']");
    expect(summary().disabled, "pinned to AIML, a Responses route").toBe(false);
    choose("#param-reasoning-summary", "auto");
    expect(must("#params-toggle .badge").textContent, "the summary counts for Responses").toBe("1");

    await pick("[data-model-key='gpt-5.1']");
    expect(summary().disabled, "routed again: the first route is Chat Completions").toBe(true);
    expect($("#params-toggle .badge"), "a parameter that won't be sent is not counted").toBeNull();
    await sendText("Hi");
    expect(lastRequest().params, "/chat/completions gets no reasoning summary").toEqual({});
  });

  it("blocks Send while a value is out of range and says why", async () => {
    await start();
    openDrawer();
    type("#param-temperature", "2.5");
    const field = must<HTMLInputElement>("#param-temperature");
    expect(field.getAttribute("aria-invalid"), "the field is marked invalid").toBe("true");
    const message = must(`#${field.getAttribute("aria-describedby")}`);
    expect(message.textContent, "the inline message names the parameter and its range").toBe(
      "Temperature must be between 0 and 2",
    );

    type("#composer", "Hello");
    expect(must<HTMLButtonElement>("#send").disabled, "Send is off while a parameter is invalid").toBe(true);
    expect(must("#composer-blocked").textContent, "the composer says why it won't send").toContain(
      "Temperature must be between 0 and 2",
    );
    must("#composer").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await settle();
    expect(backend.called("send_message"), "Enter doesn't send either").toHaveLength(0);

    type("#param-temperature", "2");
    expect(field.getAttribute("aria-invalid"), "the upper boundary is valid").toBeNull();
    expect($("#composer-blocked"), "the explanation goes away").toBeNull();
    expect(must<HTMLButtonElement>("#send").disabled, "Send is back").toBe(false);
    await click("#send");
    expect(lastRequest().params, "the fixed value is sent").toEqual({ temperature: 2 });
  });

  it("offers to show the parameters when the drawer is closed and a value is off", async () => {
    await start();
    openDrawer();
    type("#param-max-tokens", "1.5");
    must("#params-toggle").click();
    flushSync();
    const show = [...must("#composer-blocked").querySelectorAll("button")].find(
      (b) => b.textContent === "Show parameters",
    );
    expect(show, "the user can get to the bad value from the composer").toBeTruthy();
    show!.click();
    flushSync();
    expect(must("#params-toggle").getAttribute("aria-expanded"), "the drawer opens").toBe("true");
    expect(must("#param-max-tokens-error").textContent, "max tokens must be whole").toBe(
      "Max tokens must be a whole number of at least 1",
    );
  });

  it("Reset clears every field, the badge and any error", async () => {
    await start();
    openDrawer();
    type("#param-top-p", "0.9");
    type("#param-presence-penalty", "-3");
    type("#param-frequency-penalty", "1");
    choose("#param-verbosity", "low");
    must("#param-json-mode").click();
    flushSync();

    must("#params-reset").click();
    flushSync();
    for (const id of ["#param-top-p", "#param-presence-penalty", "#param-frequency-penalty", "#param-max-tokens"]) {
      expect(must<HTMLInputElement>(id).value, `${id} is empty again`).toBe("");
    }
    expect(must<HTMLSelectElement>("#param-verbosity").value, "selects go back to default").toBe("");
    expect(must<HTMLInputElement>("#param-json-mode").checked, "JSON mode is off").toBe(false);
    expect($("[aria-invalid='true']"), "no field is left invalid").toBeNull();
    expect($("#params-toggle .badge"), "the badge disappears with nothing set").toBeNull();

    await sendText("Hi");
    expect(lastRequest().params, "nothing is sent after a reset").toEqual({});
  });

  it("keeps the parameters for the session, across the settings page and model changes", async () => {
    await start();
    openDrawer();
    type("#param-temperature", "0.3");
    await click("#open-settings");
    expect($("#params-panel"), "the chat (and drawer) gives way to settings").toBeNull();
    await click("#close-settings");
    await pick("[data-model-key='llama']");
    expect(must<HTMLInputElement>("#param-temperature").value, "the value is still there").toBe("0.3");
    await sendText("Hi");
    expect(lastRequest().params, "and it is still sent").toEqual({ temperature: 0.3 });
  });
});

describe("outside Tauri", () => {
  it("shows a readable error and still offers to add an account by hand", async () => {
    clearMocks();
    await start();
    expect(must("[role='alert']").textContent, "the user learns why nothing loads").toMatch(
      /backend is not reachable/,
    );
    expect($("#welcome"), "accounts may exist: no first-run welcome on a failed load").toBeNull();
    await click("#open-settings");
    await click("#add-account");
    await click("[data-preset-id='custom']");
    expect($("#account-label"), "the form is still reachable").not.toBeNull();
  });
});

describe("error cards", () => {
  beforeEach(chatAccounts);

  it("offers another route when a provider failed, and opens the model picker for it", async () => {
    await start();
    await sendText("hello");
    backend.feeds.at(-1)!.send({ type: "error", code: "rate_limit", message: "The provider is rate-limiting this account (HTTP 429)." });
    await settle();
    const card = must(".error-card");
    expect(card.textContent, "the next step is offered").toContain("Try another route");
    await click(must(".choose-route-from-error", card));
    expect(must("#model-picker").getAttribute("aria-expanded"), "the picker is open").toBe("true");
    expect(document.activeElement?.id, "with the focus in it").toBe("model-picker");
  });

  it("does not offer another route for a question the provider cannot answer anywhere", async () => {
    await start();
    await sendText("hello");
    backend.feeds.at(-1)!.send({ type: "error", code: "content_filter", message: "Blocked by the provider's filter." });
    await settle();
    expect($(".choose-route-from-error")).toBeNull();
  });
});
