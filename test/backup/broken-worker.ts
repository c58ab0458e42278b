// A worker whose module fails while loading, before it can answer anything.
throw new Error("this worker cannot start");
