import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Settings } from "../config/schema.ts";
import { writeFileAtomic } from "../lib/fs-sync.ts";
import type { Log } from "../lib/log.ts";
import { hasControlCharacters } from "../lib/text.ts";
import type { Clock } from "../lib/time.ts";
import { OffsiteError } from "../offsite/errors.ts";
import { type PassphraseTry, passphraseFingerprint } from "../offsite/passphrase.ts";
import type { AppSettings } from "./settings.ts";

export const PASSPHRASE_FILE = "passphrase.json";
const DAY_MS = 86_400_000;
/** After the reminder is due, this long passes before nobody typing it becomes an alert. */
export const PASSPHRASE_GRACE_DAYS = 30;

/** What `passphrase.json` keeps: never the passphrase, only when someone last proved they know it. */
interface PassphraseRecord {
  /** The fingerprint of the passphrase this record is about: another one starts the record anew. */
  fingerprint: string;
  /** Since when the app has had this passphrase (ISO 8601). */
  since: string;
  /** When someone last typed it and it opened the copies, and who. */
  confirmedAt: string | null;
  confirmedBy: string | null;
}

/** The passphrase as the pages, the status and the alerts see it. */
export interface PassphraseStatus {
  set: boolean;
  /** Set by an environment variable or a flag: the page cannot change it. */
  fixed: boolean;
  fingerprint: string | null;
  confirmedAt: string | null;
  confirmedBy: string | null;
  /** When an administrator is next asked to type it (ISO 8601); null when never (no passphrase, or reminders off). */
  dueAt: string | null;
  /** The reminder is due now. */
  due: boolean;
}

/** Why a passphrase typed on a page was not taken, in words; nothing was changed. */
export class PassphraseRefused extends OffsiteError {
  constructor(message: string) {
    super("offsite.passphrase_refused", message);
  }
}

export interface PassphraseKeeperDeps {
  settings: AppSettings;
  /** What a passphrase opens in each place (`OffsiteService.tryPassphrase`). */
  tryPassphrase: (passphrase: string) => Promise<PassphraseTry[]>;
  clock: Clock;
  log: Log;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * The off-site passphrase kept by the app: saved from the Settings page (typed twice, proven
 * against every place that already holds encrypted copies, written to the owner-only settings
 * file, never shown again), and checked from time to time: every `offsite_passphrase_check_days`
 * an administrator is asked to type it; what they type must be the saved passphrase and open
 * every place's key. `passphrase.json` in the backup folder remembers when that last happened.
 */
export class PassphraseKeeper {
  readonly #path: string;
  readonly #deps: PassphraseKeeperDeps;
  #record: PassphraseRecord | null | undefined;

  constructor(backupsDir: string, deps: PassphraseKeeperDeps) {
    this.#path = join(backupsDir, PASSPHRASE_FILE);
    this.#deps = deps;
  }

  status(): PassphraseStatus {
    const settings = this.#deps.settings.current.settings;
    const passphrase = settings.offsite_passphrase;
    const fixed = this.#deps.settings.isFixed("offsite_passphrase");
    if (passphrase === null)
      return {
        set: false,
        fixed,
        fingerprint: null,
        confirmedAt: null,
        confirmedBy: null,
        dueAt: null,
        due: false,
      };
    const record = this.#recordFor(passphrase);
    const dueAt = dueOf(record, settings);
    return {
      set: true,
      fixed,
      fingerprint: record.fingerprint,
      confirmedAt: record.confirmedAt,
      confirmedBy: record.confirmedBy,
      dueAt,
      due: dueAt !== null && Date.parse(dueAt) <= this.#deps.clock().getTime(),
    };
  }

  /**
   * Saves `passphrase` (typed twice) as the off-site passphrase. Refused, with nothing changed, when
   * the two differ, when it is shorter than 12 characters, when an environment variable sets it, when one is set already and places hold
   * copies encrypted with it, or when a place already holds encrypted copies this passphrase does
   * not open (a new PC must get the passphrase its copies were made with).
   */
  async save(passphrase: string, again: string, by: string): Promise<PassphraseStatus> {
    if (passphrase !== again)
      throw new PassphraseRefused("The two passphrases differ. Type the same one twice.");
    if ([...passphrase].length < 12 || passphrase.length > 1024 || hasControlCharacters(passphrase))
      throw new PassphraseRefused(
        "A passphrase needs 12 to 1024 characters, without tabs or line breaks: several words, such as four words from a book, are easy to write down and hard to guess.",
      );
    if (this.#deps.settings.isFixed("offsite_passphrase"))
      throw new PassphraseRefused(
        "The passphrase is set where BusinessApp starts (an environment variable); change it there.",
      );
    const tries = await this.#deps.tryPassphrase(passphrase);
    const current = this.#deps.settings.current.settings.offsite_passphrase;
    if (current !== null && current !== passphrase && tries.some((t) => t.outcome !== "no_key"))
      throw new PassphraseRefused(
        "A passphrase is set already, and off-site copies are encrypted with it. Keep using it: the copies there open only with the passphrase they were made with.",
      );
    // A place out of reach now (a USB drive not plugged in) cannot say no: its next copy does.
    const refusing = tries.filter((t) => t.outcome === "wrong");
    if (refusing.length > 0)
      throw new PassphraseRefused(
        `The passphrase was not saved: ${refusing.map((t) => `${t.label}: ${t.reason}`).join("; ")}.`,
      );
    await this.#deps.settings.apply({ values: {}, secrets: { offsite_passphrase: passphrase } }, by);
    await this.#write({
      fingerprint: passphraseFingerprint(passphrase),
      since: this.#deps.clock().toISOString(),
      confirmedAt: this.#deps.clock().toISOString(),
      confirmedBy: by,
    });
    return this.status();
  }

  /**
   * An administrator types the passphrase to show it is still known: it must be the saved one and
   * open every place's key. Recorded when it does; `PassphraseRefused` when it does not.
   */
  async confirm(typed: string, by: string): Promise<{ status: PassphraseStatus; tries: PassphraseTry[] }> {
    const saved = this.#deps.settings.current.settings.offsite_passphrase;
    if (saved === null) throw new PassphraseRefused("No passphrase is set on this PC.");
    if (!timingSafeEqual(digest(typed), digest(saved))) {
      this.#deps.log.warning(`Passphrase check by ${by}: the passphrase typed is not the one set`);
      throw new PassphraseRefused(
        "That is not the passphrase set here. Look at the emergency kit, and try again (the fingerprint of what you typed is shown).",
      );
    }
    const tries = await this.#deps.tryPassphrase(typed);
    const failing = tries.filter((t) => t.outcome === "wrong" || t.outcome === "unreachable");
    if (failing.length > 0)
      throw new PassphraseRefused(
        `The passphrase is the one set here, but ${failing.map((t) => `${t.label}: ${t.reason}`).join("; ")}.`,
      );
    const record = this.#recordFor(saved);
    await this.#write({ ...record, confirmedAt: this.#deps.clock().toISOString(), confirmedBy: by });
    this.#deps.log.info(`Passphrase check by ${by}: it opens the off-site copies`);
    return { status: this.status(), tries };
  }

  /** The record of `passphrase`: the one on disk, or a new one (first seen now) when it is about another passphrase. */
  #recordFor(passphrase: string): PassphraseRecord {
    const fingerprint = passphraseFingerprint(passphrase);
    if (this.#record === undefined) this.#record = readRecord(this.#path);
    if (this.#record?.fingerprint === fingerprint) return this.#record;
    const fresh = {
      fingerprint,
      since: this.#deps.clock().toISOString(),
      confirmedAt: null,
      confirmedBy: null,
    };
    void this.#write(fresh).catch(() => {});
    return fresh;
  }

  async #write(record: PassphraseRecord): Promise<void> {
    this.#record = record;
    await writeFileAtomic(this.#path, `${JSON.stringify({ version: 1, ...record }, null, 2)}\n`, {
      wait: { timeoutMs: 0 },
    });
  }
}

/** When the next check is due: the check interval after the last confirmation (or after the passphrase came). */
function dueOf(record: PassphraseRecord, settings: Settings): string | null {
  const days = settings.offsite_passphrase_check_days;
  if (days === 0) return null;
  return new Date(Date.parse(record.confirmedAt ?? record.since) + days * DAY_MS).toISOString();
}

function readRecord(path: string): PassphraseRecord | null {
  try {
    const data = JSON.parse(readFileSync(path, "utf8")) as Partial<PassphraseRecord> & { version?: number };
    const iso = (v: unknown) => typeof v === "string" && !Number.isNaN(Date.parse(v));
    if (data.version !== 1 || typeof data.fingerprint !== "string" || !iso(data.since)) return null;
    return {
      fingerprint: data.fingerprint,
      since: data.since as string,
      confirmedAt: iso(data.confirmedAt) ? (data.confirmedAt as string) : null,
      confirmedBy: typeof data.confirmedBy === "string" ? data.confirmedBy.slice(0, 200) : null,
    };
  } catch {
    return null; // None yet, or unreadable: counted from now.
  }
}
