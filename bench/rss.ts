const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resident memory at idle (the most of 20 looks 10 ms apart, after 200 ms to settle), then its
 * peak while `work` runs (looked at every 2 ms), and how long `work` took. No runtime's own API.
 */
export async function idleAndPeak(
  work: () => Promise<unknown>,
): Promise<{ idle: number; peak: number; ms: number }> {
  await sleep(200);
  let idle = 0;
  for (let i = 0; i < 20; i++) {
    idle = Math.max(idle, process.memoryUsage.rss());
    await sleep(10);
  }
  let peak = idle;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  clearInterval(sampler);
  return { idle, peak: Math.max(peak, process.memoryUsage.rss()), ms };
}
