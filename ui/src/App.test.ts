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
            hasKey: true,
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
      { id: "a1", label: "Work", baseUrl: "https://api.openai.com/v1", model: "gpt-5.1", hasKey: true },
      { id: "a2", label: "Local", baseUrl: "http://127.0.0.1:11434/v1", model: "llama", hasKey: false },
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
      messages: [{ role: "user", content: "Hello\nthere" }],
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
