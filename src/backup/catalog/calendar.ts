/**
 * Calendar periods for retention: days, ISO weeks (Monday first), months and years in the
 * machine's local time, counted back from a given "now". Period 0 is the one "now" is in (today,
 * this week, …), 1 the one before, and so on. A time after "now" (a clock set back) counts as in
 * period 0: the newest backup of today is still chosen by its own time.
 */

export const PERIODS = ["daily", "weekly", "monthly", "yearly"] as const;
export type Period = (typeof PERIODS)[number];

const DAY_MS = 86_400_000;
const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** The local calendar day of `at` as a count of days (DST-proof: the local date read as UTC). */
function dayNumber(at: Date): number {
  return Math.round(Date.UTC(at.getFullYear(), at.getMonth(), at.getDate()) / DAY_MS);
}

/** The day number of the Monday that begins `at`'s ISO week. */
function mondayNumber(at: Date): number {
  return dayNumber(at) - ((at.getDay() + 6) % 7);
}

/** The ISO week of `at`: its year (the year of the week's Thursday) and number (1–53). */
export function isoWeek(at: Date): { year: number; week: number } {
  const thursday = new Date((mondayNumber(at) + 3) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const firstDay = Date.UTC(year, 0, 1) / DAY_MS;
  return { year, week: Math.floor((mondayNumber(at) + 3 - firstDay) / 7) + 1 };
}

/** How many periods of `period` lie between `at` and `now`: 0 for the one `now` is in, never below 0. */
export function periodsBack(period: Period, at: Date, now: Date): number {
  let back: number;
  switch (period) {
    case "daily":
      back = dayNumber(now) - dayNumber(at);
      break;
    case "weekly":
      back = (mondayNumber(now) - mondayNumber(at)) / 7;
      break;
    case "monthly":
      back = now.getFullYear() * 12 + now.getMonth() - (at.getFullYear() * 12 + at.getMonth());
      break;
    case "yearly":
      back = now.getFullYear() - at.getFullYear();
      break;
  }
  return Math.max(0, back);
}

/**
 * The period of `at`, as people name it ("5 December", "week 49", "November 2026", "2025"); the
 * year is added to a day or a week of another year than `now`'s.
 */
export function periodName(period: Period, at: Date, now: Date): string {
  const shown = periodsBack(period, at, now) === 0 && at > now ? now : at;
  switch (period) {
    case "daily": {
      const day = `${shown.getDate()} ${MONTH_NAMES[shown.getMonth()]}`;
      return shown.getFullYear() === now.getFullYear() ? day : `${day} ${shown.getFullYear()}`;
    }
    case "weekly": {
      const { year, week } = isoWeek(shown);
      return year === isoWeek(now).year ? `week ${week}` : `week ${week} of ${year}`;
    }
    case "monthly":
      return `${MONTH_NAMES[shown.getMonth()]} ${shown.getFullYear()}`;
    case "yearly":
      return String(shown.getFullYear());
  }
}

/** The words of a number of periods: "7 days", "1 week", "12 months". */
export function periodCount(period: Period, count: number): string {
  const unit = { daily: "day", weekly: "week", monthly: "month", yearly: "year" }[period];
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
