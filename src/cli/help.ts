import { envName, SETTING_DESCRIPTIONS, SETTING_KEYS } from "../config/schema.ts";
import { describeFlags, PROGRAM } from "./args.ts";
import { BACKUP_FLAGS } from "./commands/backup.ts";
import { DRILL_FLAGS } from "./commands/drill.ts";
import { INSPECT_FLAGS } from "./commands/inspect.ts";
import { LIST_FLAGS } from "./commands/list.ts";
import { RESTORE_FLAGS } from "./commands/restore.ts";
import { RETENTION_FLAGS } from "./commands/retention.ts";
import { SERVE_FLAGS } from "./commands/serve.ts";
import { STATUS_FLAGS } from "./commands/status.ts";
import { VERIFY_FLAGS } from "./commands/verify.ts";
import { DATA_FLAGS } from "./wiring.ts";

const own = (flags: typeof SERVE_FLAGS) => flags.filter((f) => !DATA_FLAGS.some((d) => d.name === f.name));
/** Each flag once, as the first command that has it describes it. */
const once = (flags: typeof SERVE_FLAGS) =>
  flags.filter((f, i) => flags.findIndex((g) => g.name === f.name) === i);

/** The whole `--help` text: commands, flags and environment variables. */
export function usage(): string {
  const envLines = [
    ["BUSINESS_APP_DATA_DIR", "data folder (like --data-dir)"],
    ["BUSINESS_APP_CONFIG", "settings file (like --config)"],
    ...SETTING_KEYS.map((key) => [envName(key), SETTING_DESCRIPTIONS[key]]),
  ];
  const width = Math.max(...envLines.map(([name]) => (name ?? "").length)) + 2;
  return `BusinessApp: an offline business application with automatic database backups.

Usage:
  ${PROGRAM} [serve] [options]             start the web interface at http://localhost:5000 (the default)
  ${PROGRAM} backup [--description TEXT]   take one manual backup (works while the app runs)
  ${PROGRAM} list [--json]                 list the backups, newest first
  ${PROGRAM} verify NAME | --all           fully check backups; exit 1 if any is damaged
  ${PROGRAM} inspect NAME [--table T] [--diff] [--csv] [--search TEXT] [--json]
                                           look inside a verified backup without restoring it:
                                           its tables with their rows then and now, a table's
                                           rows, or how it differs from the database now
  ${PROGRAM} restore NAME | --latest [--from mirror|s3] [--yes]
                                           restore a backup while the app is stopped;
                                           --from: its off-site copy (also on a new PC)
  ${PROGRAM} offsite test | status [--json] | sync
                                           test the off-site places, list local and
                                           off-site copies side by side, or copy what is
                                           missing now and apply retention there
  ${PROGRAM} drill [--from mirror|s3] [--json]
                                           prove that the newest good backup can be restored
                                           (into a temporary file; exit 1 if it cannot);
                                           --from: the newest copy in that off-site place
  ${PROGRAM} email test [--json]           send a test e-mail with the e-mail alert settings
                                           (exit 1 if the mail server does not take it)
  ${PROGRAM} retention --preview [--json] [--keep-daily N] [--keep-weekly N] [--keep-monthly N]
                    [--keep-yearly N] [--max-backups N]
                                           show which backups retention keeps and which go,
                                           with the reason of each (here and, as this PC
                                           recorded them, off-site); changes nothing
  ${PROGRAM} status [--json]               ok, or degraded with each alert and what to do
                                           (exit 0 ok, 1 degraded)
  ${PROGRAM} user add --username U --role user|admin|super_admin --password-stdin
  ${PROGRAM} user reset-password --username U --password-stdin
  ${PROGRAM} user list                     manage users (with the app stopped or running)
  ${PROGRAM} --help                        show this help
  ${PROGRAM} --version                     show the version

Options of serve:
${describeFlags(SERVE_FLAGS)}

Options of backup, list, verify, inspect, restore, drill, status and email:
${describeFlags(once([...own(BACKUP_FLAGS), ...own(LIST_FLAGS), ...own(VERIFY_FLAGS), ...own(INSPECT_FLAGS), ...own(RESTORE_FLAGS), ...own(DRILL_FLAGS), ...own(STATUS_FLAGS), ...DATA_FLAGS]))}

Options of retention:
${describeFlags(own(RETENTION_FLAGS))}

Environment variables (a flag wins over the environment, which wins over the settings file):
${envLines.map(([name, text]) => `  ${(name ?? "").padEnd(width)}${text}`).join("\n")}

Files, all in the data folder (the executable's folder unless --data-dir is given):
  business_data.db            the database
  business-app.config.json    settings, optional (keys as above in lower case without BUSINESS_APP_)
  database_backups/           backups and backup.log

Exit codes: 0 success, 1 operation failed, 2 bad usage or settings, 3 another instance is running, or another backup or restore.`;
}
