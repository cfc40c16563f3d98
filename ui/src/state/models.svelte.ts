// The model picker's state: the groups the backend offers (a logical model and its routes),
// what the user chose (a group, routed across accounts, or one pinned route) and the
// routing strategy. Kept for the session, across new chats and the settings page.
import { t } from "../i18n/locale.svelte";
import { listModels as ipcListModels, toIpcError } from "../ipc";
import type {
  Api,
  CommandError,
  ModelGroup,
  RouteChoice,
  Strategy,
  Target,
} from "../ipc/types";

export interface ModelsIpc {
  listModels(): Promise<ModelGroup[]>;
}

const defaultIpc: ModelsIpc = { listModels: ipcListModels };

/** What the user picked: a whole group (routed) or one route of it (pinned). */
export type PickerChoice =
  | { type: "group"; key: string }
  | { type: "route"; accountId: string; modelId: string; api: Api };

// Label and hint are getters: read in the current language each time they are shown.
export const STRATEGIES: readonly { value: Strategy; readonly label: string; readonly hint: string }[] = [
  {
    value: "priority",
    get label() {
      return t("Priority");
    },
    get hint() {
      return t("The first healthy account in the list answers.");
    },
  },
  {
    value: "round_robin",
    get label() {
      return t("Round robin");
    },
    get hint() {
      return t("Accounts take turns.");
    },
  },
  {
    value: "least_recently_limited",
    get label() {
      return t("Least recently limited");
    },
    get hint() {
      return t("The account rate-limited longest ago answers.");
    },
  },
];

/** The group and (for a pinned choice) the route a choice points at, if they still exist. */
export interface Selection {
  group: ModelGroup;
  route: RouteChoice | null;
}

export function routeMatches(route: RouteChoice, choice: PickerChoice): boolean {
  return (
    choice.type === "route" &&
    route.accountId === choice.accountId &&
    route.modelId === choice.modelId &&
    route.api === choice.api
  );
}

export function routeChoice(route: RouteChoice): PickerChoice {
  return { type: "route", accountId: route.accountId, modelId: route.modelId, api: route.api };
}

/** The picker choice a send target came from. */
export function choiceFor(target: Target): PickerChoice {
  return target.type === "account"
    ? { type: "route", accountId: target.accountId, modelId: target.model, api: target.api }
    : { type: "group", key: target.model };
}

export function findSelection(groups: readonly ModelGroup[], choice: PickerChoice | null): Selection | null {
  if (!choice) return null;
  for (const group of groups) {
    if (choice.type === "group") {
      if (group.key === choice.key) return { group, route: null };
    } else {
      const route = group.routes.find((r) => routeMatches(r, choice));
      if (route) return { group, route };
    }
  }
  return null;
}

/**
 * Keeps the choice when it still exists; a pinned route that went away falls back to its
 * group (same model, any account), anything else to the first group.
 */
export function reconcileChoice(
  groups: readonly ModelGroup[],
  choice: PickerChoice | null,
  previous: readonly ModelGroup[] = [],
): PickerChoice | null {
  if (findSelection(groups, choice)) return choice;
  if (choice?.type === "route") {
    const before = findSelection(previous, choice);
    if (before && groups.some((g) => g.key === before.group.key)) {
      return { type: "group", key: before.group.key };
    }
  }
  const first = groups[0];
  return first ? { type: "group", key: first.key } : null;
}

/** The send target for a choice; null when it points at nothing on offer. */
export function targetFor(
  groups: readonly ModelGroup[],
  choice: PickerChoice | null,
  strategy: Strategy,
): Target | null {
  const selection = findSelection(groups, choice);
  if (!selection) return null;
  if (selection.route) {
    const { accountId, modelId, api } = selection.route;
    return { type: "account", accountId, model: modelId, api };
  }
  return { type: "logical", model: selection.group.key, strategy };
}

/**
 * The protocol the parameters drawer should assume: the pinned route's, or the first route's
 * for a routed model (the router tries routes in that order).
 */
export function apiFor(groups: readonly ModelGroup[], choice: PickerChoice | null): Api {
  const selection = findSelection(groups, choice);
  return selection?.route?.api ?? selection?.group.routes[0]?.api ?? "chat";
}

export class ModelsState {
  groups: ModelGroup[] = $state([]);
  loaded = $state(false);
  loading = $state(false);
  error: CommandError | null = $state(null);
  choice: PickerChoice | null = $state(null);
  strategy: Strategy = $state("priority");

  readonly #ipc: ModelsIpc;
  /** Only the newest refresh may write: answers can come back out of order. */
  #generation = 0;

  constructor(ipc: ModelsIpc = defaultIpc) {
    this.#ipc = ipc;
  }

  get selection(): Selection | null {
    return findSelection(this.groups, this.choice);
  }

  get target(): Target | null {
    return targetFor(this.groups, this.choice, this.strategy);
  }

  get api(): Api {
    return apiFor(this.groups, this.choice);
  }

  choose(choice: PickerChoice): void {
    if (findSelection(this.groups, choice)) this.choice = choice;
  }

  /**
   * Chooses what a conversation was last sent to, when it is still on offer (an account may
   * have been removed since). Returns whether the choice changed to it.
   */
  chooseTarget(target: Target): boolean {
    const choice = choiceFor(target);
    if (!findSelection(this.groups, choice)) return false;
    this.choice = choice;
    if (target.type === "logical") this.strategy = target.strategy;
    return true;
  }

  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    try {
      const groups = await this.#ipc.listModels();
      if (generation !== this.#generation) return;
      this.choice = reconcileChoice(groups, this.choice, this.groups);
      this.groups = groups;
      this.error = null;
    } catch (e) {
      if (generation !== this.#generation) return;
      this.error = toIpcError(e).toCommandError();
    } finally {
      if (generation === this.#generation) {
        this.loading = false;
        this.loaded = true;
      }
    }
  }
}
