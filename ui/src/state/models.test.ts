import { describe, expect, it, vi } from "vitest";
import type { ModelGroup } from "../ipc/types";
import { group, route } from "../test-support/fixtures";
import { ModelsState, apiFor, reconcileChoice, targetFor, type PickerChoice } from "./models.svelte";

const GROUPS: ModelGroup[] = [
  group("gpt-5.1", [
    route({ accountId: "a", modelId: "gpt-5.1" }),
    route({ accountId: "b", modelId: "openai/gpt-5-1", api: "responses" }),
  ]),
  group("codex", [route({ accountId: "b", modelId: "openai/codex", api: "responses" })]),
];

const PIN_B: PickerChoice = { type: "route", accountId: "b", modelId: "openai/gpt-5-1", api: "responses" };

describe("targetFor", () => {
  it("routes a group and pins a route", () => {
    expect(targetFor(GROUPS, { type: "group", key: "gpt-5.1" }, "round_robin")).toEqual({
      type: "logical",
      model: "gpt-5.1",
      strategy: "round_robin",
    });
    expect(targetFor(GROUPS, PIN_B, "round_robin"), "the strategy does not apply").toEqual({
      type: "account",
      accountId: "b",
      model: "openai/gpt-5-1",
      api: "responses",
    });
    expect(targetFor(GROUPS, { type: "group", key: "gone" }, "priority"), "nothing on offer").toBeNull();
  });
});

describe("apiFor", () => {
  it("uses the pinned route's protocol, or the first route's", () => {
    expect(apiFor(GROUPS, PIN_B)).toBe("responses");
    expect(apiFor(GROUPS, { type: "group", key: "gpt-5.1" }), "route a comes first").toBe("chat");
    expect(apiFor(GROUPS, { type: "group", key: "codex" })).toBe("responses");
    expect(apiFor([], null), "nothing chosen").toBe("chat");
  });
});

describe("reconcileChoice", () => {
  it("keeps a choice that still exists and otherwise falls back sensibly", () => {
    expect(reconcileChoice(GROUPS, null), "nothing chosen: the first group").toEqual({ type: "group", key: "gpt-5.1" });
    expect(reconcileChoice(GROUPS, PIN_B), "still there").toBe(PIN_B);
    const withoutB = [group("gpt-5.1", [GROUPS[0]!.routes[0]!]), GROUPS[1]!];
    expect(reconcileChoice(withoutB, PIN_B, GROUPS), "the route went: its group").toEqual({
      type: "group",
      key: "gpt-5.1",
    });
    expect(reconcileChoice([GROUPS[1]!], { type: "group", key: "gpt-5.1" }), "the group went: the first").toEqual({
      type: "group",
      key: "codex",
    });
    expect(reconcileChoice([], PIN_B), "nothing left").toBeNull();
  });
});

describe("ModelsState", () => {
  it("ignores an older answer that arrives after a newer one", async () => {
    const answers: ((groups: ModelGroup[]) => void)[] = [];
    const state = new ModelsState({
      listModels: vi.fn(() => new Promise<ModelGroup[]>((resolve) => answers.push(resolve))),
    });
    const first = state.refresh();
    const second = state.refresh();
    answers[1]!(GROUPS);
    await second;
    answers[0]!([]);
    await first;
    expect(state.groups.map((g) => g.key), "the newest list wins").toEqual(["gpt-5.1", "codex"]);
    expect(state.target?.model, "and a choice is made").toBe("gpt-5.1");
  });

  it("only takes a choice that is on offer, and keeps the groups when a refresh fails", async () => {
    const listModels = vi
      .fn<() => Promise<ModelGroup[]>>()
      .mockResolvedValueOnce(GROUPS)
      .mockRejectedValueOnce({ code: "internal", message: "boom" });
    const state = new ModelsState({ listModels });
    await state.refresh();
    state.choose({ type: "group", key: "nope" });
    expect(state.choice, "unknown choices are ignored").toEqual({ type: "group", key: "gpt-5.1" });
    state.choose(PIN_B);
    await state.refresh();
    expect(state.error, "the failure is kept").toEqual({ code: "internal", message: "boom" });
    expect([state.groups.length, state.choice], "nothing is lost").toEqual([2, PIN_B]);
  });
});

describe("chooseTarget", () => {
  it("follows a stored conversation's target when it is still on offer", async () => {
    const models = new ModelsState({ listModels: vi.fn(async () => GROUPS) });
    await models.refresh();
    expect(
      models.chooseTarget({ type: "account", accountId: "b", model: "openai/gpt-5-1", api: "responses" }),
      "a pinned route",
    ).toBe(true);
    expect(models.choice, "is pinned again").toEqual(PIN_B);
    expect(models.chooseTarget({ type: "logical", model: "codex", strategy: "round_robin" }), "a routed model").toBe(true);
    expect([models.choice, models.strategy], "with its strategy").toEqual([{ type: "group", key: "codex" }, "round_robin"]);
    expect(
      models.chooseTarget({ type: "account", accountId: "gone", model: "x", api: "chat" }),
      "an account removed since",
    ).toBe(false);
    expect(models.choice, "keeps the current choice").toEqual({ type: "group", key: "codex" });
  });
});
