import { describe, expect, it, vi } from "vitest";
import { setLocale } from "../i18n/locale.svelte";
import { MarkdownView, MARKDOWN_UPDATED } from "./view";
import { katexReady } from "./enhance";

/** A view whose frames the test runs by hand. */
function setup(
  loadImage: (url: string) => Promise<string> = async () => "data:image/png;base64,AAAA",
) {
  const host = document.createElement("div");
  document.body.append(host);
  const frames: (() => void)[] = [];
  const actions = {
    openLink: vi.fn<(url: string) => void>(),
    loadImage: vi.fn(loadImage),
    copyText: vi.fn<(text: string) => Promise<void>>(async () => {}),
  };
  const view = new MarkdownView(host, actions, (flush) => frames.push(flush));
  const runFrames = () => {
    for (const flush of frames.splice(0)) flush();
  };
  return { host, view, actions, frames, runFrames };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("MarkdownView", () => {
  it("inserts committed blocks once and replaces only the tail", () => {
    const { host, view, runFrames } = setup();
    view.update({ blocks: ["<h1 id=\"md-a\">A</h1>"], tail: "<p>on</p>" });
    runFrames();
    const heading = host.querySelector("h1");
    expect(heading?.textContent, "the committed block is shown").toBe("A");
    expect(host.textContent).toBe("Aon");

    view.update({ blocks: ["<h1 id=\"md-a\">A</h1>", "<p>one</p>"], tail: "<p>tw</p>" });
    runFrames();
    expect(host.querySelector("h1"), "a committed block's DOM is never rebuilt").toBe(heading);
    expect(host.textContent, "blocks in order, then the tail").toBe("Aonetw");
    expect(host.querySelectorAll("p"), "the old tail is gone").toHaveLength(2);
  });

  it("applies at most one update per frame, the latest", () => {
    const { host, view, frames, runFrames } = setup();
    let flushes = 0;
    host.addEventListener(MARKDOWN_UPDATED, () => flushes++);
    for (const tail of ["<p>a</p>", "<p>ab</p>", "<p>abc</p>"]) view.update({ blocks: [], tail });
    expect(frames, "three updates ask for one frame").toHaveLength(1);
    expect(host.textContent, "nothing changes before the frame").toBe("");
    runFrames();
    expect(host.textContent).toBe("abc");
    expect(flushes, "one DOM update, announced once").toBe(1);
  });

  it("starts over when the blocks are another text's", () => {
    const { host, view, runFrames } = setup();
    view.update({ blocks: ["<p>first</p>"], tail: "" });
    runFrames();
    view.update({ blocks: ["<p>second</p>"], tail: "<p>tail</p>" });
    runFrames();
    expect(host.textContent).toBe("secondtail");
  });

  it("opens web and mail links outside the window and never navigates", () => {
    const { host, view, actions, runFrames } = setup();
    view.update({
      blocks: [],
      tail: '<p><a href="https://a.example/x" class="md-link">web</a> <a href="mailto:a@b.example">mail</a> <a href="javascript:alert(1)">js</a></p>',
    });
    runFrames();
    const clicks = [...host.querySelectorAll("a")].map((a) => {
      const event = new MouseEvent("click", { bubbles: true, cancelable: true });
      a.dispatchEvent(event);
      return event.defaultPrevented;
    });
    expect(clicks, "no link click reaches the webview's navigation").toEqual([true, true, true]);
    expect(actions.openLink.mock.calls, "only http(s) and mailto are handed to the system").toEqual([
      ["https://a.example/x"],
      ["mailto:a@b.example"],
    ]);
  });

  it("follows footnote links inside the same answer", () => {
    const { host, view, runFrames } = setup();
    view.update({
      blocks: [],
      tail: '<p>x<sup class="footnote-reference"><a href="#md-fn--1">1</a></sup></p><div class="footnote-definition" id="md-fn--1">note</div>',
    });
    runFrames();
    const target = host.querySelector<HTMLElement>("#md-fn--1")!;
    target.scrollIntoView = vi.fn();
    host.querySelector("a")!.click();
    expect(target.scrollIntoView, "the definition is brought into view").toHaveBeenCalled();
  });

  it("labels code blocks and copies their text", async () => {
    const { host, view, actions, runFrames } = setup();
    view.update({
      blocks: ['<pre><code class="language-rust" data-lang="rust"><span class="tok-keyword">fn</span> main() {}\n</code></pre>'],
      tail: "",
    });
    runFrames();
    expect(host.querySelector(".code-block .code-lang")?.textContent, "the language is shown").toBe("rust");
    const copy = host.querySelector<HTMLButtonElement>(".copy-code")!;
    copy.click();
    await settle();
    expect(actions.copyText, "the code's text, without markup").toHaveBeenCalledWith("fn main() {}\n");
    expect(copy.textContent, "the button confirms").toBe("Copied");
  });

  it("typesets math with KaTeX, loaded with the first math, and survives bad TeX", async () => {
    const { host, view, runFrames } = setup();
    view.update({
      blocks: [],
      tail: '<p><span class="math-inline">x^2</span> and <span class="math-inline">\\frac{</span></p><div class="math-display">\\sum_i i</div>',
    });
    runFrames();
    await katexReady();
    const [good, bad] = [...host.querySelectorAll<HTMLElement>(".math-inline")];
    expect(good?.querySelector(".katex"), "inline math is typeset").not.toBeNull();
    expect(good?.dataset.tex, "the TeX is kept for copying").toBe("x^2");
    expect(bad?.textContent, "bad TeX is shown, not thrown").toContain("\\frac{");
    expect(host.querySelector(".math-display .katex-display"), "display math is typeset as a block").not.toBeNull();
    expect(host.querySelector("script"), "KaTeX output holds no script").toBeNull();
  });

  it("loads remote images only when the user allows them, once per address", async () => {
    const { host, view, actions, runFrames } = setup();
    const image = '<span class="remote-image" data-src="https://img.example/cat.png" data-alt="cat">cat</span>';
    view.update({ blocks: [`<p>${image}</p>`], tail: "" });
    runFrames();
    expect(host.querySelector("img"), "nothing is fetched by default").toBeNull();
    expect(actions.loadImage).not.toHaveBeenCalled();
    const button = host.querySelector<HTMLButtonElement>(".remote-image-load")!;
    expect(button.textContent, "the placeholder names the image and its host").toContain("img.example");

    button.click();
    await settle();
    expect(host.querySelector("img")?.getAttribute("src"), "shown from the data URL Rust fetched").toBe(
      "data:image/png;base64,AAAA",
    );

    // Later updates of the same message show its images without asking again or refetching.
    view.update({ blocks: [`<p>${image}</p>`], tail: `<p>${image}</p>` });
    runFrames();
    await settle();
    expect(host.querySelectorAll("img"), "the tail's copy is shown too").toHaveLength(2);
    expect(actions.loadImage, "fetched once").toHaveBeenCalledTimes(1);
  });

  it("says why a remote image could not be loaded", async () => {
    const { host, view, runFrames } = setup(async () => {
      throw { code: "invalid_input", message: "What img.example sent is not a PNG, JPEG, GIF, WebP or AVIF image." };
    });
    view.update({ blocks: [], tail: '<span class="remote-image" data-src="https://img.example/x.svg" data-alt="x">x</span>' });
    runFrames();
    host.querySelector<HTMLButtonElement>(".remote-image-load")!.click();
    await settle();
    expect(host.querySelector(".remote-image-error")?.textContent).toContain("not a PNG");
    expect(host.querySelector("img")).toBeNull();
  });

  it("says its own labels again in another language", () => {
    const { host, view, runFrames } = setup();
    const image = '<span class="remote-image" data-src="https://img.example/cat.png" data-alt="cat">cat</span>';
    view.update({ blocks: ['<pre><code data-lang="rust">fn main() {}</code></pre>', "<pre><code>plain</code></pre>"], tail: image });
    runFrames();
    const [rust, plain] = [...host.querySelectorAll(".code-block")];
    try {
      setLocale("zh-CN");
      view.relabel();
      expect(rust?.querySelector(".copy-code")?.textContent).toBe("复制");
      expect(rust?.querySelector(".copy-code")?.getAttribute("aria-label")).toBe("复制 rust 代码");
      expect(rust?.querySelector(".code-lang")?.textContent, "a language name stays").toBe("rust");
      expect(plain?.querySelector(".code-lang")?.textContent).toBe("文本");
      expect(host.querySelector(".remote-image-load")?.textContent).toBe("来自 img.example 的图片“cat”：加载图片");
    } finally {
      setLocale("en");
    }
    view.relabel();
    expect(rust?.querySelector(".copy-code")?.textContent).toBe("Copy");
    expect(plain?.querySelector(".code-lang")?.textContent).toBe("text");
  });
});
