import type { AlertEmail } from "../app/alerts/alert-email.ts";
import type { ContinuousView } from "../app/continuous.ts";
import type { AlertsPort, RecoveryPort, SettingsPort } from "../app/ports.ts";
import type { PassphraseKeeper } from "../app/settings/passphrase.ts";
import type { Auth } from "../auth/auth.ts";
import type { BackupEngine } from "../backup/index.ts";
import type { DataPaths } from "../config/paths.ts";
import type { DatabaseHandle } from "../db/handle.ts";
import type { Log } from "../lib/log.ts";
import type { Clock } from "../lib/time.ts";
import type { OffsiteDrills } from "../offsite/drills/drill.ts";
import type { OffsiteService } from "../offsite/service.ts";
import type { DrillSchedule } from "../scheduler/drills.ts";
import type { BackupScheduler } from "../scheduler/scheduler.ts";

export type { AlertsPort, RecoveryPort, SettingsPort };

/**
 * What the web layer needs from the rest of the app. The composition root (`src/app.ts`) builds
 * these once; the web layer never builds a service itself and never decides where settings come from.
 */

export interface WebDeps {
  db: DatabaseHandle;
  paths: DataPaths;
  log: Log;
  version: string;
  /** The app's clock: "2 hours ago" on the pages is counted from it. */
  clock: Clock;
  engine: BackupEngine;
  scheduler: BackupScheduler;
  /** When restore drills run on their own (the status shows the next one). */
  drills: DrillSchedule;
  /** Each off-site place's last drill (the status shows it beside the restore drill's). */
  offsiteDrills: Pick<OffsiteDrills, "status">;
  alerts: AlertsPort;
  recovery: RecoveryPort;
  auth: Auth;
  settings: SettingsPort;
  /** Off-site copies: their status, where each backup lives, restores that fall back to them. */
  offsite: OffsiteService;
  /** The off-site passphrase kept by the app: set on the Settings page, checked from time to time. */
  passphrase: PassphraseKeeper;
  /** E-mail alerts: the Settings page's test e-mail. */
  email: Pick<AlertEmail, "test">;
  /** Continuous protection: its window and how current it is. */
  continuous: { status(): ContinuousView };
  /** The address the server listens on and the extra names it answers to (DNS-rebinding check). */
  listenHost: string;
  allowedHosts: string[];
}
