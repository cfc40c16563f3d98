// How long the last DOM updates of rendered markdown took, for the whole-app benchmark
// (BENCHMARKS.md): a fixed ring of durations in milliseconds, nothing else.
const SIZE = 2000;
const ring = new Float64Array(SIZE);
let count = 0;

export function recordFlush(ms: number): void {
  ring[count % SIZE] = ms;
  count += 1;
}

/** The durations of the last `n` (at most 2,000) updates, oldest first. */
export function recentFlushes(n = SIZE): number[] {
  const take = Math.min(n, count, SIZE);
  const out: number[] = [];
  for (let i = count - take; i < count; i++) out.push(ring[i % SIZE]!);
  return out;
}
