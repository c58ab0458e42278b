import { describe, expect, test } from "bun:test";
import { listenForStop } from "../../src/cli/stop-signals.ts";

/** A signal as the process would receive it, to this process's own listeners only. */
const send = (signal: string) => process.emit(signal as NodeJS.Signals, signal as NodeJS.Signals);

describe("stop signals", () => {
  test("Ctrl+C lets running work finish; a second one, or SIGTERM after it, stops at once", async () => {
    for (const second of ["SIGINT", "SIGTERM"]) {
      const stop = listenForStop();
      let hurried: string | null = null;
      void stop.hurried.then((signal) => {
        hurried = signal;
      });
      send("SIGINT");
      expect(await stop.first).toEqual({ signal: "SIGINT", hurry: false });
      await Promise.resolve();
      expect(hurried).toBeNull();
      send(second);
      expect(await stop.hurried).toBe(second);
      stop.dispose();
    }
  });

  test("closing the console window (SIGHUP) and Ctrl+Break (SIGBREAK) stop at once", async () => {
    for (const signal of ["SIGHUP", "SIGBREAK"]) {
      const stop = listenForStop();
      send(signal);
      expect(await stop.first).toEqual({ signal, hurry: true });
      expect(await stop.hurried).toBe(signal);
      stop.dispose();
      expect(process.listenerCount(signal as NodeJS.Signals)).toBe(0);
    }
  });
});
