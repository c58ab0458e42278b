import { envName, type Settings } from "../../config/schema.ts";

/** One part of the emergency kit: a heading and its lines; `commands` are shown as typed. */
export interface KitSection {
  heading: string;
  lines: string[];
  commands?: string[];
}

export interface KitInput {
  settings: Settings;
  /** The folder BusinessApp runs in (its data folder). */
  dataDir: string;
  /** The fingerprint of the passphrase set, or null when none is. */
  fingerprint: string | null;
  version: string;
  /** `win32` gives the commands of a Windows command window; anything else a shell's. */
  platform: string;
  now: Date;
}

/** A blank to fill in by hand, long enough for a passphrase written out. */
const BLANK = "______________________________________________";

/** `KEY=value` set for the commands after it, in the command window's own syntax. */
function setLine(platform: string, key: string, value: string): string {
  if (platform === "win32") return `set "${envName(key)}=${value}"`;
  return `export ${envName(key)}='${value.replaceAll("'", "'\\''")}'`;
}

/**
 * A secret asked for where the commands run (typed in answer, not into the command): whatever
 * characters it has, the command window takes it as it is, and it stays out of the shell's history.
 */
function askLine(platform: string, key: string, question: string): string {
  const name = envName(key);
  if (platform === "win32") return `set /p ${name}=${question}: `;
  return `printf '${question}: '; read -rs ${name}; echo; export ${name}`;
}

/**
 * The emergency kit: what someone needs to get the shop's data back on another PC when this one is
 * gone: where the copies are, the passphrase (a line to write it by hand, never printed) and its
 * fingerprint, and the exact steps. The page prints it and the text file is the same words.
 */
export function emergencyKit(input: KitInput): KitSection[] {
  const { settings, platform } = input;
  const windows = platform === "win32";
  const exe = windows ? "BusinessApp.exe" : "./business-app";
  const sections: KitSection[] = [
    {
      heading: "BusinessApp emergency kit",
      lines: [
        `Made ${input.now.toISOString().slice(0, 16).replace("T", " ")} UTC by BusinessApp ${input.version}, running in ${input.dataDir}.`,
        "Keep this paper away from the PC (at home, in a safe). With it, the shop's data comes back on any PC, even when this one is broken or stolen. Anyone who has it and the copies can read the data: keep it as you keep the shop's keys.",
      ],
    },
  ];
  const encrypted = settings.offsite_passphrase !== null;
  sections.push({
    heading: "Passphrase",
    lines: encrypted
      ? [
          `Write the passphrase here by hand: ${BLANK}`,
          `Fingerprint: ${input.fingerprint ?? "(unknown)"} — when the passphrase is typed, BusinessApp shows its fingerprint; it must read the same. If it does not, a letter was written or typed wrong.`,
          "The copies open only with this passphrase: nobody, not even the makers of BusinessApp, can open them without it.",
        ]
      : [
          "No passphrase is set: the off-site copies are not encrypted. Anyone who reaches them can read them.",
        ],
  });
  const where: string[] = [];
  const set: [string, string][] = [];
  const asks: [string, string][] = [];
  if (settings.offsite_mirror_dir !== null) {
    where.push(
      `Mirror folder: ${settings.offsite_mirror_dir} (a USB drive or network drive: plug it into the new PC; its drive letter may differ there).`,
    );
    set.push(["offsite_mirror_dir", settings.offsite_mirror_dir]);
  }
  if (settings.offsite_s3_bucket !== null) {
    where.push(
      `S3 storage: ${settings.offsite_s3_endpoint ?? ""}, bucket ${settings.offsite_s3_bucket}, region ${settings.offsite_s3_region}${settings.offsite_s3_prefix ? `, folder ${settings.offsite_s3_prefix}` : ""}.`,
      `Access key id: ${settings.offsite_s3_access_key_id ?? ""}`,
      `Secret access key (from the storage provider's account; write it by hand): ${BLANK}`,
    );
    for (const key of [
      "offsite_s3_endpoint",
      "offsite_s3_bucket",
      "offsite_s3_region",
      "offsite_s3_prefix",
      "offsite_s3_access_key_id",
    ] as const) {
      const value = settings[key];
      if (value) set.push([key, String(value)]);
    }
    asks.push(["offsite_s3_secret_access_key", "Secret access key"]);
  }
  if (where.length === 0) where.push("No off-site copies are set up: the backups are only on this PC.");
  sections.push({ heading: "Where the copies are", lines: where });
  if (set.length > 0) {
    if (encrypted) asks.push(["offsite_passphrase", "Passphrase"]);
    const from = settings.offsite_mirror_dir !== null ? "mirror" : "s3";
    sections.push({
      heading: "Getting the data back on a new PC",
      lines: [
        `1. Download BusinessApp ${input.version} or newer and unpack it where it should stay${windows ? ", for example C:\\BusinessApp" : ""}.`,
        `2. ${from === "mirror" ? "Plug in the drive with the mirror folder. " : ""}Open a ${windows ? "command window (Windows key, type cmd, Enter)" : "terminal"} and type these lines${from === "mirror" ? ", with the drive's folder as the new PC names it" : ""}. Where a line asks, type what is written above and press Enter.`,
      ],
      commands: [
        windows ? "cd C:\\BusinessApp" : "cd business-app",
        ...set.map(([key, value]) => setLine(platform, key, value)),
        ...asks.map(([key, question]) => askLine(platform, key, question)),
        `${exe} restore --latest --from ${from} --yes`,
        exe,
      ],
    });
    sections.push({
      heading: "What you see",
      lines: [
        `The restore says "Restored from NAME" and which copy it was. The last line starts BusinessApp: sign in as before, with the same accounts. (Without the restore line, BusinessApp starts in recovery mode, names the newest copy and restores it with one click: Emergency Restore.)`,
        `Then open Settings and set the off-site copies and the passphrase again in the app, so that the new PC goes on making copies.`,
      ],
    });
  }
  return sections;
}

/** The kit as a text file: the same words as the printed page. */
export function kitText(sections: KitSection[]): string {
  const out: string[] = [];
  for (const section of sections) {
    out.push(section.heading, "=".repeat(section.heading.length), ...section.lines);
    if (section.commands) out.push("", ...section.commands.map((line) => `    ${line}`));
    out.push("");
  }
  return `${out.join("\r\n")}\r\n`;
}
