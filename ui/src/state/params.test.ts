import { describe, expect, it } from "vitest";
import {
  ParamsState,
  emptyParamsForm,
  fieldErrors,
  toParams,
  type ParamsForm,
} from "./params.svelte";

function form(patch: Partial<ParamsForm>): ParamsForm {
  return { ...emptyParamsForm(), ...patch };
}

describe("toParams", () => {
  it("sends nothing for an untouched form", () => {
    expect(toParams(emptyParamsForm()), "empty fields mean the provider's defaults").toEqual({
      params: {},
    });
    expect(
      toParams(form({ temperature: "   ", maxTokens: "" })),
      "blank or whitespace-only text is 'not sent', not zero",
    ).toEqual({ params: {} });
  });

  it("treats 0 as a real value", () => {
    expect(
      toParams(form({ temperature: "0", topP: "0", frequencyPenalty: "0" })),
      '"0" must be sent as 0 (greedy decoding), not dropped as falsy',
    ).toEqual({ params: { temperature: 0, topP: 0, frequencyPenalty: 0 } });
    expect(
      (toParams(form({ presencePenalty: "-0" })) as { params: { presencePenalty: number } }).params
        .presencePenalty,
      "-0 is sent as a plain 0",
    ).toBe(0);
  });

  it("converts every set field, numbers as numbers", () => {
    const result = toParams(
      form({
        maxTokens: " 512 ",
        temperature: "0.7",
        topP: "0.95",
        frequencyPenalty: "-1.5",
        presencePenalty: "2",
        reasoningEffort: "high",
        reasoningSummary: "detailed",
        verbosity: "low",
        jsonMode: true,
      }),
      { api: "responses" },
    );
    expect(result, "each field keeps its wire name and a typed value").toEqual({
      params: {
        maxTokens: 512,
        temperature: 0.7,
        topP: 0.95,
        frequencyPenalty: -1.5,
        presencePenalty: 2,
        reasoningEffort: "high",
        reasoningSummary: "detailed",
        verbosity: "low",
        jsonMode: true,
      },
    });
  });

  it("leaves JSON mode out when it is off", () => {
    expect(toParams(form({ jsonMode: false })), "off is the default, so it is not sent").toEqual({
      params: {},
    });
  });

  it.each([
    ["temperature", "0", 0],
    ["temperature", "2", 2],
    ["topP", "1", 1],
    ["frequencyPenalty", "-2", -2],
    ["presencePenalty", "2.0", 2],
    ["maxTokens", "1", 1],
    ["maxTokens", "4294967295", 4294967295],
  ] as const)("accepts the boundary %s = %s", (key, raw, value) => {
    expect(toParams(form({ [key]: raw })), `${raw} is inside the ${key} range`).toEqual({
      params: { [key]: value },
    });
  });

  it.each([
    ["temperature", "2.01", "Temperature must be between 0 and 2"],
    ["temperature", "-0.1", "Temperature must be between 0 and 2"],
    ["topP", "1.5", "Top P must be between 0 and 1"],
    ["frequencyPenalty", "-2.5", "Frequency penalty must be between −2 and 2"],
    ["presencePenalty", "3", "Presence penalty must be between −2 and 2"],
    ["maxTokens", "0", "Max tokens must be a whole number of at least 1"],
    ["maxTokens", "4294967296", "Max tokens must be at most 4294967295"],
  ] as const)("rejects %s = %s as out of range", (key, raw, message) => {
    expect(toParams(form({ [key]: raw })), "the message names the parameter and its range").toEqual({
      error: message,
    });
  });

  it.each(["abc", "1.2.3", "0x1", "Infinity", "NaN", "1,5", "--1", "."])(
    "rejects the non-number %j",
    (raw) => {
      expect(toParams(form({ temperature: raw })), `${raw} is not a number`).toEqual({
        error: "Temperature must be between 0 and 2",
      });
    },
  );

  it.each(["1.5", "10.01", "-3"])("rejects max tokens %j, which is not a whole number ≥ 1", (raw) => {
    expect(toParams(form({ maxTokens: raw })), "max tokens is a count of tokens").toEqual({
      error: "Max tokens must be a whole number of at least 1",
    });
  });

  it("accepts plain decimal spellings", () => {
    expect(
      toParams(form({ temperature: ".5", topP: "1.", maxTokens: "1e3" })),
      "leading/trailing dots and exponents are ordinary numbers",
    ).toEqual({ params: { temperature: 0.5, topP: 1, maxTokens: 1000 } });
  });

  it("reports the first field that is off", () => {
    expect(
      toParams(form({ temperature: "5", topP: "9" })),
      "fields are checked in the drawer's order",
    ).toEqual({ error: "Temperature must be between 0 and 2" });
  });

  it("leaves the reasoning summary out for Chat Completions accounts", () => {
    const filled = form({ reasoningSummary: "auto", reasoningEffort: "low" });
    expect(toParams(filled, { api: "chat" }), "/chat/completions has no reasoning summary").toEqual({
      params: { reasoningEffort: "low" },
    });
    expect(toParams(filled, { api: "responses" }), "the Responses API takes it").toEqual({
      params: { reasoningEffort: "low", reasoningSummary: "auto" },
    });
  });

  it("rejects a select value outside the known options", () => {
    const result = toParams(form({ verbosity: "loud" as never }));
    expect("error" in result && result.error, "only values the backend knows are sent").toMatch(
      /Verbosity must be one of/,
    );
  });
});

describe("fieldErrors", () => {
  it("gives one message per field that is off", () => {
    expect(
      fieldErrors(form({ temperature: "3", topP: "0.5", maxTokens: "0" })),
      "valid and empty fields have no message",
    ).toEqual({
      temperature: "Temperature must be between 0 and 2",
      maxTokens: "Max tokens must be a whole number of at least 1",
    });
  });
});

describe("ParamsState", () => {
  it("counts what would be sent to this kind of account", () => {
    const state = new ParamsState();
    state.setNumeric("temperature", "0");
    state.form.reasoningSummary = "auto";
    state.form.jsonMode = true;
    expect(state.countFor("responses"), "temperature 0, summary and JSON mode").toBe(3);
    expect(state.countFor("chat"), "the summary is not sent over Chat Completions").toBe(2);
  });

  it("blocks sending while a field is off and names the problem", () => {
    const state = new ParamsState();
    state.setNumeric("temperature", "2.5");
    state.setNumeric("topP", "7");
    expect(state.problem, "the first problem, and that there are more").toBe(
      "Temperature must be between 0 and 2 (and 1 more)",
    );
    expect(state.resultFor("chat"), "nothing can be sent").toEqual({
      error: "Temperature must be between 0 and 2 (and 1 more)",
    });
  });

  it("treats text the browser could not read as a number as an error, not as empty", () => {
    const state = new ParamsState();
    state.setNumeric("temperature", "", true);
    expect(state.errors.temperature, "an unreadable value must not silently mean 'not sent'").toBe(
      "Temperature must be between 0 and 2",
    );
    state.setNumeric("temperature", "1");
    expect(state.problem, "typing a valid number clears the error").toBeNull();
  });

  it("reset clears every field and every error", () => {
    const state = new ParamsState();
    state.setNumeric("maxTokens", "0");
    state.setNumeric("topP", "", true);
    state.form.verbosity = "high";
    state.form.jsonMode = true;
    state.reset();
    expect(state.form, "all fields are back to 'not sent'").toEqual(emptyParamsForm());
    expect(state.problem, "no error is left").toBeNull();
    expect(state.resultFor("responses"), "an empty parameter set goes out").toEqual({ params: {} });
  });
});
