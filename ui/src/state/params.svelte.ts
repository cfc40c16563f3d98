// Generation parameters from the drawer in the chat header: the raw form values, how they
// are checked, and the `Params` object that goes to the backend. The form keeps strings so
// that an empty field can mean "not sent" and what the user typed is checked as typed.
// Kept for the session only (App owns one instance); nothing is written to storage.
import { t } from "../i18n/locale.svelte";
import type { Api, Params, ReasoningEffort, ReasoningSummary, Verbosity } from "../ipc/types";

export interface ParamsForm {
  maxTokens: string;
  temperature: string;
  topP: string;
  frequencyPenalty: string;
  presencePenalty: string;
  reasoningEffort: "" | ReasoningEffort;
  reasoningSummary: "" | ReasoningSummary;
  verbosity: "" | Verbosity;
  jsonMode: boolean;
}

export type NumericKey = "maxTokens" | "temperature" | "topP" | "frequencyPenalty" | "presencePenalty";

// Labels and messages are getters: read in the current language each time they are shown.
export interface NumericSpec {
  key: NumericKey;
  readonly label: string;
  min: number;
  /** Upper bound; for max tokens the largest value the backend can take. */
  max: number;
  integer: boolean;
  /** Increment for the number input's arrows. */
  step: string;
  /** Short range text shown next to the field. */
  range: string;
  /** The whole-sentence message shown when the value is off. */
  readonly message: string;
  /** A more precise message for a value above `max`, when `message` doesn't say it. */
  readonly tooLarge?: string;
}

/** Largest max tokens the backend accepts (it is a u32 on the Rust side). */
export const MAX_TOKENS_LIMIT = 4_294_967_295;

export const NUMERIC_FIELDS: readonly NumericSpec[] = [
  {
    key: "maxTokens",
    get label() {
      return t("Max tokens");
    },
    min: 1,
    max: MAX_TOKENS_LIMIT,
    integer: true,
    step: "1",
    range: "≥ 1",
    get message() {
      return t("Max tokens must be a whole number of at least 1");
    },
    get tooLarge() {
      return t("Max tokens must be at most {max}", { max: MAX_TOKENS_LIMIT });
    },
  },
  {
    key: "temperature",
    get label() {
      return t("Temperature");
    },
    min: 0,
    max: 2,
    integer: false,
    step: "0.1",
    range: "0–2",
    get message() {
      return t("Temperature must be between 0 and 2");
    },
  },
  {
    key: "topP",
    get label() {
      return t("Top P");
    },
    min: 0,
    max: 1,
    integer: false,
    step: "0.05",
    range: "0–1",
    get message() {
      return t("Top P must be between 0 and 1");
    },
  },
  {
    key: "frequencyPenalty",
    get label() {
      return t("Frequency penalty");
    },
    min: -2,
    max: 2,
    integer: false,
    step: "0.1",
    range: "−2–2",
    get message() {
      return t("Frequency penalty must be between −2 and 2");
    },
  },
  {
    key: "presencePenalty",
    get label() {
      return t("Presence penalty");
    },
    min: -2,
    max: 2,
    integer: false,
    step: "0.1",
    range: "−2–2",
    get message() {
      return t("Presence penalty must be between −2 and 2");
    },
  },
];

export const REASONING_EFFORTS: readonly ReasoningEffort[] = [
  "none",
  "minimal",
  "low",
  "medium",
  "high",
  "xhigh",
];
export const REASONING_SUMMARIES: readonly ReasoningSummary[] = ["auto", "concise", "detailed"];
export const VERBOSITIES: readonly Verbosity[] = ["low", "medium", "high"];

export function emptyParamsForm(): ParamsForm {
  return {
    maxTokens: "",
    temperature: "",
    topP: "",
    frequencyPenalty: "",
    presencePenalty: "",
    reasoningEffort: "",
    reasoningSummary: "",
    verbosity: "",
    jsonMode: false,
  };
}

// A plain decimal number: optional sign, digits with an optional fraction (or a bare
// fraction), optional exponent. Rules out what Number() would also take: "", " ",
// "0x10", "Infinity", "1_000".
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(raw: string): number | null {
  const text = raw.trim();
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n + 0 : null; // + 0 turns -0 into 0
}

type Checked = { value: number | undefined } | { error: string };

/** Checks one numeric field: blank is "not sent", anything else must be in range. */
export function checkNumeric(spec: NumericSpec, raw: string): Checked {
  if (raw.trim() === "") return { value: undefined };
  const n = parseNumber(raw);
  if (n === null || n < spec.min || (spec.integer && !Number.isInteger(n))) {
    return { error: spec.message };
  }
  if (n > spec.max) return { error: spec.tooLarge ?? spec.message };
  return { value: n };
}

/** The message for each numeric field that is off, by key; empty when all are fine. */
export function fieldErrors(form: ParamsForm): Partial<Record<NumericKey, string>> {
  const errors: Partial<Record<NumericKey, string>> = {};
  for (const spec of NUMERIC_FIELDS) {
    const checked = checkNumeric(spec, form[spec.key]);
    if ("error" in checked) errors[spec.key] = checked.error;
  }
  return errors;
}

function oneOf<T extends string>(allowed: readonly T[], value: string): value is T {
  return (allowed as readonly string[]).includes(value);
}

export interface ToParamsOptions {
  /**
   * The target account's protocol. Reasoning summary only exists in the Responses API,
   * so it is left out for "chat". Without it every set field is kept.
   */
  api?: Api;
}

/**
 * Turns the drawer's values into the `Params` to send: only set fields are present,
 * numbers as numbers, JSON mode only when on. The first problem found is returned instead
 * when a field is off.
 */
export function toParams(
  form: ParamsForm,
  options: ToParamsOptions = {},
): { params: Params } | { error: string } {
  const params: Params = {};
  for (const spec of NUMERIC_FIELDS) {
    const checked = checkNumeric(spec, form[spec.key]);
    if ("error" in checked) return { error: checked.error };
    if (checked.value !== undefined) params[spec.key] = checked.value;
  }
  if (form.reasoningEffort !== "") {
    if (!oneOf(REASONING_EFFORTS, form.reasoningEffort)) {
      return { error: t("Reasoning effort must be one of {values}", { values: REASONING_EFFORTS.join(", ") }) };
    }
    params.reasoningEffort = form.reasoningEffort;
  }
  if (form.reasoningSummary !== "" && options.api !== "chat") {
    if (!oneOf(REASONING_SUMMARIES, form.reasoningSummary)) {
      return {
        error: t("Reasoning summary must be one of {values}", { values: REASONING_SUMMARIES.join(", ") }),
      };
    }
    params.reasoningSummary = form.reasoningSummary;
  }
  if (form.verbosity !== "") {
    if (!oneOf(VERBOSITIES, form.verbosity)) {
      return { error: t("Verbosity must be one of {values}", { values: VERBOSITIES.join(", ") }) };
    }
    params.verbosity = form.verbosity;
  }
  if (form.jsonMode) params.jsonMode = true;
  return { params };
}

/** The drawer's state for the session. */
export class ParamsState {
  form: ParamsForm = $state(emptyParamsForm());
  /** Whether the drawer is open; kept so it stays as left when the chat comes back. */
  open = $state(false);
  /**
   * Number fields whose text the browser could not read as a number (e.g. "1e"): the
   * input then reports an empty value, which must not silently mean "not sent".
   */
  unreadable: Partial<Record<NumericKey, boolean>> = $state({});

  /** Inline message per numeric field that is off. */
  get errors(): Partial<Record<NumericKey, string>> {
    const errors = fieldErrors(this.form);
    for (const spec of NUMERIC_FIELDS) {
      if (this.unreadable[spec.key]) errors[spec.key] = spec.message;
    }
    return errors;
  }

  /** Why sending is blocked, or null when the parameters can be sent. */
  get problem(): string | null {
    const messages = Object.values(this.errors);
    if (messages.length === 0) return null;
    const more = messages.length - 1;
    return more > 0 ? t("{problem} (and {more} more)", { problem: messages[0] ?? "", more }) : (messages[0] ?? null);
  }

  /** Sets a numeric field from its input; `unreadable` when the browser flags bad input. */
  setNumeric(key: NumericKey, raw: string, unreadable = false): void {
    this.form[key] = raw;
    this.unreadable[key] = unreadable;
  }

  /** What goes to an account with this protocol. */
  resultFor(api: Api): { params: Params } | { error: string } {
    const problem = this.problem;
    if (problem !== null) return { error: problem };
    return toParams(this.form, { api });
  }

  /** How many parameters would be sent to an account with this protocol. */
  countFor(api: Api): number {
    const result = toParams(this.form, { api });
    if ("params" in result) return Object.keys(result.params).length;
    // While a field is off, count what is filled in so the badge doesn't jump.
    let count = 0;
    for (const spec of NUMERIC_FIELDS) if (this.form[spec.key].trim() !== "") count++;
    if (this.form.reasoningEffort !== "") count++;
    if (this.form.reasoningSummary !== "" && api !== "chat") count++;
    if (this.form.verbosity !== "") count++;
    if (this.form.jsonMode) count++;
    return count;
  }

  reset(): void {
    this.form = emptyParamsForm();
    this.unreadable = {};
  }

  /** Fills the drawer with parameters as they were sent (a stored conversation's). */
  load(params: Params): void {
    const text = (n: number | undefined): string => (n === undefined ? "" : String(n));
    this.form = {
      maxTokens: text(params.maxTokens),
      temperature: text(params.temperature),
      topP: text(params.topP),
      frequencyPenalty: text(params.frequencyPenalty),
      presencePenalty: text(params.presencePenalty),
      reasoningEffort: params.reasoningEffort ?? "",
      reasoningSummary: params.reasoningSummary ?? "",
      verbosity: params.verbosity ?? "",
      jsonMode: params.jsonMode ?? false,
    };
    this.unreadable = {};
  }
}
