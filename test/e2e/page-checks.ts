import { expect } from "bun:test";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { CHROMIUM } from "../tools.ts";

/** The few parts of the browser's DOM the checks use inside the page (the project compiles without the DOM's types). */
interface El {
  tagName: string;
  id: string;
  className: unknown;
  scrollWidth: number;
  clientWidth: number;
  parentElement: El | null;
  children: ArrayLike<El>;
  getClientRects(): { length: number };
  getBoundingClientRect(): { right: number; top: number; height: number };
  closest(selector: string): El | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
}
declare const document: { documentElement: El; querySelectorAll(selector: string): ArrayLike<El> };
declare const window: { innerWidth: number };
declare function getComputedStyle(el: El): {
  paddingRight: string;
  borderRightWidth: string;
  lineHeight: string;
  fontSize: string;
};

/** The two widths every page is looked at: a desktop and a phone. */
export const WIDTHS = [
  { width: 1280, height: 900 },
  { width: 390, height: 844 },
] as const;

/** Boxes whose content may not stick out of them: panels, messages, the status sentence, cells, facts. */
const BOXES = ".panel, .notice, .verdict, .facts dd, td, th, .card, fieldset, form";

/**
 * Fails when the page scrolls sideways, when a table is wider than its panel (unless it scrolls
 * inside its own box, `.table-scroll`), or when a box's
 * content sticks out of it (a long name that does not wrap, a button pushed out of its card).
 */
export async function expectFits(page: Page, what: string): Promise<void> {
  const problems = await page.evaluate((boxes) => {
    const found: string[] = [];
    const name = (el: El) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className && typeof el.className === "string" ? `.${el.className.split(" ").join(".")}` : ""}`;
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth) {
      found.push(`the page scrolls sideways: ${doc.scrollWidth} px wide in a ${window.innerWidth} px window`);
    }
    for (const table of Array.from(document.querySelectorAll("table"))) {
      // A table in a box that scrolls sideways may be wider than its panel: the box is not.
      if (table.closest(".table-scroll")) continue;
      const panel = table.closest(".panel") ?? table.parentElement;
      if (!panel) continue;
      const style = getComputedStyle(panel);
      const inner =
        panel.getBoundingClientRect().right -
        parseFloat(style.paddingRight) -
        parseFloat(style.borderRightWidth);
      const right = Math.max(
        table.getBoundingClientRect().right,
        ...Array.from(table.querySelectorAll("*")).map((el) => el.getBoundingClientRect().right),
      );
      if (right > inner + 1) found.push(`a table is ${Math.round(right - inner)} px wider than its panel`);
    }
    for (const el of Array.from(document.querySelectorAll(boxes))) {
      if (el.getClientRects().length === 0) continue;
      if (el.scrollWidth > el.clientWidth + 1) {
        found.push(`${name(el)} has content ${el.scrollWidth - el.clientWidth} px wider than itself`);
      }
    }
    return found;
  }, BOXES);
  expect({ page: what, problems }).toEqual({ page: what, problems: [] });
}

/**
 * The actions of each backup row: every row has its buttons on one line (the same top, none
 * wrapped below), and every button of every row has the same height.
 */
export async function expectOneLineOfActions(page: Page, slots: number): Promise<number> {
  const rows = await page.evaluate(() =>
    Array.from(document.querySelectorAll(".backup-table tbody tr")).map((tr) => {
      const row = tr.querySelector(".action-row");
      const items = Array.from(row?.children ?? []).map((el) => el.getBoundingClientRect());
      return {
        count: items.length,
        tops: [...new Set(items.map((r) => Math.round(r.top)))],
        heights: items.map((r) => Math.round(r.height)),
        rowHeight: Math.round(row?.getBoundingClientRect().height ?? 0),
      };
    }),
  );
  expect(rows.length).toBeGreaterThan(0);
  const heights = new Set(rows.flatMap((r) => r.heights));
  for (const row of rows) {
    expect(row.count).toBe(slots);
    expect(row.tops).toHaveLength(1);
    expect(row.rowHeight).toBeLessThanOrEqual(Math.max(...row.heights) + 1);
  }
  expect([...heights]).toHaveLength(1);
  return rows.length;
}

/** Debian's Chromium, headless, as every browser test drives it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
}

/** How many lines of text the element `locator` finds takes on the page. */
export function linesOf(locator: Locator): Promise<number> {
  return locator.evaluate((el: El) => {
    const style = getComputedStyle(el);
    const line = Number.parseFloat(style.lineHeight) || Number.parseFloat(style.fontSize) * 1.25;
    return el.getBoundingClientRect().height / line;
  });
}
