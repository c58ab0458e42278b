/** A source of the current time; passed in so tests can control it. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `2025-09-22 14:30:00` in local time, as the backup log writes it. */
export function formatLogTime(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** `20250922_143000` in local time, as backup file names carry it. */
export function formatFileStamp(date: Date): string {
  return (
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}_` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`
  );
}
