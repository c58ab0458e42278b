import type { LoadedConfig } from "../../config/load.ts";
import type { SettingKey, Settings } from "../../config/schema.ts";
import type { SettingsChange, SettingsStore } from "../../config/settings-store.ts";
import type { SharingWait } from "../../lib/files/sharing.ts";
import type { Log } from "../../lib/log.ts";
import type { SettingsPort } from "../ports.ts";

/**
 * The one way the running app's settings change: saved by the store (validated with the start's
 * schema and precedence, written atomically), then applied to every service at once by `apply`.
 */
export class AppSettings implements SettingsPort {
  readonly #store: SettingsStore;
  readonly #applyTo: (settings: Settings) => void;
  readonly #log: Log;

  readonly #wait: SharingWait;

  constructor(options: {
    store: SettingsStore;
    applyTo: (settings: Settings) => void;
    log: Log;
    wait: SharingWait;
  }) {
    this.#store = options.store;
    this.#applyTo = options.applyTo;
    this.#log = options.log;
    this.#wait = options.wait;
  }

  get current(): LoadedConfig {
    return this.#store.current;
  }

  isFixed(key: SettingKey): boolean {
    return this.#store.isFixed(key);
  }

  async apply(change: SettingsChange, by: string): Promise<LoadedConfig> {
    const next = await this.#store.save(change, this.#wait);
    this.#log.info(`Settings changed by ${by}`);
    this.#applyTo(next.settings);
    return next;
  }
}
