import { describe, expect, it } from "vitest";
import { markStartup, startupTimeline } from "./startup";

describe("the start-up timeline", () => {
  it("keeps its own marks, in order, with the navigation start as origin", () => {
    performance.mark("unrelated");
    markStartup("modules");
    markStartup("painted");
    const timeline = startupTimeline();
    expect(timeline.origin, "navigation start on the Unix clock").toBe(performance.timeOrigin);
    const names = timeline.marks.map(([name]) => name);
    expect(names, "only the app's marks, without their prefix").toEqual(expect.arrayContaining(["modules", "painted"]));
    expect(names, "other marks on the page are not the app's").not.toContain("unrelated");
    expect(names.indexOf("modules"), "in the order they happened").toBeLessThan(names.indexOf("painted"));
    const times = timeline.marks.map(([, at]) => at);
    expect(times, "sorted by time").toEqual([...times].sort((a, b) => a - b));
  });
});
