import type { Page } from "playwright-core";

/**
 * The rows of the table labelled `label`, each an object keyed by its column
 * header's visible text ("Model Name", "Req/sec", …; a header with only
 * screen-reader text keeps that text, e.g. "Actions"). Tests read cells by
 * column, not by position, so adding a column breaks nothing. A cell's value
 * is its text, trimmed; `time` cells also give their datetime under
 * "<header>@datetime".
 */
export async function readTable(page: Page, label: string): Promise<Array<Record<string, string>>> {
  return page.locator(`table[aria-label="${label}"]`).evaluate((table) => {
    const headers = [...table.querySelectorAll("thead th")].map((th) => {
      // The sort button's screen-reader hint ("(click to sort)") is not part of the header's name.
      const clone = th.cloneNode(true) as HTMLElement;
      clone.querySelectorAll("button .sr-only").forEach((el) => el.remove());
      return clone.textContent!.replace(/\s+/g, " ").trim();
    });
    return [...table.querySelectorAll("tbody tr")]
      .map((tr) => [...tr.querySelectorAll(":scope > td")])
      .filter((tds) => tds.length === headers.length)
      .map((tds) => {
        const row: Record<string, string> = {};
        tds.forEach((td, i) => {
          row[headers[i]!] = td.textContent!.replace(/\s+/g, " ").trim();
          const time = td.querySelector("time");
          if (time) row[`${headers[i]}@datetime`] = time.getAttribute("datetime") ?? "";
        });
        return row;
      });
  });
}

/**
 * The message a form shows for the field labelled `label`: the element its `aria-describedby` names
 * (Conform points it at the field's error while the field is invalid), or null when there is none.
 */
export async function fieldError(page: Page, label: string): Promise<string | null> {
  const ids = await page.getByLabel(label, { exact: true }).getAttribute("aria-describedby");
  if (!ids) return null;
  for (const id of ids.split(/\s+/)) {
    const el = page.locator(`[id="${id}"][role="alert"]`);
    if (await el.count()) return ((await el.textContent()) ?? "").trim();
  }
  return null;
}
