import { afterAll } from "bun:test";

/**
 * Work to do once after the last test file of a run: bun's hooks at the top of a shared module
 * belong to the first file that loads it, so a fixture shared by several files (the Wine prefix
 * and its wineserver) registers its cleanup here. Loaded first by bunfig.toml's `preload`, so its
 * `afterAll` is the run's own.
 */
const tasks: (() => void)[] = [];

/** Runs `task` after the whole test run (in reverse order of registration). */
export function atEndOfRun(task: () => void): void {
  tasks.push(task);
}

afterAll(() => {
  for (const task of tasks.splice(0).reverse()) task();
});
