import type { LoadedConfig } from "../config/load.ts";
import type { SettingKey, Settings } from "../config/schema.ts";
import type { SettingsChange, SettingsStore } from "../config/settings-store.ts";
import type { Log } from "../lib/log.ts";
import type { SettingsPort } from "../web/deps.ts";

/**
 * The one way the running app's settings change: saved by the store (validated with the start's
 * schema and precedence, written atomically), then applied to every service at once by `apply`.
 */
export class AppSettings implements SettingsPort {
  readonly #store: SettingsStore;
  readonly #applyTo: (settings: Settings) => void;
  readonly #log: Log;

  constructor(options: { store: SettingsStore; applyTo: (settings: Settings) => void; log: Log }) {
    this.#store = options.store;
    this.#applyTo = options.applyTo;
    this.#log = options.log;
  }

  get current(): LoadedConfig {
    return this.#store.current;
  }

  isFixed(key: SettingKey): boolean {
    return this.#store.isFixed(key);
  }

  apply(change: SettingsChange, by: string): LoadedConfig {
    const next = this.#store.save(change);
    this.#log.info(`Settings changed by ${by}`);
    this.#applyTo(next.settings);
    return next;
  }
}
