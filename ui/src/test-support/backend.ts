// A fake backend for component tests: answers every command from memory through
// @tauri-apps/api/mocks, records each call and exposes each stream's channel.
import type { Channel } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  AccountUpdate,
  AccountView,
  ConnectionReport,
  ConversationPatch,
  ConversationSummary,
  ConversationView,
  ImportReport,
  KeyringStatus,
  ModelGroup,
  NewAccount,
  Params,
  PresetView,
  SearchHit,
  SendRequest,
  StoredMessage,
  StreamEvent,
  Target,
} from "../ipc/types";
import { OK, PRESETS } from "./fixtures";
import { ChannelFeed } from "./tauri";

/** A stored message as the fake keeps it (siblings are computed when a view is built). */
export type FakeMessage = Omit<StoredMessage, "siblings" | "siblingIndex"> & { conversationId: string };

/** A stored conversation as the fake keeps it. */
export interface FakeConversation extends ConversationSummary {
  systemPrompt: string | null;
  target: Target | null;
  /** The parameters its last message was sent with (as Rust keeps them). */
  params?: Params | null;
  /** The last message of the branch being shown. */
  leaf: string | null;
}

/** What a test gives to seed a message: ids and text, the rest defaults to a complete message. */
export type SeedMessage = Partial<FakeMessage> & Pick<FakeMessage, "id" | "role" | "content">;

/** A channel feed that also tells the fake's store about each event (as Rust records answers). */
class RecordingFeed extends ChannelFeed<StreamEvent> {
  constructor(
    channel: Channel<StreamEvent>,
    private readonly observe: (event: StreamEvent) => void,
  ) {
    super(channel);
  }

  override send(...messages: StreamEvent[]): void {
    for (const message of messages) this.observe(message);
    super.send(...messages);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export type Call = { cmd: string; args: Record<string, unknown> };

export class FakeBackend {
  accounts: AccountView[] = [];
  presets: PresetView[] = structuredClone(PRESETS);
  groups: ModelGroup[] = [];
  keyring: KeyringStatus = { available: true, message: null };
  reports: Record<string, ConnectionReport> = {};
  /** A command name here rejects with the given value. */
  failures: Record<string, unknown> = {};
  calls: Call[] = [];
  /** What get_app_settings answers; set_default_proxy changes it (a blank proxy clears it). */
  appSettings: { defaultProxy: string | null; dataDir: string } = { defaultProxy: null, dataDir: "/home/user/.local/share/switchboard" };
  /** A command name here answers only once its promise settles (to hold a reply back). */
  gates: Record<string, Promise<void>> = {};
  feeds: ChannelFeed<StreamEvent>[] = [];

  // The history, kept in memory like the SQLite store keeps it.
  conversations: FakeConversation[] = [];
  messages: FakeMessage[] = [];
  /** What import_history answers (set `failures.import_history` to refuse). */
  importReport: ImportReport = { conversations: 0, messages: 0 };
  /** Where exports are written. */
  downloads = "/home/user/Downloads";
  /** search_history answers: by query, else a plain substring search over the messages. */
  searchResults: Record<string, SearchHit[]> = {};
  #clock = 1_700_000_000_000;
  /** Rendered pages of streaming answers, by answer id. */
  #pages = new Map<string, { committed: string; tail: string }>();
  #ids = 0;

  install(): void {
    mockIPC((cmd, raw) => {
      const args = (raw ?? {}) as Record<string, unknown>;
      this.calls.push({ cmd, args });
      if (cmd in this.failures) throw this.failures[cmd];
      const gate = this.gates[cmd];
      return gate ? gate.then(() => this.answer(cmd, args)) : this.answer(cmd, args);
    });
  }

  called(cmd: string): Call[] {
    return this.calls.filter((c) => c.cmd === cmd);
  }

  private answer(cmd: string, args: Record<string, unknown>): unknown {
    switch (cmd) {
      case "list_accounts":
        return structuredClone(this.accounts);
      case "list_presets":
        return structuredClone(this.presets);
      case "list_models":
        return structuredClone(this.groups);
      case "keyring_status":
        return { ...this.keyring };
      case "add_account": {
        const input = args.account as NewAccount;
        const view: AccountView = {
          id: `acc-${this.accounts.length + 1}`,
          label: input.label,
          baseUrl: input.baseUrl,
          model: input.model,
          api: input.api,
          serverState: input.serverState,
          preset: input.preset ?? "custom",
          allowHttp: input.allowHttp ?? false,
          headers: input.headers ?? [],
          enabled: true,
          hasKey: input.apiKey !== "",
          keyHint: input.apiKey === "" ? null : input.apiKey.slice(-4),
          keyProblem: null,
          proxy: input.proxy ?? null,
          hasProxyPassword: (input.proxyPassword ?? "") !== "",
          maxConcurrent: input.maxConcurrent ?? null,
          customModels: input.customModels ?? [],
          health: input.apiKey === "" ? { state: "no_key", detail: null, retryInSecs: null } : OK,
        };
        this.accounts.push(view);
        return structuredClone(view);
      }
      case "update_account": {
        const { id, update } = args as { id: string; update: AccountUpdate };
        const index = this.accounts.findIndex((a) => a.id === id);
        if (index < 0) throw { code: "not_found", message: `no account ${id}` };
        const old = this.accounts[index]!;
        const { apiKey, proxyPassword, ...settings } = update;
        const view: AccountView = {
          ...old,
          ...settings,
          hasKey: old.hasKey || (apiKey ?? "") !== "",
          keyHint: apiKey ? apiKey.slice(-4) : old.keyHint,
          hasProxyPassword: old.hasProxyPassword || (proxyPassword ?? "") !== "",
          health: settings.enabled ? old.health : { state: "disabled", detail: null, retryInSecs: null },
        };
        this.accounts[index] = view;
        return structuredClone(view);
      }
      case "delete_key": {
        const account = this.accounts.find((a) => a.id === args.id);
        if (!account) throw { code: "not_found", message: "no such account" };
        account.hasKey = false;
        account.keyHint = null;
        return structuredClone(account);
      }
      case "reorder_accounts": {
        const ids = args.ids as string[];
        const reordered = ids.map((id) => this.accounts.find((a) => a.id === id));
        if (reordered.length !== this.accounts.length || reordered.some((a) => a === undefined)) {
          throw { code: "invalid_input", message: "The account list changed meanwhile." };
        }
        this.accounts = reordered as AccountView[];
        return structuredClone(this.accounts);
      }
      case "remove_account":
        this.accounts = this.accounts.filter((a) => a.id !== args.id);
        return null;
      case "test_account": {
        const report = this.reports[args.id as string];
        if (!report) throw { code: "internal", message: `no report for ${String(args.id)}` };
        return structuredClone(report);
      }
      case "send_message": {
        const request = args.request as SendRequest;
        const channel = args.onEvent as Channel<StreamEvent>;
        if (!request.conversation) {
          this.feeds.push(new ChannelFeed(channel));
          return `req-${this.feeds.length}`;
        }
        const stored = this.place(request);
        const feed = new RecordingFeed(channel, (event) => this.record(stored.answerId, event));
        this.feeds.push(feed);
        feed.send(stored);
        return `req-${this.feeds.length}`;
      }
      case "list_conversations": {
        const archived = args.archived as boolean;
        return this.conversations
          .filter((c) => c.archived === archived)
          .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updatedAt - a.updatedAt)
          .slice(0, args.limit as number)
          .map((c) => this.summary(c));
      }
      case "open_conversation":
        return this.view(args.id as string, null, (args.limit as number | null) ?? null);
      case "load_earlier":
        return this.view(args.id as string, args.before as number, args.limit as number);
      case "switch_branch": {
        const conversation = this.conversation(args.conversationId as string);
        const message = this.messages.find((m) => m.id === args.messageId);
        if (!message || message.conversationId !== conversation.id) {
          throw { code: "not_found", message: `no message ${String(args.messageId)}` };
        }
        conversation.leaf = this.latestLeafBelow(message.id);
        return this.view(conversation.id, null, null);
      }
      case "delete_message": {
        // As Rust does: the message and its subtree go; the shown branch moves to what remains.
        const conversation = this.conversation(args.conversationId as string);
        const message = this.messages.find((m) => m.id === args.messageId);
        if (!message || message.conversationId !== conversation.id) {
          throw { code: "not_found", message: `no message ${String(args.messageId)}` };
        }
        const gone = new Set<string>();
        const take = (id: string): void => {
          gone.add(id);
          for (const child of this.messages.filter((m) => m.parentId === id)) take(child.id);
        };
        take(message.id);
        this.messages = this.messages.filter((m) => !gone.has(m.id));
        if (conversation.leaf !== null && gone.has(conversation.leaf)) {
          const roots = this.messages.filter((m) => m.conversationId === conversation.id && m.parentId === null);
          conversation.leaf =
            message.parentId !== null
              ? this.latestLeafBelow(message.parentId)
              : roots.length > 0
                ? this.latestLeafBelow(roots.at(-1)!.id)
                : null;
        }
        return this.view(conversation.id, null, null);
      }
      case "update_conversation": {
        const conversation = this.conversation(args.id as string);
        const patch = args.patch as ConversationPatch;
        if (patch.title !== undefined) conversation.title = patch.title;
        if (patch.pinned !== undefined) conversation.pinned = patch.pinned;
        if (patch.archived !== undefined) conversation.archived = patch.archived;
        if (patch.systemPrompt !== undefined) conversation.systemPrompt = patch.systemPrompt;
        return this.summary(conversation);
      }
      case "delete_conversation": {
        const conversation = this.conversation(args.id as string);
        this.conversations = this.conversations.filter((c) => c !== conversation);
        this.messages = this.messages.filter((m) => m.conversationId !== conversation.id);
        return null;
      }
      case "search_history": {
        const query = args.query as string;
        return structuredClone(this.searchResults[query] ?? this.search(query));
      }
      case "export_history": {
        const ext = { markdown: "md", html: "html", json: "json" }[args.format as string];
        return `${this.downloads}/switchboard-${(args.id as string | null) ?? "all"}.${ext}`;
      }
      case "import_history":
        return { ...this.importReport };
      case "stop_message":
      case "frame_shown":
      case "app_ready":
      case "open_data_dir":
        return null;
      case "get_app_settings":
        return { ...this.appSettings };
      case "set_default_proxy": {
        const proxy = ((args.proxy as string | null) ?? "").trim();
        if (proxy !== "" && !/^(https?|socks5h?):\/\/[^\s/@]+$/.test(proxy)) {
          throw { code: "invalid_input", message: `Default proxy: "${proxy}" is not a proxy address.` };
        }
        this.appSettings = { ...this.appSettings, defaultProxy: proxy === "" ? null : proxy };
        return { ...this.appSettings };
      }
      default:
        throw { code: "internal", message: `unknown command ${cmd}` };
    }
  }

  // ---- the history store ----

  /** Adds a conversation with its messages; `leaf` defaults to the last message given. */
  seed(
    conversation: Partial<FakeConversation> & { id: string },
    messages: SeedMessage[] = [],
    leaf: string | null = messages.at(-1)?.id ?? null,
  ): FakeConversation {
    const created = this.tick();
    const stored: FakeConversation = {
      title: conversation.id,
      pinned: false,
      archived: false,
      createdAt: created,
      updatedAt: created,
      systemPrompt: null,
      target: null,
      leaf,
      ...conversation,
    };
    this.conversations.push(stored);
    let previous: string | null = null;
    for (const seed of messages) {
      const message = this.message({
        parentId: previous,
        conversationId: stored.id,
        ...seed,
      });
      this.messages.push(message);
      previous = message.id;
    }
    return stored;
  }

  /** Seeds a plain exchange chain: q1, a1, q2, a2, ... (ids `${prefix}q1`, `${prefix}a1`, ...). */
  chain(count: number, prefix = ""): SeedMessage[] {
    const messages: SeedMessage[] = [];
    for (let i = 1; i <= count; i++) {
      messages.push({ id: `${prefix}q${i}`, role: "user", content: `Question ${i}` });
      messages.push({
        id: `${prefix}a${i}`,
        role: "assistant",
        content: `Answer ${i}`,
        html: `<p>Answer ${i}</p>`,
      });
    }
    return messages;
  }

  messageById(id: string): FakeMessage | undefined {
    return this.messages.find((m) => m.id === id);
  }

  private tick(): number {
    this.#clock += 1000;
    return this.#clock;
  }

  private message(seed: Partial<FakeMessage> & Pick<FakeMessage, "id" | "role" | "content" | "conversationId">): FakeMessage {
    return {
      parentId: null,
      images: [],
      html: seed.role === "assistant" ? `<p>${escapeHtml(seed.content)}</p>` : null,
      reasoning: "",
      reasoningHtml: null,
      model: null,
      status: "complete",
      route: null,
      api: null,
      usage: null,
      timeToFirstTokenMs: null,
      tokensPerSecond: null,
      finishReason: seed.role === "assistant" ? "stop" : null,
      error: null,
      createdAt: this.tick(),
      ...seed,
    };
  }

  private conversation(id: string): FakeConversation {
    const conversation = this.conversations.find((c) => c.id === id);
    if (!conversation) throw { code: "not_found", message: `no conversation ${id}` };
    return conversation;
  }

  private summary(c: FakeConversation): ConversationSummary {
    const { id, title, pinned, archived, createdAt, updatedAt } = c;
    return { id, title, pinned, archived, createdAt, updatedAt };
  }

  private siblingsOf(message: FakeMessage): string[] {
    return this.messages
      .filter((m) => m.conversationId === message.conversationId && m.parentId === message.parentId)
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((m) => m.id);
  }

  private branch(conversation: FakeConversation): FakeMessage[] {
    const branch: FakeMessage[] = [];
    let id = conversation.leaf;
    while (id !== null) {
      const message = this.messageById(id);
      if (!message) break;
      branch.unshift(message);
      id = message.parentId;
    }
    return branch;
  }

  private latestLeafBelow(id: string): string {
    const children = this.messages.filter((m) => m.parentId === id);
    if (children.length === 0) return id;
    const leaves = children.map((c) => this.latestLeafBelow(c.id));
    return leaves
      .map((leaf) => this.messageById(leaf)!)
      .sort((a, b) => b.createdAt - a.createdAt)[0]!.id;
  }

  private view(id: string, before: number | null, limit: number | null): ConversationView {
    const conversation = this.conversation(id);
    const branch = this.branch(conversation);
    const end = before === null ? branch.length : Math.min(before, branch.length);
    const start = limit === null ? 0 : Math.max(0, end - limit);
    return structuredClone({
      id,
      title: conversation.title,
      pinned: conversation.pinned,
      archived: conversation.archived,
      systemPrompt: conversation.systemPrompt,
      target: conversation.target,
      params: conversation.params ?? null,
      total: branch.length,
      start,
      messages: branch.slice(start, end).map((m) => {
        const { conversationId: _, ...message } = m;
        const siblings = this.siblingsOf(m);
        return { ...message, siblings, siblingIndex: siblings.indexOf(m.id) };
      }),
    });
  }

  /** Stores the question (unless regenerating) and starts the answer, as Rust does. */
  private place(request: SendRequest): Extract<StreamEvent, { type: "stored" }> {
    const placement = request.conversation!;
    let conversation: FakeConversation;
    const question = request.messages.at(-1)?.content ?? "";
    if (placement.conversationId === null) {
      conversation = this.seed({
        id: `conv-${++this.#ids}`,
        title: question.slice(0, 40),
        systemPrompt: placement.systemPrompt ?? null,
      });
    } else {
      conversation = this.conversation(placement.conversationId);
    }
    conversation.target = structuredClone(request.target);
    conversation.params = structuredClone(request.params);
    conversation.updatedAt = this.tick();
    let parentId = placement.parentId;
    let userMessageId: string | null = null;
    if (!placement.regenerate) {
      userMessageId = `m-${++this.#ids}`;
      this.messages.push(
        this.message({
          id: userMessageId,
          role: "user",
          content: question,
          images: [...(request.messages.at(-1)?.images ?? [])],
          parentId,
          conversationId: conversation.id,
        }),
      );
      parentId = userMessageId;
    }
    const answerId = `m-${++this.#ids}`;
    this.messages.push(
      this.message({
        id: answerId,
        role: "assistant",
        content: "",
        html: null,
        status: "streaming",
        finishReason: null,
        parentId,
        conversationId: conversation.id,
      }),
    );
    conversation.leaf = answerId;
    return { type: "stored", conversationId: conversation.id, userMessageId, answerId };
  }

  /** Keeps the stored answer up to date with its stream. */
  private record(answerId: string, event: StreamEvent): void {
    const answer = this.messageById(answerId);
    if (!answer || answer.status !== "streaming") return;
    switch (event.type) {
      case "textDelta":
        answer.content += event.text;
        break;
      case "rendered": {
        // The page the updates build, as Rust's one-shot render of the stored text would be.
        if (event.part !== "answer") break;
        const page = this.#pages.get(answerId) ?? { committed: "", tail: "" };
        page.committed += event.committed.join("");
        page.tail = event.tail;
        this.#pages.set(answerId, page);
        answer.html = page.committed + page.tail;
        break;
      }
      case "route":
        answer.route = { servedBy: event.servedBy, attempts: event.attempts };
        break;
      case "finished":
        answer.status = "complete";
        answer.finishReason = event.reason;
        break;
      case "stopped":
        answer.status = "stopped";
        break;
      case "error":
        answer.status = "error";
        answer.error = { code: event.code, message: event.message };
        break;
      default:
        break;
    }
  }

  /** A plain substring search, with the match marked like Rust marks it. */
  private search(query: string): SearchHit[] {
    const needle = query.toLowerCase();
    return this.messages
      .filter((m) => m.content.toLowerCase().includes(needle))
      .map((m) => {
        const at = m.content.toLowerCase().indexOf(needle);
        const snippet =
          escapeHtml(m.content.slice(0, at)) +
          `<mark>${escapeHtml(m.content.slice(at, at + query.length))}</mark>` +
          escapeHtml(m.content.slice(at + query.length));
        return {
          conversationId: m.conversationId,
          conversationTitle: this.conversation(m.conversationId).title,
          messageId: m.id,
          role: m.role,
          snippetHtml: snippet,
          createdAt: m.createdAt,
        };
      });
  }
}
