import { clearMocks } from "@tauri-apps/api/mocks";
import { flushSync } from "svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AttemptView } from "../ipc/types";
import { FakeBackend } from "../test-support/backend";
import { $, $$, click, must, startApp, stopApp, type } from "../test-support/dom";
import { accountView, group, route } from "../test-support/fixtures";

let backend: FakeBackend;

const SERVED = { accountId: "aiml", accountLabel: "AI/ML", modelId: "openai/gpt-5-1-codex-mini", api: "responses" } as const;
const SKIPPED: AttemptView[] = [
  {
    route: { accountId: "star", accountLabel: "Starrise", modelId: "gpt-5.1-codex-mini", api: "chat" },
    code: "rate_limit",
    outcome: "rate-limited, cooling down 30 s",
  },
  {
    route: { accountId: "other", accountLabel: "Backup", modelId: "gpt-5.1-codex-mini", api: "chat" },
    code: "server",
    outcome: "server error 503, resting 60 s",
  },
];

beforeEach(() => {
  backend = new FakeBackend();
  backend.install();
  backend.accounts = [accountView({ id: "star" }), accountView({ id: "aiml" })];
  backend.groups = [
    group("gpt-5.1-codex-mini", [
      route({ accountId: "star", modelId: "gpt-5.1-codex-mini" }),
      route({ accountId: "aiml", modelId: "openai/gpt-5-1-codex-mini", api: "responses" }),
    ]),
  ];
});

afterEach(() => {
  stopApp();
  clearMocks();
});

async function ask(): Promise<void> {
  await startApp();
  type("#composer", "hi");
  await click("#send");
}

describe("route badge", () => {
  it("names the account, the model ID and the protocol that answered", async () => {
    await ask();
    backend.feeds[0]!.send(
      { type: "textDelta", text: "Hello" },
      { type: "route", servedBy: SERVED, attempts: [] },
      { type: "finished", reason: "stop" },
    );
    flushSync();
    const badge = must(".message.assistant .route-badge");
    expect(badge.textContent?.replace(/\s+/g, " ").trim(), "via who, which model, which protocol").toBe(
      "via AI/ML · openai/gpt-5-1-codex-mini Responses",
    );
    expect([badge.dataset.accountId, badge.dataset.modelId], "machine-readable too").toEqual([
      "aiml",
      "openai/gpt-5-1-codex-mini",
    ]);
    expect($(".message.assistant .route-attempts"), "nothing was skipped: no disclosure").toBeNull();
  });

  it("lists the routes that were skipped or failed before the answer", async () => {
    await ask();
    backend.feeds[0]!.send(
      { type: "route", servedBy: SERVED, attempts: SKIPPED },
      { type: "textDelta", text: "Hello" },
      { type: "finished", reason: "stop" },
    );
    flushSync();
    const attempts = must<HTMLDetailsElement>(".message.assistant .route-attempts");
    expect(attempts.open, "closed when an answer came").toBe(false);
    expect(attempts.querySelector("summary")?.textContent?.trim(), "how many").toBe("2 routes tried first");
    expect(
      [...attempts.querySelectorAll<HTMLElement>(".route-attempt")].map((li) => [
        li.dataset.accountId,
        li.querySelector(".attempt-route strong")?.textContent,
        li.querySelector(".attempt-outcome")?.textContent,
      ]),
      "each with its account and the reason",
    ).toEqual([
      ["star", "Starrise", "rate-limited, cooling down 30 s"],
      ["other", "Backup", "server error 503, resting 60 s"],
    ]);
  });

  it("shows the attempts of an answer no route could give", async () => {
    await ask();
    backend.feeds[0]!.send(
      { type: "route", servedBy: null, attempts: SKIPPED },
      { type: "error", code: "rate_limit", message: "Every account for gpt-5.1-codex-mini is cooling down." },
    );
    flushSync();
    const answer = must(".message.assistant");
    expect(answer.dataset.status).toBe("error");
    expect($(".message.assistant .route-badge"), "nobody answered").toBeNull();
    expect(must(".route-none", answer).textContent, "said plainly").toBe("No account answered");
    const attempts = must<HTMLDetailsElement>(".route-attempts", answer);
    expect(attempts.open, "open, since they explain the failure").toBe(true);
    expect($$(".route-attempt").length, "both attempts").toBe(2);
    expect(must(".error-card", answer).textContent, "the error card stays").toContain("cooling down");
  });

  it("gives every answer its own badge", async () => {
    await ask();
    backend.feeds[0]!.send({ type: "route", servedBy: SERVED, attempts: [] }, { type: "finished", reason: "stop" });
    flushSync();
    type("#composer", "again");
    await click("#send");
    backend.feeds[1]!.send(
      { type: "route", servedBy: { ...SKIPPED[0]!.route }, attempts: [] },
      { type: "finished", reason: "stop" },
    );
    flushSync();
    expect(
      $$(".message.assistant .route-badge").map((b) => b.dataset.accountId),
      "one badge per answer, each with its own route",
    ).toEqual(["aiml", "star"]);
  });
});
