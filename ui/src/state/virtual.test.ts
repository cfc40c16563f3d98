import { describe, expect, it } from "vitest";
import { ESTIMATE_SLACK, VirtualList, type Row } from "./virtual";

/** Keys 0..n-1. */
function list(n: number, estimate = 100): VirtualList<number> {
  const v = new VirtualList<number>(estimate);
  v.setKeys(Array.from({ length: n }, (_, i) => i));
  return v;
}

describe("positions", () => {
  it("adds estimated and measured heights", () => {
    const v = list(4);
    expect(v.total, "four estimates").toBe(400);
    v.measure(1, 50);
    v.measure(2, 150);
    expect(v.estimate, "the mean of what was measured").toBe(100);
    expect(v.top(0)).toBe(0);
    expect(v.top(2), "one estimate and one measured height").toBe(150);
    expect(v.heightAt(1)).toBe(50);
    expect(v.measured(1)).toBe(true);
    expect(v.measured(3)).toBe(false);
    expect(v.top(99), "clamped to the total").toBe(v.total);
  });

  it("finds the item at a position", () => {
    const v = list(3);
    expect(v.indexAt(-10), "above the list: the first").toBe(0);
    expect(v.indexAt(0)).toBe(0);
    expect(v.indexAt(99.9)).toBe(0);
    expect(v.indexAt(100), "an item starts where the previous one ends").toBe(1);
    expect(v.indexAt(1000), "below the list: the last").toBe(2);
    expect(list(0).indexAt(0), "an empty list has none").toBe(-1);
  });

  it("ignores a measurement of nothing, of an unknown item or of the same height", () => {
    const v = list(2);
    expect(v.measure(0, 0), "a hidden item measures 0").toBe(false);
    expect(v.measure(7, 40), "not in the list").toBe(false);
    expect(v.measure(0, 40)).toBe(true);
    expect(v.measure(0, 40.2), "rounding").toBe(false);
    expect(v.measure(0, 60)).toBe(true);
    expect(v.total).toBe(60 + v.estimate);
  });
});

describe("the estimate", () => {
  it("follows the mean of the measured heights, but not every small move", () => {
    const v = list(100, 100);
    v.measure(0, 200);
    expect(v.estimate, "the first measurement replaces the guess").toBe(200);
    v.measure(1, 200 * (1 + ESTIMATE_SLACK / 2) * 2 - 200);
    expect(v.estimate, "a mean within the slack keeps the estimate").toBe(200);
    v.measure(2, 400);
    expect(v.estimate, "a mean beyond the slack moves it").toBeCloseTo((200 + 210 + 400) / 3);
    expect(v.total, "unmeasured items use it").toBeCloseTo(200 + 210 + 400 + 97 * v.estimate);
  });

  it("keeps what it learnt when the list is reset, and forgets the heights", () => {
    const v = list(3, 100);
    v.measure(0, 40);
    v.reset([10, 11]);
    expect(v.estimate).toBe(40);
    expect(v.measured(0)).toBe(false);
    expect(v.total).toBe(80);
  });

  it("drops the heights of items that leave the list, and keeps the others by key", () => {
    const v = list(3, 100);
    v.measure(0, 10);
    v.measure(2, 30);
    v.setKeys([-2, -1, 0, 1, 2]);
    expect(v.indexOf(0), "the old first item is third now").toBe(2);
    expect(v.heightAt(2), "with its height").toBe(10);
    v.setKeys([2]);
    expect(v.measured(0)).toBe(false);
    expect(v.heightAt(0)).toBe(30);
    v.measure(2, 30.1);
    expect(v.estimate, "the mean is over the items still listed").toBe(20);
  });
});

describe("the range to show", () => {
  it("covers the viewport and the overscan on each side", () => {
    const v = list(100);
    expect(v.range(1000, 300, 0), "items 10 to 12 meet 1000..1300").toEqual({ start: 10, end: 13 });
    expect(v.range(1050, 300, 0), "a partly seen item counts").toEqual({ start: 10, end: 14 });
    expect(v.range(1000, 300, 200)).toEqual({ start: 8, end: 15 });
    expect(v.range(0, 300, 200), "clamped at the top").toEqual({ start: 0, end: 5 });
    expect(v.range(9700, 300, 200), "and at the end").toEqual({ start: 95, end: 100 });
    expect(list(0).range(0, 300, 200)).toEqual({ start: 0, end: 0 });
  });

  it("is the whole list when it fits", () => {
    const v = list(6);
    expect(v.range(v.total - 300, 300, 300)).toEqual({ start: 0, end: 6 });
  });

  it("follows measured heights", () => {
    const v = list(100);
    for (let i = 90; i < 100; i++) v.measure(i, 20);
    const bottom = v.total - 300;
    expect(v.range(bottom, 300, 0), "fifteen 20 px items fill 300 px").toEqual({ start: 85, end: 100 });
  });

  it("keeps the shown range while it covers the viewport, then moves", () => {
    const v = list(1000);
    const shown = v.range(50_000, 500, 800);
    expect(v.next(shown, 50_100, 500, 800), "a small scroll changes nothing").toBe(shown);
    const moved = v.next(shown, 49_000, 500, 800);
    expect(moved, "a long one shows a new range").toEqual(v.range(49_000, 500, 800));
    expect(v.next(shown, 0, 500, 800), "a jump too").toEqual(v.range(0, 500, 800));
  });

  it("drops a shown range grown too large for the viewport", () => {
    const v = list(1000);
    const shown = v.range(50_000, 500, 800);
    for (let i = shown.start; i < shown.end; i++) v.measure(i, 5);
    // The items shown are now tiny: the range still covers the viewport, but is a waste.
    const next = v.next(shown, v.top(shown.start + 5), 500, 800);
    expect(next).not.toEqual(shown);
  });

  it("clamps a shown range to a shorter list", () => {
    const v = list(10);
    const shown = { start: 0, end: 50 };
    expect(v.next(shown, 0, 2000, 0)).toEqual({ start: 0, end: 10 });
  });
});

describe("layout", () => {
  it("places each row where it is in the full list", () => {
    const v = list(100);
    v.measure(39, 102);
    v.measure(41, 98);
    const { rows, height } = v.layout({ start: 40, end: 43 });
    expect(rows.map((r) => [r.key, r.index, r.top])).toEqual([
      [40, 40, 39 * 100 + 102],
      [41, 41, 40 * 100 + 102],
      [42, 42, 40 * 100 + 102 + 98],
    ]);
    expect(height).toBe(v.total);
  });

  it("keeps pinned items wherever they are", () => {
    const v = list(100);
    const { rows } = v.layout({ start: 10, end: 12 }, [99, 3, 11, 12345]);
    expect(rows.map((r) => r.index), "in order, once each, unknown keys ignored").toEqual([3, 10, 11, 99]);
    expect(rows.map((r) => r.top)).toEqual([300, 1000, 1100, 9900]);
  });

  it("reuses an unchanged row, so a keyed list sees nothing new", () => {
    const v = list(100);
    const first = v.layout({ start: 10, end: 13 });
    const second = v.layout({ start: 11, end: 14 }, [], first.rows);
    expect(second.rows[0], "same item, same place").toBe(first.rows[1]);
    expect(second.rows[1]).toBe(first.rows[2]);
    v.measure(11, 103);
    expect(v.estimate, "within the slack").toBe(100);
    const third = v.layout({ start: 11, end: 14 }, [], second.rows);
    expect(third.rows[0], "same place: the same row").toBe(second.rows[0]);
    expect(third.rows[1], "moved: a new row").not.toBe(second.rows[1]);
    expect(third.rows[1]!.top).toBe(1203);
  });

  it("is empty for an empty list", () => {
    expect(list(0).layout({ start: 0, end: 0 })).toEqual({ rows: [], height: 0 });
  });
});

describe("anchoring", () => {
  it("anchors to the first item starting in the viewport", () => {
    const v = list(100);
    expect(v.anchor(1050, 300), "item 10 is cut off at the top: item 11").toEqual({ key: 11, offset: -50, top: 1100 });
    expect(v.anchor(1000, 300), "item 10 starts at the top").toEqual({ key: 10, offset: 0, top: 1000 });
    expect(v.anchor(1050, 40), "no item starts in a short viewport: the one across its top").toEqual({
      key: 10,
      offset: 50,
      top: 1000,
    });
    expect(list(0).anchor(0, 300)).toBeNull();
  });

  it("holds the anchor in place when heights above it change, moving what is above instead", () => {
    const v = list(100);
    for (let i = 0; i < 100; i++) v.measure(i, 100);
    const anchor = v.anchor(5000, 400)!;
    v.measure(45, 400);
    expect(v.hold(anchor)).toBe(true);
    expect(v.shift, "300 px more above, taken by the placement").toBe(-300);
    expect(v.placed(50), "the anchor stays").toBe(5000);
    expect(v.placed(45), "the taller item moved up").toBe(4200);
    expect(v.placed(44)).toBe(4100);
    expect(v.scrollTopFor(anchor), "no need to scroll").toBe(5000);
    expect(v.height, "the list as placed is as high as before").toBe(10_000);
    v.measure(60, 10);
    v.hold(anchor);
    expect(v.scrollTopFor(anchor), "below the anchor: nothing moves").toBe(5000);
    expect(v.placed(61), "what follows the shorter item moved up").toBe(6010);
  });

  it("puts back the real positions when normalized, and says where the anchor went", () => {
    const v = list(100);
    for (let i = 0; i < 100; i++) v.measure(i, 100);
    const anchor = v.anchor(5000, 400)!;
    v.measure(45, 400);
    v.hold(anchor);
    v.normalize();
    expect(v.placed(0)).toBe(0);
    expect(v.scrollTopFor(anchor), "the anchor is 300 px further down").toBe(5300);
    expect(v.height).toBe(10_300);
  });

  it("reads the viewport in placed coordinates", () => {
    const v = list(100);
    for (let i = 0; i < 100; i++) v.measure(i, 100);
    v.hold({ key: 50, offset: 0, top: 4000 });
    expect(v.shift).toBe(-1000);
    expect(v.range(4000, 100, 0), "item 50 is placed at 4000").toEqual({ start: 50, end: 51 });
    expect(v.anchor(4000, 100)).toEqual({ key: 50, offset: 0, top: 4000 });
  });

  it("keeps the anchor when items are put before it (earlier messages loaded)", () => {
    const v = list(200);
    const anchor = v.anchor(120, 500)!;
    v.setKeys([...Array.from({ length: 200 }, (_, i) => -200 + i), ...Array.from({ length: 200 }, (_, i) => i)]);
    v.hold(anchor);
    expect(v.scrollTopFor(anchor), "held: the new items are placed above, out of reach").toBe(120);
    v.normalize();
    expect(v.scrollTopFor(anchor), "normalized: 200 estimated items above").toBe(200 * 100 + 120);
  });

  it("has no position for an anchor whose item left", () => {
    const v = list(5);
    const anchor = v.anchor(300, 100)!;
    v.setKeys([0, 1]);
    expect(v.hold(anchor)).toBe(false);
    expect(v.scrollTopFor(anchor)).toBeNull();
  });

  it("starts over unshifted on reset", () => {
    const v = list(10);
    v.hold({ key: 5, offset: 0, top: 0 });
    v.reset([1, 2]);
    expect(v.shift).toBe(0);
  });
});

describe("a long list (10,000 items)", () => {
  it("shows a screenful from the end and keeps positions consistent", () => {
    const v = list(10_000, 150);
    const viewport = 700;
    const shown = v.range(v.total - viewport, viewport, viewport);
    expect(shown.end).toBe(10_000);
    expect(shown.end - shown.start, "about two screens of items, not ten thousand").toBeLessThan(20);
    // Measure what is shown (different heights), hold the anchor, step up a screen; near the
    // top, normalize as the component does.
    let scrollTop = v.total - viewport;
    let range = shown;
    let rows: readonly Row<number>[] = [];
    for (let step = 0; step < 5000 && !(scrollTop === 0 && range.start === 0); step++) {
      const anchor = v.anchor(scrollTop, viewport)!;
      const seen = v.placed(v.indexOf(anchor.key));
      for (let i = range.start; i < range.end; i++) v.measure(i, 40 + ((i * 37) % 300));
      v.hold(anchor);
      expect(v.placed(v.indexOf(anchor.key)), "what the reader sees does not move").toBeCloseTo(seen, 6);
      expect(v.scrollTopFor(anchor)).toBeCloseTo(scrollTop, 6);
      if (scrollTop < 2 * viewport) {
        v.normalize();
        scrollTop = v.scrollTopFor(anchor)!;
      }
      const layout = v.layout(range, [9_999], rows);
      rows = layout.rows;
      for (let i = 1; i < rows.length; i++) {
        const [a, b] = [rows[i - 1]!, rows[i]!];
        if (b.index === a.index + 1) expect(b.top - a.top, "adjacent rows touch").toBeCloseTo(v.heightAt(a.index), 6);
      }
      scrollTop = Math.max(0, scrollTop - viewport);
      range = v.next(range, scrollTop, viewport, viewport);
      expect(range.end - range.start).toBeLessThan(40);
    }
    expect(range.start, "the top was reached").toBe(0);
    expect(v.placed(0), "where it belongs").toBe(0);
    expect(rows.at(-1)?.key, "the pinned last item stays").toBe(9_999);
  });
});
