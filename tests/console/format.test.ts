import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime } from "../../app/lib/format.ts";

// What Intl printed for these before the formatters were written by hand (Node's ICU, en-GB, UTC).
const intlDate = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const intlDateTime = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
  timeZoneName: "short",
});

describe("date formatters", () => {
  it.each([
    ["2026-11-22T09:13:16.064Z", "22 Nov 2026", "22 Nov, 09:13 UTC"],
    ["2026-09-30T23:59:59.999Z", "30 Sept 2026", "30 Sept, 23:59 UTC"],
    ["2027-01-01T00:00:00.000Z", "1 Jan 2027", "1 Jan, 00:00 UTC"],
    // A time given with an offset is shown in UTC, as the rest of the console shows it.
    ["2026-03-01T01:30:00+02:00", "28 Feb 2026", "28 Feb, 23:30 UTC"],
  ])("%s → %s / %s", (iso, date, dateTime) => {
    expect(formatDate(iso)).toBe(date);
    expect(formatDateTime(iso)).toBe(dateTime);
  });

  it("writes what Intl's en-GB format writes, for every month, day and hour of a year", () => {
    const start = Date.UTC(2024, 0, 1); // a leap year
    for (let t = start; t < start + 366 * 86_400_000; t += 3_600_000 + 7 * 60_000) {
      const iso = new Date(t).toISOString();
      expect([iso, formatDate(iso)]).toEqual([iso, intlDate.format(new Date(t))]);
      expect([iso, formatDateTime(iso)]).toEqual([iso, intlDateTime.format(new Date(t))]);
    }
  });
});
