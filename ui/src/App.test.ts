import type { Channel } from "@tauri-apps/api/core";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, tick, unmount } from "svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import type { AccountView, NewAccount, SendRequest, StreamEvent } from "./ipc/types";
import { ChannelFeed } from "./test-support/tauri";

type Call = { cmd: string; args: Record<string, unknown> };

/** A fake backend: answers commands from memory and exposes each stream's channel. */
class FakeBackend {
  accounts: AccountView[] = [];
  calls: Call[] = [];
  feeds: ChannelFeed<StreamEvent>[] = [];
  addError: unknown = null;

  install(): void {
    mockIPC((cmd, raw) => {
      const args = (raw ?? {}) as Record<string, unknown>;
      this.calls.push({ cmd, args });
      switch (cmd) {
        case "list_accounts":
          return structuredClone(this.accounts);
        case "add_account": {
          if (this.addError) throw this.addError;
          const input = args.account as NewAccount;
          const view: AccountView = {
            id: `acc-${this.accounts.length + 1}`,
            label: input.label,
            baseUrl: input.baseUrl,
            model: input.model,
            api: input.api,
            serverState: false, preset: "custom", allowHttp: false, headers: [], enabled: true, hasKey: true, keyHint: null,
          };
          this.accounts.push(view);
          return view;
        }
        case "send_message": {
          const feed = new ChannelFeed(args.onEvent as Channel<StreamEvent>);
          this.feeds.push(feed);
          return `req-${this.feeds.length}`;
        }
        case "stop_message":
          return null;
        default:
          throw { code: "internal", message: `unknown command ${cmd}` };
      }
    });
  }

  called(cmd: string): Call[] {
    return this.calls.filter((c) => c.cmd === cmd);
  }
}

let backend: FakeBackend;
let app: ReturnType<typeof mount> | null = null;

/** Lets pending IPC promises settle and Svelte re-render. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
    await tick();
  }
  flushSync();
}

function $(selector: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(selector);
}

function must<T extends HTMLElement = HTMLElement>(selector: string): T {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`expected ${selector} to be on screen:\n${document.body.innerHTML}`);
  return el;
}

function type(selector: string, value: string): void {
  const el = must<HTMLInputElement | HTMLTextAreaElement>(selector);
  el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

function choose(selector: string, value: string): void {
  const el = must<HTMLSelectElement>(selector);
  el.value = value;
  el.dispatchEvent(new Event("change", { bubbles: true }));
  flushSync();
}

async function start(): Promise<void> {
  app = mount(App, { target: document.body });
  await settle();
}

beforeEach(() => {
  backend = new FakeBackend();
  backend.install();
});

afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = "";
  clearMocks();
});

describe("first run", () => {
  it("shows the add-account form when there is no account", async () => {
    await start();
    expect(backend.called("list_accounts"), "accounts are loaded on start").toHaveLength(1);
    expect($("#account-label"), "the welcome form is shown straight away").not.toBeNull();
    expect(document.body.textContent, "first-run wording").toContain("Add your first account");
    expect(must<HTMLInputElement>("#account-api-key").type, "the key is masked").toBe("password");
    expect($("#composer"), "no chat without an account").toBeNull();
  });

  it("validates before calling the backend", async () => {
    await start();
    type("#account-label", "Work");
    type("#account-base-url", "not-a-url");
    type("#account-api-key", "sk-secret");
    type("#account-model", "gpt-5.1");
    must("#account-save").click();
    await settle();
    expect(must("#account-error").textContent, "a bad URL is explained inline").toMatch(/valid URL/);
    expect(backend.called("add_account"), "nothing is sent while the form is invalid").toHaveLength(0);
  });

  it("saves the account, clears the key and selects the new account", async () => {
    await start();
    type("#account-label", "  Work  ");
    type("#account-base-url", "https://api.openai.com/v1");
    type("#account-api-key", "sk-secret");
    type("#account-model", "gpt-5.1");
    const keyField = must<HTMLInputElement>("#account-api-key");
    must("#account-save").click();
    await settle();

    expect(backend.called("add_account").map((c) => c.args), "the typed values are sent").toEqual([
      {
        account: {
          label: "Work",
          baseUrl: "https://api.openai.com/v1",
          apiKey: "sk-secret",
          model: "gpt-5.1",
          api: "chat",
          serverState: false,
        },
      },
    ]);
    expect(keyField.value, "the key is write-only: the field is cleared after saving").toBe("");
    expect(
      document.body.innerHTML.includes("sk-secret"),
      "the key must not appear anywhere on the page",
    ).toBe(false);

    const entry = must(".account[data-account-id='acc-1']");
    expect(entry.querySelector(".account-label")?.textContent, "sidebar lists the new account").toBe("Work");
    expect(entry.querySelector(".has-key"), "the stored-key indicator is shown").not.toBeNull();
    expect(entry.getAttribute("aria-current"), "the new account is selected").toBe("true");
    expect(must<HTMLInputElement>("#model").value, "the model input starts at the account's model").toBe(
      "gpt-5.1",
    );
    expect($("#composer"), "the chat replaces the form").not.toBeNull();
  });

  it("offers the protocol, Chat Completions by default, and sends Responses when chosen", async () => {
    await start();
    const protocol = must<HTMLSelectElement>("#account-api");
    expect(protocol.value, "new accounts default to Chat Completions").toBe("chat");
    expect(
      [...protocol.options].map((o) => [o.value, o.textContent?.trim()]),
      "both protocols are offered with their endpoints",
    ).toEqual([
      ["chat", "Chat Completions (/chat/completions)"],
      ["responses", "Responses (/responses)"],
    ]);
    expect(must("label[for='account-api']").textContent, "the control is labelled").toBe("Protocol");
    expect(document.body.textContent, "the hint says when Responses is needed").toMatch(
      /only work with Responses/,
    );

    type("#account-label", "AIML");
    type("#account-base-url", "https://api.aimlapi.com/v1");
    type("#account-api-key", "sk-secret");
    type("#account-model", "openai/gpt-5.1-codex");
    choose("#account-api", "responses");
    must("#account-save").click();
    await settle();

    const sent = backend.called("add_account")[0]?.args.account as NewAccount;
    expect(sent?.api, "the chosen protocol is stored with the account").toBe("responses");
    expect(
      must(".account[data-account-id='acc-1'] .api-tag").textContent,
      "the sidebar marks a Responses account",
    ).toBe("Responses");
    expect(must(".chat .api-tag").textContent, "the chat header shows the protocol too").toBe(
      "Responses",
    );
  });

  it("shows the backend's message when saving fails", async () => {
    backend.addError = { code: "keyring", message: "The keyring is locked" };
    await start();
    type("#account-label", "Work");
    type("#account-base-url", "https://api.openai.com/v1");
    type("#account-api-key", "sk-secret");
    type("#account-model", "gpt-5.1");
    must("#account-save").click();
    await settle();
    const error = must("#account-error");
    expect(error.getAttribute("role"), "errors are announced").toBe("alert");
    expect(error.textContent, "the backend's message is shown").toContain("The keyring is locked");
    expect($("#account-label"), "the form stays so the user can retry").not.toBeNull();
  });
});

describe("chat", () => {
  beforeEach(() => {
    backend.accounts = [
      { id: "a1", label: "Work", baseUrl: "https://api.openai.com/v1", model: "gpt-5.1", api: "chat", serverState: false, preset: "custom", allowHttp: false, headers: [], enabled: true, hasKey: true, keyHint: null },
      { id: "a2", label: "Local", baseUrl: "http://127.0.0.1:11434/v1", model: "llama", api: "chat", serverState: false, preset: "custom", allowHttp: false, headers: [], enabled: true, hasKey: false, keyHint: null },
      {
        id: "a3",
        label: "AIML",
        baseUrl: "https://api.aimlapi.com/v1",
        model: "openai/gpt-5.1-codex",
        api: "responses",
        serverState: false, preset: "custom", allowHttp: false, headers: [], enabled: true, hasKey: true, keyHint: null,
      },
    ];
  });

  function messages(): HTMLElement[] {
    return [...document.querySelectorAll<HTMLElement>("#messages .message")];
  }

  async function sendText(text: string): Promise<void> {
    type("#composer", text);
    must("#composer").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await settle();
  }

  it("lists accounts with the key indicator only when a key is stored", async () => {
    await start();
    const local = must(".account[data-account-id='a2']");
    expect(local.querySelector(".has-key"), "no indicator without a stored key").toBeNull();
    expect(must(".account[data-account-id='a1'] .has-key"), "indicator with a stored key").toBeTruthy();
  });

  it("sends on Enter and renders streamed events", async () => {
    await start();
    type("#model", "gpt-5.1-mini");
    await sendText("Hello\nthere");

    const sends = backend.called("send_message");
    expect(sends, "Enter sends the message").toHaveLength(1);
    expect(sends[0]?.args.request as SendRequest, "request carries account, edited model and text").toEqual({
      accountId: "a1",
      model: "gpt-5.1-mini",
      api: "chat",
      messages: [{ role: "user", content: "Hello\nthere" }],
      params: {},
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
      { type: "rendered", html: "<p><strong>Hi</strong> &lt;b&gt;</p>" },
    );
    flushSync();
    expect(content.querySelector("strong")?.textContent, "the backend's HTML is rendered").toBe("Hi");
    const reasoning = must<HTMLDetailsElement>(".message.assistant details.reasoning");
    expect(reasoning.open, "reasoning is open while streaming").toBe(true);
    expect(reasoning.textContent, "reasoning text is shown").toContain("Considering.");

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
      { type: "rendered", html: "<p>Partial</p>" },
      { type: "error", code: "network", message: "The connection was reset." },
    );
    flushSync();
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
    expect(
      (backend.called("send_message")[1]?.args.request as SendRequest).messages,
      "the failed answer is not sent back as history",
    ).toEqual([
      { role: "user", content: "Hi" },
      { role: "user", content: "Again" },
    ]);
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

  it("switches the model input to the selected account's model", async () => {
    await start();
    must(".account[data-account-id='a2']").click();
    flushSync();
    expect(must<HTMLInputElement>("#model").value, "each account brings its own default model").toBe("llama");
    expect(must(".chat h1").textContent, "the header names the selected account").toBe("Local");
  });

  it("shows the protocol only for Responses accounts", async () => {
    await start();
    expect($(".account[data-account-id='a1'] .api-tag"), "Chat Completions is the unmarked default").toBeNull();
    expect(
      must(".account[data-account-id='a3'] .api-tag").textContent,
      "a Responses account is marked in the sidebar",
    ).toBe("Responses");
    expect($(".chat .api-tag"), "no tag in the header for a Chat Completions account").toBeNull();
    must(".account[data-account-id='a3']").click();
    flushSync();
    expect(must(".chat .api-tag").textContent, "the header tag follows the selection").toBe("Responses");
  });
});

describe("parameters drawer", () => {
  beforeEach(() => {
    backend.accounts = [
      { id: "a1", label: "Work", baseUrl: "https://api.openai.com/v1", model: "gpt-5.1", api: "chat", serverState: false, preset: "custom", allowHttp: false, headers: [], enabled: true, hasKey: true, keyHint: null },
      {
        id: "a3",
        label: "AIML",
        baseUrl: "https://api.aimlapi.com/v1",
        model: "openai/gpt-5.1-codex",
        api: "responses",
        serverState: false, preset: "custom", allowHttp: false, headers: [], enabled: true, hasKey: true, keyHint: null,
      },
    ];
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

  it("sends the account's api and only the parameters that are set, numbers as numbers", async () => {
    await start();
    must(".account[data-account-id='a3']").click();
    flushSync();
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
    expect(request.api, "a Responses account is sent as Responses").toBe("responses");
    expect(request.model, "the account's model").toBe("openai/gpt-5.1-codex");
    expect(request.params, "only set fields, typed; temperature 0 is a real value").toEqual({
      temperature: 0,
      maxTokens: 256,
      reasoningEffort: "high",
      reasoningSummary: "concise",
      jsonMode: true,
    });
  });

  it("disables the reasoning summary for Chat Completions accounts and never sends it there", async () => {
    await start();
    must(".account[data-account-id='a3']").click();
    flushSync();
    openDrawer();
    const summary = must<HTMLSelectElement>("#param-reasoning-summary");
    expect(summary.disabled, "enabled for a Responses account").toBe(false);
    choose("#param-reasoning-summary", "auto");

    must(".account[data-account-id='a1']").click();
    flushSync();
    const disabled = must<HTMLSelectElement>("#param-reasoning-summary");
    expect(disabled.disabled, "disabled for a Chat Completions account").toBe(true);
    expect(disabled.title, "the title says why").toMatch(/Responses API/);
    expect($("#params-toggle .badge"), "a parameter that won't be sent is not counted").toBeNull();

    await sendText("Hi");
    expect(lastRequest().api, "the Chat Completions account's api").toBe("chat");
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
    must("#send").click();
    await settle();
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

  it("keeps the parameters for the session, across accounts and the add-account form", async () => {
    await start();
    openDrawer();
    type("#param-temperature", "0.3");
    must("#add-account").click();
    flushSync();
    expect($("#params-panel"), "the chat (and drawer) gives way to the form").toBeNull();
    must(".account[data-account-id='a3']").click();
    flushSync();
    expect(must<HTMLInputElement>("#param-temperature").value, "the value is still there").toBe("0.3");
    await sendText("Hi");
    expect(lastRequest().params, "and it is still sent").toEqual({ temperature: 0.3 });
  });
});

describe("outside Tauri", () => {
  it("shows the form and a readable error instead of a blank page", async () => {
    clearMocks();
    await start();
    expect(must("[role='alert']").textContent, "the user learns why nothing loads").toMatch(
      /backend is not reachable/,
    );
    expect($("#account-label"), "the form is still shown").not.toBeNull();
  });
});
