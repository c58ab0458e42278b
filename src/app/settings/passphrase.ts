import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Settings } from "../../config/schema.ts";
import { describeError } from "../../lib/errors.ts";
import { writeFileAtomic } from "../../lib/files/fs-sync.ts";
import type { Log } from "../../lib/log.ts";
import { hasControlCharacters } from "../../lib/text.ts";
import type { Clock } from "../../lib/time.ts";
import { type PassphraseTry, passphraseFingerprint } from "../../offsite/crypto/passphrase.ts";
import { OffsiteError } from "../../offsite/errors.ts";
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

/** Wrong tries of one person within this window stop further tries. */
const WRONG_WINDOW_MS = 15 * 60_000;
const MAX_WRONG = 5;

/** Refuses when a place cannot be reached: nothing could be checked against its copies. */
function unreachable(tries: PassphraseTry[], what: "saved" | "changed"): void {
  const away = tries.filter((t) => t.outcome === "unreachable");
  if (away.length > 0)
    throw new PassphraseRefused(
      `The passphrase was not ${what}: ${away.map((t) => `${t.label} cannot be reached now (${t.reason})`).join("; ")}. Plug the drive in or check the connection, and try again: BusinessApp checks the passphrase against the copies there first.`,
    );
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
  /** When each person typed a wrong passphrase lately. */
  readonly #wrong = new Map<string, number[]>();
  #queue: Promise<unknown> = Promise.resolve();

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
    const dueAt = dueOf(record, settings, this.#deps.clock());
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
   * Saves `passphrase` (typed twice) as the off-site passphrase; one save or check at a time.
   * Refused, with nothing changed, when the two differ, when it is not 12 to 1024 characters or
   * has spaces at its ends, when an environment variable sets it, when a place cannot be reached
   * now (nothing could be checked there), when a place holds encrypted copies it does not open (a
   * new PC must get the passphrase its copies were made with), or when another passphrase is set
   * already and opens copies somewhere (they open only with it).
   */
  save(passphrase: string, again: string, by: string): Promise<PassphraseStatus> {
    return this.#oneAtATime(() => this.#save(passphrase, again, by));
  }

  async #save(passphrase: string, again: string, by: string): Promise<PassphraseStatus> {
    if (passphrase !== again)
      throw new PassphraseRefused("The two passphrases differ. Type the same one twice.");
    if ([...passphrase].length < 12 || passphrase.length > 1024 || hasControlCharacters(passphrase))
      throw new PassphraseRefused(
        "A passphrase needs 12 to 1024 characters, without tabs or line breaks: several words, such as four words from a book, are easy to write down and hard to guess.",
      );
    if (passphrase.trim() !== passphrase)
      throw new PassphraseRefused(
        "The passphrase starts or ends with a space, which is easy to miss when it is typed again: leave it out.",
      );
    if (this.#deps.settings.isFixed("offsite_passphrase"))
      throw new PassphraseRefused(
        "The passphrase is set where BusinessApp starts (an environment variable); change it there.",
      );
    const current = this.#deps.settings.current.settings.offsite_passphrase;
    if (current !== null && current !== passphrase) {
      // Copies made with the passphrase set now open only with it: it stays while any place holds them.
      const withCurrent = await this.#deps.tryPassphrase(current);
      unreachable(withCurrent, "changed");
      if (withCurrent.some((t) => t.outcome === "opens"))
        throw new PassphraseRefused(
          `The passphrase set now opens the copies in ${withCurrent
            .filter((t) => t.outcome === "opens")
            .map((t) => t.label)
            .join(" and ")}: they open only with it, so it stays. Type the one on the emergency kit.`,
        );
    }
    const tries = await this.#deps.tryPassphrase(passphrase);
    unreachable(tries, "saved");
    const refusing = tries.filter((t) => t.outcome === "wrong");
    if (refusing.length > 0)
      throw new PassphraseRefused(
        `The passphrase was not saved: ${refusing.map((t) => `${t.label}: ${t.reason}`).join("; ")}.`,
      );
    await this.#deps.settings.apply({ values: {}, secrets: { offsite_passphrase: passphrase } }, by);
    const now = this.#deps.clock().toISOString();
    await this.#tryWrite({
      fingerprint: passphraseFingerprint(passphrase),
      since: now,
      confirmedAt: now,
      confirmedBy: by,
    });
    return this.status();
  }

  /**
   * An administrator types the passphrase to show it is still known: it must be the saved one, and
   * no place may say it does not open its copies (a place out of reach, such as a USB drive taken
   * home, is named in `unreachable` and does not stop the check). Recorded when it passes;
   * `PassphraseRefused` when not, and after 5 wrong tries by one person within 15 minutes.
   */
  confirm(typed: string, by: string): Promise<{ status: PassphraseStatus; unreachable: string[] }> {
    return this.#oneAtATime(() => this.#confirm(typed, by));
  }

  async #confirm(typed: string, by: string): Promise<{ status: PassphraseStatus; unreachable: string[] }> {
    const saved = this.#deps.settings.current.settings.offsite_passphrase;
    if (saved === null) throw new PassphraseRefused("No passphrase is set on this PC.");
    const now = this.#deps.clock().getTime();
    const recent = (this.#wrong.get(by) ?? []).filter((at) => now - at < WRONG_WINDOW_MS);
    if (recent.length >= MAX_WRONG)
      throw new PassphraseRefused(
        "That was the fifth wrong try in a quarter of an hour. Wait a while, and look at the emergency kit meanwhile.",
      );
    if (!timingSafeEqual(digest(typed), digest(saved))) {
      this.#wrong.set(by, [...recent, now]);
      this.#deps.log.warning(`Passphrase check by ${by}: the passphrase typed is not the one set`);
      throw new PassphraseRefused(
        "That is not the passphrase set here. Look at the emergency kit, and try again.",
      );
    }
    this.#wrong.delete(by);
    const tries = await this.#deps.tryPassphrase(typed);
    const failing = tries.filter((t) => t.outcome === "wrong");
    if (failing.length > 0)
      throw new PassphraseRefused(
        `The passphrase is the one set here, but it does not open the copies in ${failing.map((t) => t.label).join(" and ")}: someone may have put other copies there. A super administrator sees more on the Settings page (Test connection).`,
      );
    const record = this.#recordFor(saved);
    await this.#tryWrite({ ...record, confirmedAt: this.#deps.clock().toISOString(), confirmedBy: by });
    this.#deps.log.info(
      `Passphrase check by ${by}: it is the one set, and opens the off-site copies it reached`,
    );
    return {
      status: this.status(),
      unreachable: tries.filter((t) => t.outcome === "unreachable").map((t) => t.label),
    };
  }

  /** True when `typed` is the passphrase set (compared in constant time). */
  async isSaved(typed: string): Promise<boolean> {
    const saved = this.#deps.settings.current.settings.offsite_passphrase;
    return saved !== null && timingSafeEqual(digest(typed), digest(saved));
  }

  /** Runs `work` after every save or check before it has ended: two at once never both change the record. */
  #oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Writes the record; a failure is logged, never undoes what was done (the passphrase saved stays saved). */
  async #tryWrite(record: PassphraseRecord): Promise<void> {
    try {
      await this.#write(record);
    } catch (error) {
      this.#deps.log.warning(`Could not write ${PASSPHRASE_FILE}: ${describeError(error)}`);
    }
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
    void this.#tryWrite(fresh);
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
function dueOf(record: PassphraseRecord, settings: Settings, now: Date): string | null {
  const days = settings.offsite_passphrase_check_days;
  if (days === 0) return null;
  // A time after now (a clock set back, a hand-edited file) counts from now: it never silences the question.
  const from = Math.min(Date.parse(record.confirmedAt ?? record.since), now.getTime());
  return new Date(from + days * DAY_MS).toISOString();
}

function readRecord(path: string): PassphraseRecord | null {
  try {
    const data = JSON.parse(readFileSync(path, "utf8")) as Partial<PassphraseRecord> & { version?: number };
    // A time the app can count with: 2000 to 2999 (anything else in the file is not one it wrote).
    const iso = (v: unknown) =>
      typeof v === "string" && Date.parse(v) >= Date.UTC(2000, 0, 1) && Date.parse(v) < Date.UTC(3000, 0, 1);
    if (
      data.version !== 1 ||
      typeof data.fingerprint !== "string" ||
      !/^[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(data.fingerprint) ||
      !iso(data.since)
    )
      return null;
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
