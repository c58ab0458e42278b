/** Ctrl+C and `kill` (SIGTERM): running work may finish first. */
const FINISH = ["SIGINT", "SIGTERM"] as const;
/**
 * Closing the console window or logging off (SIGHUP on Windows, and a terminal hang-up
 * elsewhere) and Ctrl+Break (SIGBREAK): Windows ends the program within seconds, so nothing waits.
 */
const HURRY = ["SIGHUP", "SIGBREAK"] as const;

export interface StopRequest {
  signal: string;
  /** True when the app must close at once, giving up a running backup. */
  hurry: boolean;
}

/**
 * Listens for every way a person or the system stops the app. `first` resolves with the first
 * request; `hurried` resolves when the app must close at once — a hurrying signal, or a second
 * request of any kind while the first is being finished ("press Ctrl+C again").
 */
export function listenForStop(): { first: Promise<StopRequest>; hurried: Promise<string>; dispose(): void } {
  let answerFirst: (request: StopRequest) => void = () => {};
  let answerHurry: (signal: string) => void = () => {};
  const first = new Promise<StopRequest>((resolve) => {
    answerFirst = resolve;
  });
  const hurried = new Promise<string>((resolve) => {
    answerHurry = resolve;
  });
  let count = 0;
  const onSignal = (signal: string) => {
    count++;
    const hurry = (HURRY as readonly string[]).includes(signal) || count > 1;
    if (count === 1) answerFirst({ signal, hurry });
    if (hurry) answerHurry(signal);
  };
  const signals = [...FINISH, ...HURRY];
  for (const signal of signals) process.on(signal, onSignal);
  return {
    first,
    hurried,
    dispose() {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
