import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { z } from "zod";
import { AppError } from "../lib/errors.ts";
import { coerce } from "./coerce.ts";
import { emailSettingsProblem } from "./email-settings.ts";
import { type DataPaths, dataPaths, longestPathIn, pathLimit } from "./paths.ts";
import {
  envName,
  offsiteSettingsProblem,
  SECRET_SETTINGS,
  SETTING_ALLOWED,
  SETTING_KEYS,
  type SettingKey,
  type Settings,
  settingsSchema,
} from "./schema.ts";

export const CONFIG_ERROR_CODES = ["config.invalid"] as const;
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

/** One setting's refused value: which, as shown (a secret never is), and what is allowed. */
export interface SettingIssue {
  key: SettingKey;
  value: string;
  allowed: string;
}

/**
 * A setting, a config file or a flag has a value the app cannot use. `message` names the key and
 * where it came from (for the command line and the log); `issue`, when one setting is to blame,
 * lets a page say it by its label instead.
 */
export class ConfigError extends AppError<ConfigErrorCode> {
  readonly issue: SettingIssue | null;

  constructor(message: string, issue: SettingIssue | null = null) {
    super("config.invalid", message);
    this.issue = issue;
  }
}

export type SettingSource = "flag" | "environment" | "config file" | "default";

/** Raw values as given on the command line (strings, or `false` for a `--no-…` switch). */
export type RawSettings = Partial<Record<SettingKey, string | boolean>>;

export interface LoadInput {
  flags: RawSettings & { data_dir?: string; config?: string };
  env: Record<string, string | undefined>;
  /** The folder used when neither `--data-dir` nor `BUSINESS_APP_DATA_DIR` is given. */
  appDir: string;
  /** Where relative paths given by the user start (the working directory of the command). */
  cwd: string;
  /** The operating system's name as `process.platform` gives it (its path limit differs). */
  platform?: string;
}

export interface LoadedConfig {
  settings: Settings;
  sources: Record<SettingKey, SettingSource>;
  paths: DataPaths;
  configFile: string;
}

function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}

export function readConfigFile(path: string, explicit: boolean): Record<string, unknown> {
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError(`Config file ${path} does not exist.`);
    return {};
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`Config file ${path} cannot be read: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ConfigError(
      `Config file ${path} must hold a JSON object of settings, such as {"max_backups": 20}.`,
    );
  }
  const unknown = Object.keys(data).filter((key) => !SETTING_KEYS.includes(key as SettingKey));
  if (unknown.length > 0) {
    throw new ConfigError(
      `Config file ${path} has an unknown setting ${unknown.map((k) => `"${k}"`).join(", ")}. ` +
        `Known settings: ${SETTING_KEYS.join(", ")}.`,
    );
  }
  return data as Record<string, unknown>;
}

const SOURCE_LABEL = {
  flag: (key: SettingKey) => `--${key.replaceAll("_", "-")}`,
  environment: (key: SettingKey) => envName(key),
  "config file": (key: SettingKey) => `"${key}" in the config file`,
  default: (key: SettingKey) => `default of ${key}`,
} as const;

function refusal(
  issue: z.core.$ZodIssue,
  raw: Record<string, unknown>,
  sources: Record<SettingKey, SettingSource>,
): ConfigError {
  const key = issue.path[0] as SettingKey;
  const source = SOURCE_LABEL[sources[key] ?? "default"](key);
  const value = SECRET_SETTINGS.has(key) ? "(not shown)" : shown(raw[key]);
  const allowed = SETTING_ALLOWED[key];
  return new ConfigError(`Invalid value for setting ${key} (${source}): ${value}. Allowed: ${allowed}.`, {
    key,
    value,
    allowed,
  });
}

/** Refuses a data folder whose path leaves no room for the names of backup files inside it. */
function checkPathRoom(paths: DataPaths, platform: string): void {
  const longest = longestPathIn(paths);
  const limit = pathLimit(platform);
  if (longest <= limit) return;
  const room = limit - (longest - paths.dataDir.length);
  throw new ConfigError(
    `The data folder's path is too long: ${paths.dataDir} has ${paths.dataDir.length} characters, and ` +
      `backup files inside it would need paths of up to ${longest} characters, more than the ${limit} ` +
      `this system allows. Use a folder whose path has at most ${room} characters${platform === "win32" ? ", such as C:\\BusinessApp" : ""}.`,
  );
}

/**
 * Resolves every setting with the precedence flag > environment > config file > default and
 * validates the result with the one schema. Reads the config file; creates and changes nothing.
 * Throws `ConfigError` naming the setting, its value, where it came from and what is allowed.
 */
export function loadConfig(
  input: LoadInput,
  override?: { fileValues: Record<string, unknown> },
): LoadedConfig {
  const { flags, env, cwd } = input;
  const fromCwd = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));

  const dataDirText = flags.data_dir ?? env.BUSINESS_APP_DATA_DIR;
  if (dataDirText !== undefined && dataDirText.trim() === "") {
    throw new ConfigError("The data folder (--data-dir or BUSINESS_APP_DATA_DIR) must not be empty.");
  }
  const paths = dataPaths(dataDirText ? fromCwd(dataDirText) : input.appDir);
  checkPathRoom(paths, input.platform ?? process.platform);
  const configText = flags.config ?? env.BUSINESS_APP_CONFIG;
  const configFile = configText ? fromCwd(configText) : paths.defaultConfigFile;
  const fileValues = override?.fileValues ?? readConfigFile(configFile, configText !== undefined);

  const raw: Record<string, unknown> = {};
  const sources = {} as Record<SettingKey, SettingSource>;
  for (const key of SETTING_KEYS) {
    const flag = flags[key];
    const fromEnv = env[envName(key)];
    if (flag !== undefined) {
      raw[key] = coerce(key, flag);
      sources[key] = "flag";
    } else if (fromEnv !== undefined && fromEnv !== "") {
      raw[key] = coerce(key, fromEnv);
      sources[key] = "environment";
    } else if (key in fileValues) {
      raw[key] = fileValues[key];
      sources[key] = "config file";
    } else {
      sources[key] = "default";
    }
  }

  // A schedule given with higher precedence than an interval replaces it, and the other way round;
  // both from the same place is a contradiction the user must settle.
  if (raw.interval_hours !== undefined && raw.schedule !== undefined && raw.schedule !== null) {
    const rank: SettingSource[] = ["flag", "environment", "config file"];
    const intervalRank = rank.indexOf(sources.interval_hours);
    const scheduleRank = rank.indexOf(sources.schedule);
    if (intervalRank === scheduleRank) {
      throw new ConfigError(
        `Settings interval_hours and schedule are both set (${sources.schedule}); set only one of them.`,
      );
    }
    if (intervalRank < scheduleRank) {
      delete raw.schedule;
      sources.schedule = "default";
    }
  }

  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (!issue) throw new ConfigError("The settings are not valid.");
    throw refusal(issue, raw, sources);
  }
  const offsiteProblem = offsiteSettingsProblem(parsed.data, [paths.dataDir, paths.backupsDir]);
  if (offsiteProblem) throw new ConfigError(offsiteProblem);
  const emailProblem = emailSettingsProblem(parsed.data);
  if (emailProblem) throw new ConfigError(emailProblem);
  return { settings: parsed.data, sources, paths, configFile };
}
