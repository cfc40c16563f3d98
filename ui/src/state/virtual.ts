// Windowing for a long list whose items have different heights, known only once shown: which
// items to put in the DOM for a scroll position, how much space stands in for the others, and
// where to scroll so that what the reader looks at stays put when heights or items change.
// Plain TypeScript, no DOM: the component (components/MessageList.svelte) measures and scrolls.
//
// An item's height is its measured height, else the estimate: the mean of the measured ones,
// which only moves when it is more than ESTIMATE_SLACK off (each move shifts every unmeasured
// item, so the scrollbar would twitch with every new measurement).
//
// Items are placed at their position in the list plus a shift: when an item above the reader
// turns out taller or shorter than assumed, the shift takes the difference, so the items above
// move (out of sight) instead of the ones on screen, and nothing visible moves or repaints.
// Scroll positions here are in the list as placed ("list coordinates"); the shift goes back to
// 0 (`normalize`, one real scroll correction) before the top of the list is reached.

/** A contiguous range of item indices, `end` excluded. */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** An item to put in the DOM, and where (its top in list coordinates). */
export interface Row<K> {
  readonly key: K;
  readonly index: number;
  readonly top: number;
}

export interface Layout<K> {
  readonly rows: readonly Row<K>[];
  /** The height of the list as placed. */
  readonly height: number;
}

/** Where the reader is: an item and the scroll position relative to its top. */
export interface Anchor<K> {
  readonly key: K;
  /** scrollTop minus the item's top (negative: the item starts below the viewport's top). */
  readonly offset: number;
  /** Where the item was placed when the anchor was taken. */
  readonly top: number;
}

/** How far the mean of the measured heights moves before the estimate follows (a fraction). */
export const ESTIMATE_SLACK = 0.05;

/** A change of a measured height smaller than this (px) is rounding, not a change. */
const SAME_HEIGHT = 0.5;

export class VirtualList<K> {
  #keys: K[] = [];
  #index = new Map<K, number>();
  #heights = new Map<K, number>();
  #measuredSum = 0;
  #estimate: number;
  /** `#tops[i]`: the top of item i; `#tops[n]`: the total. Rebuilt when stale (null). */
  #tops: Float64Array | null = null;
  /** Added to every item's top when placed (see the module comment). */
  #shift = 0;

  /** `estimate`: the height (px) assumed for items before anything is measured. */
  constructor(estimate: number) {
    this.#estimate = estimate;
  }

  get length(): number {
    return this.#keys.length;
  }

  /** The height assumed for an item not measured yet. */
  get estimate(): number {
    return this.#estimate;
  }

  /** The height of all items, measured or estimated. */
  get total(): number {
    return this.#ensureTops()[this.#keys.length]!;
  }

  /** How far items are placed from their position in the list (see the module comment). */
  get shift(): number {
    return this.#shift;
  }

  /** The height of the list as placed. */
  get height(): number {
    return this.total + this.#shift;
  }

  /** Where item `index` is placed: its top plus the shift. */
  placed(index: number): number {
    return this.top(index) + this.#shift;
  }

  /** Places items at their position in the list again; scroll positions move by -shift. */
  normalize(): void {
    this.#shift = 0;
  }

  keyAt(index: number): K | undefined {
    return this.#keys[index];
  }

  indexOf(key: K): number {
    return this.#index.get(key) ?? -1;
  }

  /** The items, in order. Measured heights of keys that stay are kept; the others are dropped. */
  setKeys(keys: readonly K[]): void {
    this.#keys = [...keys];
    this.#index = new Map(this.#keys.map((key, i) => [key, i]));
    for (const [key, height] of this.#heights) {
      if (!this.#index.has(key)) {
        this.#heights.delete(key);
        this.#measuredSum -= height;
      }
    }
    this.#tops = null;
  }

  /** Another list: forgets every measurement (the estimate learnt so far stays). */
  reset(keys: readonly K[]): void {
    this.#heights.clear();
    this.#measuredSum = 0;
    this.#shift = 0;
    this.setKeys(keys);
  }

  /** Records an item's height; true when it changed what the list looks like. */
  measure(key: K, height: number): boolean {
    if (!this.#index.has(key) || !(height > 0)) return false;
    const old = this.#heights.get(key);
    if (old !== undefined && Math.abs(old - height) < SAME_HEIGHT) return false;
    this.#heights.set(key, height);
    this.#measuredSum += height - (old ?? 0);
    const mean = this.#measuredSum / this.#heights.size;
    if (Math.abs(mean - this.#estimate) > this.#estimate * ESTIMATE_SLACK) this.#estimate = mean;
    this.#tops = null;
    return true;
  }

  /** Whether the item's height was measured (not estimated). */
  measured(key: K): boolean {
    return this.#heights.has(key);
  }

  heightAt(index: number): number {
    const key = this.#keys[index];
    if (key === undefined) return 0;
    return this.#heights.get(key) ?? this.#estimate;
  }

  /** The top of item `index`; `top(length)` is the total height. */
  top(index: number): number {
    const tops = this.#ensureTops();
    return tops[Math.max(0, Math.min(index, this.#keys.length))]!;
  }

  /** The item at position `y` (clamped to the list); -1 when the list is empty. */
  indexAt(y: number): number {
    const n = this.#keys.length;
    if (n === 0) return -1;
    const tops = this.#ensureTops();
    // The last item whose top is at or above y.
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (tops[mid]! <= y) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /**
   * The items that meet the viewport (`scrollTop` and `viewport` in px, list coordinates),
   * extended by `overscan` px on each side.
   */
  range(scrollTop: number, viewport: number, overscan: number): Range {
    const n = this.#keys.length;
    if (n === 0) return { start: 0, end: 0 };
    const from = scrollTop - this.#shift - overscan;
    const to = scrollTop - this.#shift + Math.max(0, viewport) + overscan;
    const start = this.indexAt(from);
    let end = this.indexAt(to) + 1;
    // An item that starts exactly at the bottom edge is not seen.
    if (end - 1 > start && this.top(end - 1) >= to) end--;
    return { start, end };
  }

  /**
   * The range to show after a scroll, given the one shown: kept while it still covers the
   * viewport with three quarters of the overscan to spare, else a new one with the whole
   * overscan. So a scroll mounts a few items at a time, well before they are seen, rather than
   * a screenful at once, and a scroll within one item changes nothing.
   */
  next(shown: Range, scrollTop: number, viewport: number, overscan: number): Range {
    const fresh = this.range(scrollTop, viewport, overscan);
    const needed = this.range(scrollTop, viewport, (overscan * 3) / 4);
    const end = Math.min(shown.end, this.#keys.length);
    const covers = shown.start <= needed.start && end >= needed.end;
    // Heights measured smaller than estimated can make the shown range far larger than needed.
    const compact = end - shown.start <= 2 * (fresh.end - fresh.start) + 2;
    if (!covers || !compact) return fresh;
    return end === shown.end ? shown : { start: shown.start, end };
  }

  /**
   * The rows for `range` plus the `pinned` items wherever they are (an answer streaming, a
   * message being edited or holding the focus), each with its place. A row equal to one in
   * `previous` is that same object (so a keyed list sees nothing changed).
   */
  layout(range: Range, pinned: Iterable<K> = [], previous: readonly Row<K>[] = []): Layout<K> {
    const n = this.#keys.length;
    const indices = new Set<number>();
    for (let i = Math.max(0, range.start); i < Math.min(range.end, n); i++) indices.add(i);
    for (const key of pinned) {
      const i = this.#index.get(key);
      if (i !== undefined) indices.add(i);
    }
    const sorted = [...indices].sort((a, b) => a - b);
    const before = new Map(previous.map((row) => [row.key, row]));
    const rows: Row<K>[] = [];
    for (const index of sorted) {
      const key = this.#keys[index]!;
      const top = this.placed(index);
      const old = before.get(key);
      rows.push(old && old.index === index && Math.abs(old.top - top) < SAME_HEIGHT ? old : { key, index, top });
    }
    return { rows, height: this.height };
  }

  /**
   * What the reader looks at (`scrollTop` in list coordinates): the first item that starts
   * inside the viewport, else the one across its top edge. Null for an empty list.
   */
  anchor(scrollTop: number, viewport: number): Anchor<K> | null {
    const y = scrollTop - this.#shift;
    const i = this.indexAt(y);
    if (i < 0) return null;
    let index = i;
    if (this.top(i) < y && i + 1 < this.#keys.length && this.top(i + 1) < y + viewport) index = i + 1;
    return { key: this.#keys[index]!, offset: y - this.top(index), top: this.placed(index) };
  }

  /**
   * After heights or items changed: shifts the placement so that the anchor's item stays where
   * it was (what changed above it moves up or down, out of sight). False when its item is gone.
   */
  hold(anchor: Anchor<K>): boolean {
    const index = this.#index.get(anchor.key);
    if (index === undefined) return false;
    this.#shift = anchor.top - this.top(index);
    return true;
  }

  /** The scroll position (list coordinates) that shows the anchor as it was; null when gone. */
  scrollTopFor(anchor: Anchor<K>): number | null {
    const index = this.#index.get(anchor.key);
    return index === undefined ? null : this.placed(index) + anchor.offset;
  }

  #ensureTops(): Float64Array {
    if (this.#tops) return this.#tops;
    const n = this.#keys.length;
    const tops = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      tops[i + 1] = tops[i]! + (this.#heights.get(this.#keys[i]!) ?? this.#estimate);
    }
    this.#tops = tops;
    return tops;
  }
}
