import { userInfo } from "node:os";
import { isUnknownUserName } from "../lib/text.ts";

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
  const name = osUserName();
  return name ? `command line (${name})` : "command line";
}

/** The OS user's name, or null when the system does not know it (a container, a service account). */
function osUserName(): string | null {
  try {
    const name = userInfo().username.trim();
    return isUnknownUserName(name) ? null : name;
  } catch {
    return null;
  }
}
