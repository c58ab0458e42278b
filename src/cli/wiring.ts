import { userInfo } from "node:os";

/** The flags every command that works on the data folder accepts. */
export const DATA_FLAGS = [
  { name: "data-dir", value: "DIR", help: "folder for the database, backups and settings" },
  {
    name: "config",
    value: "FILE",
    help: "settings file (default business-app.config.json in the data folder)",
  },
];

/** How the log and the list name a person at the command line. */
export function commandLineUser(): string {
  try {
    return `command line (${userInfo().username})`;
  } catch {
    return "command line";
  }
}
