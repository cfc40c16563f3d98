// Offline and rate-limited states are said before the user sends into them.
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Health } from "./ipc/types";
import { limitedChoice } from "./state/connectivity.svelte";
import { FakeBackend } from "./test-support/backend";
import { $, must, settle, startApp, stopApp } from "./test-support/dom";
import { accountView, group, route } from "./test-support/fixtures";

const cooling = (retryInSecs: number | null): Health => ({
  state: "cooling",
  detail: "Rate-limited by the provider; tried again after the wait.",
  retryInSecs,
});
const ok: Health = { state: "ok", detail: null, retryInSecs: null };

describe("limitedChoice", () => {
  const a = route({ accountId: "a1", accountLabel: "Work", modelId: "m", health: cooling(40) });
  const b = route({ accountId: "a2", accountLabel: "Home", modelId: "m", health: cooling(12) });
  const fine = route({ accountId: "a3", accountLabel: "Spare", modelId: "m", health: ok });

  it("is limited only when every route cools down, with the soonest wait", () => {
    expect(limitedChoice(group("m", [a, b]), null)).toMatchObject({ retryInSecs: 12 });
    expect(limitedChoice(group("m", [a, fine]), null), "one healthy route still answers").toBeNull();
    expect(limitedChoice(group("m", [a, fine]), a), "a pinned route alone counts").toMatchObject({ retryInSecs: 40 });
    expect(limitedChoice(null, null)).toBeNull();
  });
});

describe("banners", () => {
  let backend: FakeBackend;

  beforeEach(() => {
    backend = new FakeBackend();
    backend.install();
    backend.accounts = [accountView({ id: "a1", label: "Work" })];
  });

  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
    stopApp();
    clearMocks();
  });

  it("says so while the window is offline, and not once it is back", async () => {
    backend.groups = [group("gpt-5.1", [route({ accountId: "a1", accountLabel: "Work", modelId: "gpt-5.1" })])];
    const onLine = vi.spyOn(window.navigator, "onLine", "get").mockReturnValue(false);
    await startApp();
    expect(must("#offline-banner").textContent).toContain("You are offline.");
    onLine.mockReturnValue(true);
    window.dispatchEvent(new Event("online"));
    await settle();
    expect($("#offline-banner")).toBeNull();
  });

  it("counts down a rate limit on the chosen model and reads the health again when it ends", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    backend.groups = [
      group("gpt-5.1", [route({ accountId: "a1", accountLabel: "Work", modelId: "gpt-5.1", health: cooling(3) })], {
        name: "GPT-5.1",
      }),
    ];
    await startApp();
    const banner = must("#rate-limit-banner");
    expect(banner.textContent).toContain("Every account serving GPT-5.1 is rate-limited.");
    expect(banner.textContent).toContain("in 3 s");
    await vi.advanceTimersByTimeAsync(1000);
    expect(must("#rate-limit-banner").textContent, "counted down").toContain("in 2 s");
    const before = backend.called("list_models").length;
    backend.groups = [group("gpt-5.1", [route({ accountId: "a1", accountLabel: "Work", modelId: "gpt-5.1" })])];
    await vi.advanceTimersByTimeAsync(2000);
    await settle();
    expect(backend.called("list_models").length, "the health is read again at zero").toBeGreaterThan(before);
    expect($("#rate-limit-banner"), "the route is free again").toBeNull();
  });

  it("says long waits in minutes", async () => {
    backend.groups = [group("m", [route({ accountId: "a1", modelId: "m", health: cooling(600) })])];
    await startApp();
    expect(must("#rate-limit-banner").textContent).toContain("in 10 min");
  });
});
