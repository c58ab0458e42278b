/**
 * `stream` with each error a read meets turned into `map(error)`: a stream's failures speak the
 * same language as its owner's other calls. Cancelling it cancels `stream`.
 */
export function mapStreamErrors(
  stream: ReadableStream<Uint8Array>,
  map: (error: unknown) => Error,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(map(error));
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
