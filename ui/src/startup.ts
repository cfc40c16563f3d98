// Start-up marks: named moments of the window's start, in ms since the page's navigation
// began. `app_ready` carries them to Rust, which prints them beside the start-up time and
// writes them to the benchmark's ready file, so a slow start says where its time went.

const PREFIX = "sb:";

/** The page's start-up as Rust receives it. */
export interface StartupTimeline {
  /** When navigation began: ms since the Unix epoch (the page's own clock). */
  origin: number;
  /** Named moments in order, ms after `origin`. */
  marks: [string, number][];
}

/** Notes that start-up reached `name` now. */
export function markStartup(name: string): void {
  performance.mark?.(PREFIX + name);
}

/** The document's own milestones, then the marks noted so far. */
export function startupTimeline(): StartupTimeline {
  const marks: [string, number][] = [];
  const navigation = performance.getEntriesByType?.("navigation")[0] as PerformanceNavigationTiming | undefined;
  if (navigation) {
    marks.push(["document", navigation.responseEnd], ["parsed", navigation.domInteractive]);
  }
  for (const entry of performance.getEntriesByType?.("mark") ?? []) {
    if (entry.name.startsWith(PREFIX)) marks.push([entry.name.slice(PREFIX.length), entry.startTime]);
  }
  marks.sort((a, b) => a[1] - b[1]);
  return { origin: performance.timeOrigin, marks: marks.map(([name, at]) => [name, Math.round(at * 10) / 10]) };
}
