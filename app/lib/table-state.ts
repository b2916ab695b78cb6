import type { SortingState } from "@tanstack/react-table";

/**
 * Pure mappers between the URL (`?sort=p95.desc&page=2`) and TanStack Table
 * state, so a link reproduces the view and loaders read the same state.
 */

export const PAGE_SIZES = [10, 25, 50, 100] as const;

export function parseSort(value: string | null, allowed: readonly string[], fallback: SortingState = []): SortingState {
  if (!value) return fallback;
  const [id, dir] = value.split(".");
  if (!id || !allowed.includes(id)) return fallback;
  return [{ id, desc: dir === "desc" }];
}

export function serializeSort(sorting: SortingState): string | null {
  const first = sorting[0];
  return first ? `${first.id}.${first.desc ? "desc" : "asc"}` : null;
}

export interface PageState {
  /** 1-based page number. */
  page: number;
  pageSize: number;
}

/** Far past any real table's end: a bigger page number reads as this one (an empty page), never as an overflow. */
export const MAX_PAGE = 1_000_000;

export function parsePage(params: URLSearchParams, defaultSize = 25): PageState {
  const page = Math.min(MAX_PAGE, Math.max(1, Math.floor(Number(params.get("page")) || 1)));
  const size = Number(params.get("size"));
  const pageSize = (PAGE_SIZES as readonly number[]).includes(size) ? size : defaultSize;
  return { page, pageSize };
}

/** GraphQL paging arguments for a page. */
export const pageArgs = ({ page, pageSize }: PageState) => ({ first: pageSize, offset: (page - 1) * pageSize });

/**
 * A copy of `params` with `changes` applied (null/"" removes a key). Any change
 * other than the page itself sends the user back to page 1.
 */
export function withParams(params: URLSearchParams, changes: Record<string, string | number | null | undefined>): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") next.delete(key);
    else next.set(key, String(value));
  }
  if (!("page" in changes)) next.delete("page");
  return next;
}
