import { expect, test } from "bun:test";
import { appCommand, freePort, LAUNCHER, tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";
import { Model } from "./machine.ts";

/**
 * A short run of the model-based test (`machine.ts`) in every `npm test`: a new seed each time
 * (printed; MODEL_SEED repeats one), so runs over time search different paths. Long runs are
 * `npm run test:model -- --steps 5000`. Without libfaketime there are no clock jumps, without
 * root no full disk: each is said once.
 */
const STEPS = Number(process.env.MODEL_STEPS ?? 25);
const seed = Number(process.env.MODEL_SEED ?? Math.floor(Math.random() * 2 ** 31));
missing("faketime");
missing("tmpfs");

test(`the model: ${STEPS} random steps against the ${LAUNCHER === "deno" ? "source under Deno" : LAUNCHER === "bun" ? "source under Bun" : "executable"} keep every promise (seed ${seed})`, async () => {
  console.log(
    `model test: seed ${seed} (repeat with MODEL_SEED=${seed}, or npm run test:model -- --seed ${seed})`,
  );
  const actions = new Set<string>();
  await new Model({
    seed,
    steps: STEPS,
    command: appCommand(),
    workDir: tempDir("business-app-model-"),
    freePort,
    onStep: (_, action) => actions.add(action),
  }).run();
  // The run did more than start: it wrote and made backups at least.
  expect(actions.has("write")).toBe(true);
}, 600_000);
