// Conversation state: the turns on screen, how stream events change them, what goes to the
// backend, and (with the history) which stored messages they are and how branches change.
// Plain TypeScript with Svelte runes, no DOM.
import { t } from "../i18n/locale.svelte";
import {
  loadEarlier as ipcLoadEarlier,
  openConversation as ipcOpenConversation,
  sendMessage as ipcSendMessage,
  stopMessage as ipcStopMessage,
  switchBranch as ipcSwitchBranch,
  deleteMessage as ipcDeleteMessage,
  toIpcError,
  updateConversation as ipcUpdateConversation,
} from "../ipc";
import type {
  AttemptView,
  ChatMessage,
  CommandError,
  ConversationPatch,
  ConversationSummary,
  ConversationView,
  MessageStatus,
  NoticeText,
  Params,
  RenderedText,
  RouteView,
  SendRequest,
  StoredMessage,
  StoredPlacement,
  StreamEvent,
  Target,
} from "../ipc/types";

/**
 * `interrupted`: a stored answer that was cut off when Switchboard stopped. `writing`: a
 * stored answer another process (or an earlier window) is still writing; nothing streams here.
 */
export type AssistantStatus = "streaming" | "done" | "stopped" | "error" | "interrupted" | "writing";

export interface Usage {
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
}

/** Where a turn lives in the history; all null/empty for a turn that was never stored. */
export interface Placement {
  /** The stored message's id; null until the backend says (the `stored` event). */
  messageId: string | null;
  parentId: string | null;
  /**
   * This message and its siblings (other branches at this point), oldest first. A turn not
   * yet stored holds "" at its own place, so a new branch shows as "3 / 3" right away.
   */
  siblings: string[];
  siblingIndex: number;
}

export interface UserTurn extends Placement {
  role: "user";
  id: number;
  text: string;
  /** Attached images as `data:` URLs. */
  images: string[];
}

/** A system message stored in a branch (e.g. from an import). */
export interface SystemTurn extends Placement {
  role: "system";
  id: number;
  text: string;
}

export interface AssistantTurn extends Placement {
  role: "assistant";
  id: number;
  /** Known once `started` arrives or send_message resolves. */
  requestId: string | null;
  /** Where the message was sent: a pinned route or a logical model (null: a stored answer). */
  target: Target | null;
  /** Raw markdown received so far. */
  text: string;
  /** The answer's sanitized HTML from the backend; null until its first `rendered` event. */
  answer: RenderedText | null;
  reasoning: string;
  /** The reasoning's sanitized HTML; null until its first `rendered` event. */
  reasoningRendered: RenderedText | null;
  status: AssistantStatus;
  error: CommandError | null;
  usage: Usage | null;
  finishReason: string | null;
  /** Tool calls the model asked for, by index (Switchboard shows them; it does not run them). */
  toolCalls: ToolCall[];
  /** Parameters Switchboard adapted for this model, said plainly. */
  notices: string[];
  /** The provider's id for this answer (Responses API), to continue from it. */
  responseId: string | null;
  /** Milliseconds from sending to the first token, once known (after the answer ended). */
  timeToFirstTokenMs: number | null;
  /** Completion tokens per second after the first token, once known. */
  tokensPerSecond: number | null;
  /** Who answered and why other routes did not (the backend sends it for every answer). */
  route: { servedBy: RouteView | null; attempts: AttemptView[] } | null;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export type Turn = UserTurn | SystemTurn | AssistantTurn;

/** A user turn not stored (yet). */
export function newUserTurn(id: number, text: string, images: string[] = []): UserTurn {
  return { role: "user", id, text, images: [...images], messageId: null, parentId: null, siblings: [], siblingIndex: 0 };
}

export function newAssistantTurn(id: number, target: Target | null): AssistantTurn {
  return {
    role: "assistant",
    id,
    requestId: null,
    target,
    text: "",
    answer: null,
    reasoning: "",
    reasoningRendered: null,
    status: "streaming",
    error: null,
    usage: null,
    finishReason: null,
    toolCalls: [],
    notices: [],
    responseId: null,
    timeToFirstTokenMs: null,
    tokensPerSecond: null,
    route: null,
    messageId: null,
    parentId: null,
    siblings: [],
    siblingIndex: 0,
  };
}

/**
 * Applies one stream event to an assistant turn, in place. After the turn has ended
 * (done, stopped, error) only `usage` and `rendered` still apply, since a provider may
 * report usage after its finish reason; further text and terminal events are ignored,
 * so the first terminal event wins. `stored` is the conversation's business, not the turn's.
 */
export function applyStreamEvent(turn: AssistantTurn, event: StreamEvent): void {
  if (
    turn.status !== "streaming" &&
    event.type !== "usage" &&
    event.type !== "rendered" &&
    event.type !== "timing"
  ) {
    return;
  }
  switch (event.type) {
    case "started":
      turn.requestId = event.requestId;
      break;
    case "stored":
    case "titled":
      break;
    case "timing":
      turn.timeToFirstTokenMs = event.timeToFirstTokenMs;
      turn.tokensPerSecond = event.tokensPerSecond;
      break;
    case "textDelta":
      turn.text += event.text;
      break;
    case "reasoningDelta":
      turn.reasoning += event.text;
      break;
    case "notice":
      turn.notices.push(event.message);
      break;
    case "responseId":
      turn.responseId = event.id;
      break;
    case "route":
      turn.route = { servedBy: event.servedBy, attempts: event.attempts };
      break;
    case "toolCallDelta": {
      const call = (turn.toolCalls[event.index] ??= { id: "", name: "", arguments: "" });
      if (event.id !== null) call.id = event.id;
      if (event.name !== null) call.name = event.name;
      call.arguments += event.arguments;
      break;
    }
    case "rendered": {
      const field = event.part === "reasoning" ? "reasoningRendered" : "answer";
      const text = (turn[field] ??= { blocks: [], tail: "" });
      if (event.committed.length > 0) text.blocks.push(...event.committed);
      text.tail = event.tail;
      break;
    }
    case "usage":
      turn.usage = {
        promptTokens: event.promptTokens,
        completionTokens: event.completionTokens,
        totalTokens: event.totalTokens,
      };
      break;
    case "finished":
      turn.finishReason = event.reason;
      turn.status = "done";
      break;
    case "stopped":
      turn.status = "stopped";
      break;
    case "error":
      turn.status = "error";
      turn.error = { code: event.code, message: event.message };
      break;
  }
}

/** Fails a turn that is still streaming (e.g. send_message itself was rejected). */
export function failTurn(turn: AssistantTurn, error: CommandError): void {
  if (turn.status !== "streaming") return;
  turn.status = "error";
  turn.error = { code: error.code, message: error.message };
}

/**
 * The prior conversation as the provider should see it: user turns and the assistant
 * answers the user actually got. Failed, still-streaming and empty answers are left
 * out; a stopped answer keeps the text the user saw. (Only without the history: with it,
 * Rust builds the context from the stored branch.)
 */
export function buildHistory(turns: readonly Turn[]): ChatMessage[] {
  const history: ChatMessage[] = [];
  for (const turn of turns) {
    if (turn.role === "user") {
      history.push(
        turn.images.length > 0
          ? { role: "user", content: turn.text, images: [...turn.images] }
          : { role: "user", content: turn.text },
      );
    } else if (
      turn.role === "assistant" &&
      (turn.status === "done" || turn.status === "stopped") &&
      turn.text.trim() !== ""
    ) {
      history.push({ role: "assistant", content: turn.text });
    }
  }
  return history;
}

/** The account that answered a turn: the route record's, else the pinned target's. */
export function servedAccount(turn: AssistantTurn): string | null {
  if (turn.route?.servedBy) return turn.route.servedBy.accountId;
  return turn.target?.type === "account" ? turn.target.accountId : null;
}

/**
 * The response id of the last answer, when it completed; the provider stored that response.
 * With `accountId`, only when that account gave the answer: another provider (or another
 * account's key) never stored it.
 */
export function lastResponseId(turns: readonly Turn[], accountId?: string): string | null {
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    if (turn.role !== "assistant") continue;
    if (turn.status !== "done") return null;
    if (accountId !== undefined && servedAccount(turn) !== accountId) return null;
    return turn.responseId;
  }
  return null;
}

/** The on-screen status of a stored answer; `complete` is the same "done" a live answer ends with. */
export function assistantStatus(status: MessageStatus): AssistantStatus {
  switch (status) {
    case "complete":
      return "done";
    case "streaming":
      return "writing";
    default:
      return status;
  }
}

/** A stored message as a turn, numbered `id` for the screen. */
export function turnFromStored(message: StoredMessage, id: number): Turn {
  const placement: Placement = {
    messageId: message.id,
    parentId: message.parentId,
    siblings: [...message.siblings],
    siblingIndex: message.siblingIndex,
  };
  if (message.role === "user") {
    return { role: "user", id, text: message.content, images: [...message.images], ...placement };
  }
  if (message.role !== "assistant") {
    return { role: message.role, id, text: message.content, ...placement };
  }
  return {
    ...newAssistantTurn(id, null),
    ...placement,
    text: message.content,
    answer: message.html === null ? null : { blocks: [message.html], tail: "" },
    reasoning: message.reasoning,
    reasoningRendered: message.reasoningHtml === null ? null : { blocks: [message.reasoningHtml], tail: "" },
    status: assistantStatus(message.status),
    error: message.error ? { code: message.error.code, message: message.error.message } : null,
    usage: message.usage ? { ...message.usage } : null,
    timeToFirstTokenMs: message.timeToFirstTokenMs,
    tokensPerSecond: message.tokensPerSecond,
    finishReason: message.finishReason,
    route: message.route
      ? { servedBy: message.route.servedBy, attempts: [...message.route.attempts] }
      : null,
  };
}

export interface ChatIpc {
  sendMessage(request: SendRequest, onEvent: (event: StreamEvent) => void): Promise<string>;
  stopMessage(requestId: string): Promise<void>;
}

/** The history commands a conversation needs; without them nothing is stored. */
export interface HistoryIpc {
  openConversation(id: string, limit?: number): Promise<ConversationView>;
  loadEarlier(id: string, before: number, limit: number): Promise<ConversationView>;
  switchBranch(conversationId: string, messageId: string): Promise<ConversationView>;
  deleteMessage(conversationId: string, messageId: string): Promise<ConversationView>;
  updateConversation(id: string, patch: ConversationPatch): Promise<ConversationSummary>;
}

const defaultIpc: ChatIpc = { sendMessage: ipcSendMessage, stopMessage: ipcStopMessage };

export const defaultHistoryIpc: HistoryIpc = {
  openConversation: ipcOpenConversation,
  loadEarlier: ipcLoadEarlier,
  switchBranch: ipcSwitchBranch,
  deleteMessage: ipcDeleteMessage,
  updateConversation: ipcUpdateConversation,
};

/** How many messages of a branch are loaded at once (the last ones when opening). */
export const PAGE_SIZE = 200;

/** How long a message found by search stays highlighted. */
export const HIGHLIGHT_MS = 2000;

export interface SendSettings {
  params: Params;
  /** The pinned account lets the provider keep the conversation (Responses API). */
  serverState?: boolean;
  /** A native notice for when a long answer finishes in the background; omit for none. */
  notice?: NoticeText;
}

/** What changed in the history, for whoever shows the conversation list. */
export type HistoryChange = "created" | "ended" | "titled";

/** One exchange to start: which turns stay, where it is stored, what is asked. */
interface Exchange {
  /** Turns kept on screen before the new ones (the rest belonged to another branch). */
  keep: number;
  parentId: string | null;
  regenerate: boolean;
  /** The new question; null when regenerating. */
  question: string | null;
  /** The new question's images. */
  images?: string[];
  /** Siblings the new question joins (an edit's), or the new answer (a regeneration's). */
  siblings: string[];
  previousResponseId: string | null;
}

export class Conversation {
  turns: Turn[] = $state([]);
  /** Set when a Stop request itself failed. */
  stopError: CommandError | null = $state(null);
  /** The stored conversation on screen; null for a new one (its first send creates it). */
  id: string | null = $state(null);
  title = $state("");
  /** The conversation's target when it was opened (the model picker follows it). */
  target: Target | null = $state(null);
  /** The parameters its last message was sent with, when opened (the drawer follows them). */
  params: Params | null = $state(null);
  /** The conversation's system prompt: kept with a stored conversation and sent before its
   * branch with every message; a new conversation's goes with its first message. */
  systemPrompt: string | null = $state(null);
  /** The branch index of the first turn on screen: > 0 when earlier messages are not loaded. */
  start = $state(0);
  loadingEarlier = $state(false);
  /** Opening, switching or paging failed. */
  historyError: CommandError | null = $state(null);
  /** The message found by search, highlighted for a moment. */
  highlight: string | null = $state(null);
  /** Counts the views put on screen (another conversation, branch or a new chat). */
  viewVersion = $state(0);
  /** Called when the stored history changed: a conversation was created, an answer ended. */
  onhistorychange: ((change: HistoryChange) => void) | null = null;

  #nextId = 1;
  #stopWanted = false;
  /** Only the newest open/switch may show its view: answers can come back out of order. */
  #generation = 0;
  #highlightTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #ipc: ChatIpc;
  readonly #history: HistoryIpc | null;

  /** `history` null: nothing is stored and each request carries the whole conversation. */
  constructor(ipc: ChatIpc = defaultIpc, history: HistoryIpc | null = defaultHistoryIpc) {
    this.#ipc = ipc;
    this.#history = history;
  }

  get stored(): boolean {
    return this.#history !== null;
  }

  /** The answer currently streaming, if any. */
  get active(): AssistantTurn | null {
    const last = this.turns.at(-1);
    return last?.role === "assistant" && last.status === "streaming" ? last : null;
  }

  get inFlight(): boolean {
    return this.active !== null;
  }

  /** Earlier messages of the branch are not loaded yet. */
  get hasEarlier(): boolean {
    return this.id !== null && this.start > 0;
  }

  /**
   * Sends `text` as the next user turn and streams the answer into a new assistant turn,
   * to `target` with the given generation parameters. Returns false (and does nothing) when
   * the text is blank or an answer is still streaming.
   */
  async send(target: Target, text: string, settings: SendSettings, images: string[] = []): Promise<boolean> {
    if ((text.trim() === "" && images.length === 0) || this.inFlight) return false;
    // With server state the provider already holds the conversation up to its last answer:
    // send only the new message. Only a pinned Responses route has one provider to hold it;
    // without a usable previous answer from that account, resend the history.
    const previousResponseId =
      target.type === "account" && target.api === "responses" && settings.serverState
        ? lastResponseId(this.turns, target.accountId)
        : null;
    if (!this.stored) {
      const history = previousResponseId === null ? buildHistory(this.turns) : [];
      history.push(images.length > 0 ? { role: "user", content: text, images: [...images] } : { role: "user", content: text });
      this.turns.push(newUserTurn(this.#nextId++, text, images));
      this.turns.push(newAssistantTurn(this.#nextId++, { ...target }));
      await this.#stream(this.turns.at(-1) as AssistantTurn, {
        target: { ...target },
        messages: history,
        params: { ...settings.params },
        ...(previousResponseId === null ? {} : { previousResponseId }),
        ...(settings.notice ? { notice: { ...settings.notice } } : {}),
      });
      return true;
    }
    return this.#exchange(target, settings, {
      keep: this.turns.length,
      parentId: this.#lastStoredId(this.turns.length),
      regenerate: false,
      question: text,
      images,
      siblings: [],
      previousResponseId,
    });
  }

  /**
   * Sends an edited version of a stored user message as a new branch beside it (same parent);
   * the screen then shows that branch.
   */
  async edit(turn: Turn, text: string, target: Target, settings: SendSettings): Promise<boolean> {
    const index = this.#indexOf(turn);
    const current = this.turns[index];
    if (index < 0 || current?.role !== "user" || current.messageId === null) return false;
    if (text.trim() === "" || this.inFlight || !this.stored) return false;
    return this.#exchange(target, settings, {
      keep: index,
      parentId: current.parentId,
      regenerate: false,
      question: text,
      // The edit keeps the question's images.
      images: current.images,
      siblings: current.siblings,
      previousResponseId: null,
    });
  }

  /** Asks again for the answer `turn` (a new sibling answer to the same question). */
  async regenerate(turn: Turn, target: Target, settings: SendSettings): Promise<boolean> {
    const index = this.#indexOf(turn);
    const parentId = this.questionOf(turn);
    if (index < 0 || parentId === null || this.inFlight || !this.stored) return false;
    const current = this.turns[index] as AssistantTurn;
    return this.#exchange(target, settings, {
      keep: index,
      parentId,
      regenerate: true,
      question: null,
      siblings: current.messageId === null ? [] : current.siblings,
      previousResponseId: null,
    });
  }

  /**
   * Asks the model to go on after a cut-off answer: a new user message "Continue" (in the
   * reader's language, as if typed) right after it (a new branch when something already
   * follows it).
   */
  async continueAfter(turn: Turn, target: Target, settings: SendSettings): Promise<boolean> {
    const index = this.#indexOf(turn);
    const current = this.turns[index];
    if (index < 0 || !current || current.messageId === null || this.inFlight || !this.stored) {
      return false;
    }
    const next = this.turns[index + 1];
    const previousResponseId =
      next === undefined &&
      target.type === "account" &&
      target.api === "responses" &&
      settings.serverState
        ? lastResponseId(this.turns, target.accountId)
        : null;
    return this.#exchange(target, settings, {
      keep: index + 1,
      parentId: current.messageId,
      regenerate: false,
      question: t("Continue"),
      siblings: next && next.messageId !== null ? next.siblings : [],
      previousResponseId,
    });
  }

  /**
   * The stored question an answer replies to, when it can be asked again. `index`: where the
   * turn is on screen, when the caller knows.
   */
  questionOf(turn: Turn, index: number = this.#indexOf(turn)): string | null {
    if (turn.role !== "assistant") return null;
    const before = this.turns[index - 1];
    if (before?.role !== "user" || before.messageId === null) return null;
    if (turn.messageId !== null && turn.parentId !== before.messageId) return null;
    return before.messageId;
  }

  /** Asks the backend to abort the streaming answer; the `stopped` event ends the turn. */
  async stop(): Promise<void> {
    const turn = this.active;
    if (!turn) return;
    if (turn.requestId === null) {
      // The request id is not known yet: stop as soon as it is.
      this.#stopWanted = true;
      return;
    }
    await this.#requestStop(turn.requestId);
  }

  /** Starts a new, unsaved conversation. */
  clear(): void {
    if (this.inFlight) return;
    this.#generation++;
    this.viewVersion++;
    this.turns = [];
    this.stopError = null;
    this.historyError = null;
    this.id = null;
    this.title = "";
    this.target = null;
    this.params = null;
    // A new chat starts without the previous conversation's instructions.
    this.systemPrompt = null;
    this.start = 0;
    this.#setHighlight(null);
  }

  /**
   * Sets the system prompt ("" or only spaces removes it). A stored conversation keeps it at
   * once; it applies from the next message on. Resolves to why it could not be saved, or null.
   */
  async setSystemPrompt(text: string): Promise<CommandError | null> {
    const prompt = text.trim() === "" ? null : text;
    if (this.id === null || !this.#history) {
      this.systemPrompt = prompt;
      return null;
    }
    try {
      await this.#history.updateConversation(this.id, { systemPrompt: prompt });
      this.systemPrompt = prompt;
      return null;
    } catch (e) {
      return toIpcError(e).toCommandError();
    }
  }

  /** Opens a stored conversation on its current branch (the last page of it). */
  async open(id: string): Promise<boolean> {
    const history = this.#history;
    if (!history || this.inFlight) return false;
    return this.#showFrom(() => history.openConversation(id, PAGE_SIZE));
  }

  /** Shows the branch through `messageId` (a sibling of a message on screen, or a search hit). */
  async switchBranch(messageId: string, conversationId: string | null = this.id): Promise<boolean> {
    const history = this.#history;
    if (!history || conversationId === null || messageId === "" || this.inFlight) return false;
    return this.#showFrom(() => history.switchBranch(conversationId, messageId));
  }

  /**
   * Deletes a stored message and everything below it (its answers and the branches after it);
   * the conversation then shows the branch that remains.
   */
  async deleteMessage(turn: Turn): Promise<boolean> {
    const history = this.#history;
    const conversationId = this.id;
    if (!history || conversationId === null || turn.messageId === null || this.inFlight) return false;
    const messageId = turn.messageId;
    const shown = await this.#showFrom(() => history.deleteMessage(conversationId, messageId));
    if (shown) this.onhistorychange?.("ended");
    return shown;
  }

  /**
   * Opens a conversation at a message found by search: its branch, paged back until the
   * message is on screen, then highlighted for a moment.
   */
  async reveal(conversationId: string, messageId: string | null): Promise<boolean> {
    if (this.inFlight) return false;
    const onScreen = (): boolean =>
      this.id === conversationId && this.turns.some((turn) => turn.messageId === messageId);
    if (messageId === null || !onScreen()) {
      // Open it first: the branch the user left it on may well hold the message, and then
      // nothing needs to change. Otherwise show the branch through the message.
      if (!(await this.open(conversationId))) return false;
      if (messageId === null) return true;
      if (!onScreen() && !(await this.switchBranch(messageId, conversationId))) return false;
      while (!onScreen() && this.hasEarlier) {
        if ((await this.loadEarlier()) === 0) break;
      }
    }
    this.#setHighlight(messageId);
    return true;
  }

  /** Loads the page before the first message on screen. Returns how many messages came. */
  async loadEarlier(): Promise<number> {
    const history = this.#history;
    const id = this.id;
    if (!history || id === null || this.start <= 0 || this.loadingEarlier) return 0;
    const generation = this.#generation;
    this.loadingEarlier = true;
    try {
      const view = await history.loadEarlier(id, this.start, PAGE_SIZE);
      if (generation !== this.#generation || this.id !== id) return 0;
      // Only what comes before the first message on screen, in case the page overlaps.
      const count = Math.max(0, Math.min(view.messages.length, this.start - view.start));
      const earlier = view.messages.slice(0, count).map((m) => turnFromStored(m, this.#nextId++));
      this.turns = [...earlier, ...this.turns];
      this.start = view.start;
      this.historyError = null;
      return earlier.length;
    } catch (e) {
      if (generation === this.#generation) this.historyError = toIpcError(e).toCommandError();
      return 0;
    } finally {
      if (generation === this.#generation) this.loadingEarlier = false;
    }
  }

  /** Puts a conversation view on screen. */
  show(view: ConversationView): void {
    this.#generation++;
    this.viewVersion++;
    this.id = view.id;
    this.title = view.title;
    this.target = view.target;
    this.params = view.params;
    this.systemPrompt = view.systemPrompt;
    this.start = view.start;
    this.turns = view.messages.map((m) => turnFromStored(m, this.#nextId++));
    this.stopError = null;
    this.historyError = null;
    this.loadingEarlier = false;
    this.#setHighlight(null);
  }

  async #showFrom(load: () => Promise<ConversationView>): Promise<boolean> {
    const generation = ++this.#generation;
    try {
      const view = await load();
      if (generation !== this.#generation || this.inFlight) return false;
      this.show(view);
      return true;
    } catch (e) {
      if (generation === this.#generation) this.historyError = toIpcError(e).toCommandError();
      return false;
    }
  }

  #setHighlight(messageId: string | null): void {
    if (this.#highlightTimer !== null) clearTimeout(this.#highlightTimer);
    this.#highlightTimer = null;
    this.highlight = messageId;
    if (messageId !== null) {
      this.#highlightTimer = setTimeout(() => {
        this.#highlightTimer = null;
        if (this.highlight === messageId) this.highlight = null;
      }, HIGHLIGHT_MS);
    }
  }

  #indexOf(turn: Turn): number {
    return this.turns.findIndex((other) => other.id === turn.id);
  }

  /** The last stored message among the first `count` turns: what a new message follows. */
  #lastStoredId(count: number): string | null {
    for (let i = count - 1; i >= 0; i--) {
      const id = this.turns[i]!.messageId;
      if (id !== null) return id;
    }
    return null;
  }

  async #exchange(target: Target, settings: SendSettings, exchange: Exchange): Promise<boolean> {
    const { keep, parentId, regenerate, question, siblings, previousResponseId } = exchange;
    const images = exchange.images ?? [];
    const conversationId = this.id;
    const placement: StoredPlacement = { conversationId, parentId };
    if (regenerate) placement.regenerate = true;
    if (conversationId === null) placement.systemPrompt = this.systemPrompt;

    // Whatever followed the branch point belongs to the branch being left.
    if (keep < this.turns.length) this.turns = this.turns.slice(0, keep);
    if (question !== null) {
      this.turns.push({
        role: "user",
        id: this.#nextId++,
        text: question,
        images: [...images],
        messageId: null,
        parentId,
        siblings: [...siblings, ""],
        siblingIndex: siblings.length,
      });
    }
    const answer = newAssistantTurn(this.#nextId++, { ...target });
    if (regenerate) {
      answer.parentId = parentId;
      answer.siblings = [...siblings, ""];
      answer.siblingIndex = siblings.length;
    } else {
      answer.siblings = [""];
    }
    this.turns.push(answer);
    // Read back the reactive proxies so later mutations update the screen.
    const turn = this.turns.at(-1) as AssistantTurn;
    const asked = question === null ? null : (this.turns.at(-2) as UserTurn);

    const onStored = (event: Extract<StreamEvent, { type: "stored" }>): void => {
      if (asked && event.userMessageId !== null) {
        asked.messageId = event.userMessageId;
        asked.siblings[asked.siblingIndex] = event.userMessageId;
      }
      turn.messageId = event.answerId;
      turn.parentId = event.userMessageId ?? parentId;
      turn.siblings[turn.siblingIndex] = event.answerId;
      if (this.id === null) {
        this.id = event.conversationId;
        this.onhistorychange?.("created");
      }
    };

    await this.#stream(
      turn,
      {
        // Copies, so the request never aliases reactive state.
        target: { ...target },
        conversation: placement,
        messages:
          question === null
            ? []
            : [images.length > 0 ? { role: "user", content: question, images: [...images] } : { role: "user", content: question }],
        params: { ...settings.params },
        ...(previousResponseId === null ? {} : { previousResponseId }),
        ...(settings.notice ? { notice: { ...settings.notice } } : {}),
      },
      onStored,
    );
    return true;
  }

  /** Sends `request` and streams its events into `turn`. */
  async #stream(
    turn: AssistantTurn,
    request: SendRequest,
    onStored?: (event: Extract<StreamEvent, { type: "stored" }>) => void,
  ): Promise<void> {
    this.#stopWanted = false;
    this.stopError = null;
    const ended = (): void => {
      if (request.conversation) this.onhistorychange?.("ended");
    };
    try {
      const requestId = await this.#ipc.sendMessage(request, (event) => {
        if (event.type === "stored") {
          onStored?.(event);
          return;
        }
        if (event.type === "titled") {
          if (this.id === event.conversationId) this.title = event.title;
          this.onhistorychange?.("titled");
          return;
        }
        const before = turn.requestId;
        const wasStreaming = turn.status === "streaming";
        applyStreamEvent(turn, event);
        if (before === null && turn.requestId !== null) this.#stopIfWanted(turn);
        if (wasStreaming && turn.status !== "streaming") ended();
      });
      if (turn.requestId === null) {
        turn.requestId = requestId;
        this.#stopIfWanted(turn);
      }
    } catch (e) {
      const wasStreaming = turn.status === "streaming";
      failTurn(turn, toIpcError(e).toCommandError());
      if (wasStreaming) ended();
    }
  }

  #stopIfWanted(turn: AssistantTurn): void {
    if (this.#stopWanted && turn.status === "streaming" && turn.requestId !== null) {
      this.#stopWanted = false;
      void this.#requestStop(turn.requestId);
    }
  }

  async #requestStop(requestId: string): Promise<void> {
    try {
      await this.#ipc.stopMessage(requestId);
    } catch (e) {
      this.stopError = toIpcError(e).toCommandError();
    }
  }
}
