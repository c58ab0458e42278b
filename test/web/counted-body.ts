/** A body that counts what is read of it, handing out one chunk per read (nothing read ahead). */
export function countedBody(total: number, chunk = 16 * 1024) {
  let read = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (read >= total) return controller.close();
        const size = Math.min(chunk, total - read);
        read += size;
        controller.enqueue(new Uint8Array(size).fill(0x61));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, read: () => read };
}
