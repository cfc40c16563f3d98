import { Channel } from "@tauri-apps/api/core";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import {
  backendUnavailable,
  IpcError,
  addAccount,
  deleteKey,
  endFirstScreen,
  frameShown,
  keyringStatus,
  listConversations,
  listAccounts,
  listModels,
  listPresets,
  removeAccount,
  sendMessage,
  startFirstScreen,
  stopMessage,
  testAccount,
  toIpcError,
  updateAccount,
} from "./index";
import type { AccountUpdate, AccountView, NewAccount, SendRequest, StreamEvent } from "./types";
import { accountView } from "../test-support/fixtures";
import { sendToChannel } from "../test-support/tauri";

afterEach(() => {
  clearMocks();
});

const account: AccountView = accountView({ id: "a1", label: "Work", baseUrl: "https://api.openai.com/v1" });

describe("frameShown", () => {
  const settled = () => new Promise((done) => setTimeout(done, 0));

  it("reports each frame once, as the time it started since the epoch", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return null;
    });
    frameShown(1000);
    frameShown(1000);
    frameShown(1016.5);
    await settled();
    expect(calls, "one report per frame, however many views applied an update in it").toEqual([
      ["frame_shown", { startedAt: performance.timeOrigin + 1000 }],
      ["frame_shown", { startedAt: performance.timeOrigin + 1016.5 }],
    ]);
  });

  it("never fails the page when the report does", async () => {
    mockIPC(() => {
      throw new Error("the window is closing");
    });
    // An unhandled rejection would fail this test run.
    frameShown(2000);
    await settled();
  });
});

describe("command wrappers", () => {
  it("list_accounts takes no arguments", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return [account];
    });
    expect(await listAccounts(), "the backend's list is returned unchanged").toEqual([account]);
    expect(calls[0]?.[0], "Rust registers the command as list_accounts").toBe("list_accounts");
  });

  it("add_account sends the new account under the `account` key", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return account;
    });
    const input: NewAccount = {
      label: "Work",
      baseUrl: "https://api.openai.com/v1",
      apiKey: "sk-1",
      model: "gpt-5.1",
      api: "responses",
      serverState: true,
    };
    expect(await addAccount(input), "resolves to the stored AccountView").toEqual(account);
    expect(calls, "argument key must match the Rust parameter name `account`").toEqual([
      ["add_account", { account: input }],
    ]);
  });

  it("the account and catalog commands use the argument keys Rust declares", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "test_account") return { verdict: "ok", message: "", models: [] };
      if (cmd === "keyring_status") return { available: true, message: null };
      if (cmd === "list_presets" || cmd === "list_models") return [];
      if (cmd === "remove_account") return null;
      return account;
    });
    const update: AccountUpdate = {
      label: "Work",
      baseUrl: "https://api.openai.com/v1",
      model: "gpt-5.1",
      api: "chat",
      serverState: false,
      allowHttp: false,
      headers: [],
      enabled: true,
      proxy: null,
      maxConcurrent: null,
      customModels: [],
    };
    await updateAccount("a1", update);
    await deleteKey("a1");
    await removeAccount("a1");
    await testAccount("a1");
    await listPresets();
    await listModels();
    await keyringStatus();
    expect(calls, "one command each, with `id` and `update` as in commands.rs").toEqual([
      ["update_account", { id: "a1", update }],
      ["delete_key", { id: "a1" }],
      ["remove_account", { id: "a1" }],
      ["test_account", { id: "a1" }],
      ["list_presets", {}],
      ["list_models", {}],
      ["keyring_status", {}],
    ]);
  });

  it("stop_message sends the id under the camelCase `requestId` key", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return null;
    });
    await stopMessage("req-7");
    expect(calls, "tauri maps Rust's request_id to requestId on the JS side").toEqual([
      ["stop_message", { requestId: "req-7" }],
    ]);
  });

  it("send_message passes the request and a Channel, and delivers channel events in order", async () => {
    let channel: Channel<StreamEvent> | null = null;
    let request: unknown = null;
    mockIPC((cmd, args) => {
      if (cmd !== "send_message") throw new Error(`unexpected ${cmd}`);
      request = (args as Record<string, unknown>).request;
      channel = (args as Record<string, unknown>).onEvent as Channel<StreamEvent>;
      return "req-1";
    });
    const events: StreamEvent[] = [];
    const req: SendRequest = {
      target: { type: "account", accountId: "a1", model: "m", api: "responses" },
      messages: [{ role: "user", content: "hi" }],
      params: { temperature: 0, maxTokens: 64, reasoningSummary: "auto" },
    };
    const id = await sendMessage(req, (e) => events.push(e));

    expect(id, "resolves to the request id returned by the command").toBe("req-1");
    expect(request, "the request, with its api and params, goes under the `request` key").toEqual(req);
    expect(channel, "the channel goes under the `onEvent` key").toBeInstanceOf(Channel);

    // Deliver out of order: the Channel reorders by index like it does for real IPC.
    sendToChannel(channel!, 1, { type: "textDelta", text: "b" });
    sendToChannel(channel!, 0, { type: "textDelta", text: "a" });
    expect(events, "events reach onEvent in index order").toEqual([
      { type: "textDelta", text: "a" },
      { type: "textDelta", text: "b" },
    ]);
  });
});

describe("error normalization", () => {
  it("keeps a CommandError's code and message", async () => {
    mockIPC(() => {
      throw { code: "rate_limit", message: "slow down" };
    });
    const error = await listAccounts().catch((e: unknown) => e);
    expect(error, "callers can rely on one error type").toBeInstanceOf(IpcError);
    expect((error as IpcError).code, "the code drives the UI's wording").toBe("rate_limit");
    expect((error as IpcError).message, "the message is shown to the user").toBe("slow down");
  });

  it("turns a string rejection into an internal error with that text", async () => {
    mockIPC(() => Promise.reject("command add_account not found"));
    const error = (await addAccount({ label: "", baseUrl: "", apiKey: "", model: "", api: "chat", serverState: false }).catch(
      (e: unknown) => e,
    )) as IpcError;
    expect(error.code, "unknown shapes are classified as internal").toBe("internal");
    expect(error.message, "the string itself is the message").toBe("command add_account not found");
  });

  it.each([
    [{ code: "made_up", message: "odd" }, "internal", "odd", "an unknown code"],
    [{ message: "" }, "internal", "Unknown error", "an empty message"],
    [null, "internal", "Unknown error", "null"],
    [new Error("boom"), "internal", "boom", "a JS Error"],
    [{ code: "quota" }, "quota", "Command failed (quota)", "a code without message"],
  ] as const)("normalizes %o", (raw, code, message, why) => {
    const e = toIpcError(raw);
    expect([e.code, e.message], `${why} must still give a readable error`).toEqual([code, message]);
  });

  it("reports a missing backend (outside Tauri) as a readable error", async () => {
    const error = (await listAccounts().catch((e: unknown) => e)) as IpcError;
    expect(error, "the page must not crash outside Tauri").toBeInstanceOf(IpcError);
    expect(error.message, "tells the user what is wrong").toBe(backendUnavailable());
    const sendError = await sendMessage(
      { target: { type: "logical", model: "m", strategy: "priority" }, messages: [], params: {} },
      () => {},
    ).catch(
      (e: unknown) => e,
    );
    expect(sendError, "sendMessage must not throw a raw TypeError either").toBeInstanceOf(IpcError);
  });
});

describe("the first screen's early calls", () => {
  afterEach(() => endFirstScreen());

  it("answer the first identical call once, then calls ask the backend again", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      return cmd === "list_accounts" ? [account] : [];
    });
    const ready = startFirstScreen();
    expect(calls.sort(), "the accounts, the conversation list and the models leave at once").toEqual([
      "list_accounts",
      "list_conversations",
      "list_models",
    ]);
    await ready;
    expect(await listAccounts(), "the early answer").toEqual([account]);
    expect(calls.length, "taken from the early call, not asked again").toBe(3);
    await listAccounts();
    expect(calls.length, "an early answer serves one caller only: the next call is fresh").toBe(4);
  });

  it("are dropped when start-up ends, so a later call never gets an old answer", async () => {
    let models = 0;
    mockIPC((cmd) => (cmd === "list_models" ? [{ generation: ++models }] : []));
    await startFirstScreen();
    endFirstScreen();
    expect(await listModels(), "asked again after start-up").toEqual([{ generation: 2 }]);
  });

  it("only serve calls with the same arguments", async () => {
    const limits: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "list_conversations") limits.push((args as { limit: number }).limit);
      return [];
    });
    await startFirstScreen();
    await listConversations(false, 5);
    expect(limits, "another limit is another question").toEqual([200, 5]);
  });

  it("hand a failure to the caller that takes them", async () => {
    mockIPC((cmd) => {
      if (cmd === "list_accounts") throw { code: "keyring", message: "The keyring is locked." };
      return [];
    });
    await startFirstScreen();
    await expect(listAccounts(), "the early failure reaches its taker").rejects.toMatchObject({
      code: "keyring",
      message: "The keyring is locked.",
    });
  });
});
