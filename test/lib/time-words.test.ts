import { describe, expect, test } from "bun:test";
import { dayAndTime, timeAgo, timeAhead } from "../../src/lib/time.ts";

const now = new Date(2025, 8, 22, 14, 30, 0);
const at = (day: number, hour: number, minute = 0) => new Date(2025, 8, day, hour, minute, 0);

describe("friendly times", () => {
  test("in lists: Today, Yesterday, Tomorrow, else the full date", () => {
    expect(dayAndTime(at(22, 9, 5), now)).toBe("Today 09:05");
    expect(dayAndTime(at(21, 23, 59), now)).toBe("Yesterday 23:59");
    expect(dayAndTime(at(23, 0, 0), now)).toBe("Tomorrow 00:00");
    expect(dayAndTime(at(20, 14, 30), now)).toBe("20 Sep 2025 14:30");
    expect(dayAndTime(new Date(2024, 11, 31, 8, 0), now)).toBe("31 Dec 2024 08:00");
    expect(dayAndTime("not a time", now)).toBe("—");
  });

  test("about the past: just now, minutes, hours, then days and dates", () => {
    expect(timeAgo(new Date(now.getTime() - 30_000), now)).toBe("just now");
    expect(timeAgo(at(22, 14, 29), now)).toBe("1 minute ago");
    expect(timeAgo(at(22, 14, 10), now)).toBe("20 minutes ago");
    expect(timeAgo(at(22, 12, 30), now)).toBe("2 hours ago");
    expect(timeAgo(at(22, 1, 0), now)).toBe("today at 01:00");
    expect(timeAgo(at(21, 9, 0), now)).toBe("yesterday at 09:00");
    expect(timeAgo(at(18, 9, 0), now)).toBe("4 days ago");
    expect(timeAgo(at(3, 9, 0), now)).toBe("on 3 Sep");
    expect(timeAgo(new Date(2024, 7, 3), now)).toBe("on 3 Aug 2024");
  });

  test("about the future: at a time today, tomorrow, or a date", () => {
    expect(timeAhead(at(22, 18, 0), now)).toBe("at 18:00");
    expect(timeAhead(at(23, 2, 0), now)).toBe("tomorrow at 02:00");
    expect(timeAhead(at(29, 2, 0), now)).toBe("on 29 Sep at 02:00");
  });
});
