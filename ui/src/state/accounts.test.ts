import { describe, expect, it, vi } from "vitest";
import type { AccountView, ConnectionReport, NewAccount } from "../ipc/types";
import { accountView } from "../test-support/fixtures";
import { AccountsState, CUSTOM_PRESET, type AccountsIpc, hostOf } from "./accounts.svelte";

function fakeIpc(patch: Partial<AccountsIpc> = {}): AccountsIpc {
  const fail = () => Promise.reject({ code: "internal", message: "not expected in this test" });
  return {
    listAccounts: vi.fn(async () => []),
    addAccount: vi.fn(fail),
    updateAccount: vi.fn(fail),
    deleteKey: vi.fn(fail),
    removeAccount: vi.fn(fail),
    reorderAccounts: vi.fn(fail),
    testAccount: vi.fn(fail),
    listPresets: vi.fn(async () => []),
    keyringStatus: vi.fn(async () => ({ available: true, message: null })),
    ...patch,
  };
}

const a1 = accountView({ id: "a1", label: "One", proxy: "http://p:1", maxConcurrent: 3 });
const a2 = accountView({ id: "a2", label: "Two", api: "responses" });

const newAccount: NewAccount = {
  label: "Two",
  baseUrl: "https://y/v1",
  apiKey: "sk",
  model: "m",
  api: "chat",
  serverState: false,
};

describe("hostOf", () => {
  it("shows the host for a URL and the raw text otherwise", () => {
    expect(hostOf("https://api.example.com:8443/v1"), "host and port, no path").toBe("api.example.com:8443");
    expect(hostOf("not a url"), "unparseable text is shown as-is").toBe("not a url");
  });
});

describe("AccountsState", () => {
  it("loads the accounts and records a failure instead of throwing", async () => {
    const ok = new AccountsState(fakeIpc({ listAccounts: vi.fn(async () => [a1, a2]) }));
    await ok.load();
    expect(ok.list.map((a) => a.id), "the backend's order").toEqual(["a1", "a2"]);

    const broken = new AccountsState(
      fakeIpc({
        listAccounts: vi.fn(async () => {
          throw { code: "keyring", message: "locked" };
        }),
      }),
    );
    await broken.load();
    expect(broken.loadError, "the error is kept for the banner").toEqual({ code: "keyring", message: "locked" });
    expect(broken.loaded, "loading is over, so the UI can go on").toBe(true);
  });

  it("adds an account to the list and says the models may have changed", async () => {
    const onchange = vi.fn();
    const state = new AccountsState(
      fakeIpc({ listAccounts: vi.fn(async () => [a1]), addAccount: vi.fn(async () => a2) }),
    );
    state.onchange = onchange;
    await state.load();
    expect(await state.add(newAccount), "resolves to the stored account").toEqual(a2);
    expect(state.list.map((a) => a.id), "the new account is listed last").toEqual(["a1", "a2"]);
    expect(onchange, "the model picker must refresh").toHaveBeenCalledOnce();
  });

  it("rejects with an IpcError when saving fails and rechecks a failing keyring", async () => {
    const keyringStatus = vi.fn(async () => ({ available: false, message: "No keyring daemon." }));
    const state = new AccountsState(
      fakeIpc({
        addAccount: vi.fn(async () => {
          throw { code: "keyring", message: "Could not store the key." };
        }),
        keyringStatus,
      }),
    );
    await expect(state.add(newAccount), "the caller shows the message").rejects.toMatchObject({
      code: "keyring",
      message: "Could not store the key.",
    });
    await vi.waitFor(() => expect(state.keyringProblem, "the banner learns why").toBe("No keyring daemon."));
    expect(state.list, "nothing was added").toEqual([]);
  });

  it("toggles enabled by sending the stored settings with only that changed", async () => {
    const updateAccount = vi.fn(async (_id: string, update: object) => ({ ...a1, ...update }) as AccountView);
    const state = new AccountsState(fakeIpc({ listAccounts: vi.fn(async () => [a1]), updateAccount }));
    await state.load();
    await state.setEnabled("a1", false);
    expect(updateAccount, "the whole AccountUpdate, without any key").toHaveBeenCalledWith("a1", {
      label: "One",
      baseUrl: a1.baseUrl,
      model: a1.model,
      api: "chat",
      serverState: false,
      allowHttp: false,
      headers: [],
      enabled: false,
      proxy: "http://p:1",
      maxConcurrent: 3,
      customModels: [],
    });
    expect(state.byId("a1")?.enabled, "the list shows the saved account").toBe(false);
  });

  it("keeps the last connection test per account, even a failed one", async () => {
    const report: ConnectionReport = { verdict: "ok", message: "fine", models: [] };
    const testAccount = vi
      .fn<(id: string) => Promise<ConnectionReport>>()
      .mockResolvedValueOnce(report)
      .mockRejectedValueOnce({ code: "not_found", message: "gone" });
    const listAccounts = vi.fn(async () => [a1]);
    const onchange = vi.fn();
    const state = new AccountsState(fakeIpc({ testAccount, listAccounts }));
    state.onchange = onchange;

    const pending = state.test("a1");
    expect(state.tests.a1, "shown as running at once").toEqual({ status: "testing" });
    await pending;
    expect(state.tests.a1, "the verdict").toEqual({ status: "done", report });
    expect(listAccounts, "health may have changed: the list is reloaded").toHaveBeenCalledOnce();
    expect(onchange, "and the picker refreshed").toHaveBeenCalledOnce();

    await state.test("a1");
    expect(state.tests.a1, "a rejected test is kept as such").toEqual({
      status: "failed",
      error: { code: "not_found", message: "gone" },
    });
  });

  it("removes an account and forgets its test", async () => {
    const state = new AccountsState(
      fakeIpc({
        listAccounts: vi.fn(async () => [a1, a2]),
        removeAccount: vi.fn(async () => {}),
        testAccount: vi.fn(async () => ({ verdict: "ok" as const, message: "", models: [] })),
      }),
    );
    await state.load();
    await state.test("a1");
    await state.remove("a1");
    expect(state.list.map((a) => a.id)).toEqual(["a2"]);
    expect(state.tests.a1, "no stale verdict").toBeUndefined();
  });

  it("names presets and falls back to Custom when the list is missing", async () => {
    const state = new AccountsState(
      fakeIpc({ listPresets: vi.fn(async () => [{ ...CUSTOM_PRESET, id: "starrise", name: "Starrise" }]) }),
    );
    expect(state.presetById("custom"), "Custom works before the list is loaded").toEqual(CUSTOM_PRESET);
    await state.loadPresets();
    expect(state.presetName("starrise")).toBe("Starrise");
    expect(state.presetName("gone"), "an unknown preset shows its id").toBe("gone");
  });

  it("reports an unavailable keyring, with a default sentence", async () => {
    const state = new AccountsState(fakeIpc({ keyringStatus: vi.fn(async () => ({ available: false, message: null })) }));
    expect(state.keyringProblem, "nothing known yet").toBeNull();
    await state.checkKeyring();
    expect(state.keyringProblem).toBe("The system keyring cannot be used, so keys cannot be stored or read.");
  });
});
