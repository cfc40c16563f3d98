// States the chat should show before the user sends into them: the computer is offline, or
// every account that serves the chosen model is cooling down after a rate limit.
import type { ModelGroup, RouteChoice } from "../ipc/types";

/** The model on screen cannot be asked now; `retryInSecs`: the soonest a route is free. */
export interface Limited {
  model: string;
  retryInSecs: number | null;
  /** Rust's sentence for the first route (why, and until when). */
  detail: string | null;
}

/**
 * Whether every route of the choice is cooling down (a pinned route alone, else the whole
 * group). A route that is fine, or unusable for another reason, means the model is not
 * "rate-limited" as such.
 */
export function limitedChoice(group: ModelGroup | null, route: RouteChoice | null): Limited | null {
  if (!group) return null;
  const routes = route ? [route] : group.routes;
  if (routes.length === 0 || !routes.every((r) => r.health.state === "cooling")) return null;
  const waits = routes.map((r) => r.health.retryInSecs).filter((s): s is number => s !== null);
  return {
    model: group.name,
    retryInSecs: waits.length > 0 ? Math.min(...waits) : null,
    detail: routes[0]?.health.detail ?? null,
  };
}

/** The browser's view of the network: `online` follows the window's online/offline events. */
export class Connectivity {
  online = $state(true);
  #stop: (() => void) | null = null;

  /** Starts following the events; returns the function that stops. */
  watch(target: Window = window): () => void {
    this.online = target.navigator.onLine !== false;
    const update = () => (this.online = target.navigator.onLine !== false);
    target.addEventListener("online", update);
    target.addEventListener("offline", update);
    this.#stop = () => {
      target.removeEventListener("online", update);
      target.removeEventListener("offline", update);
    };
    return this.#stop;
  }
}
