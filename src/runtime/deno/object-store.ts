// Deno has no S3 client of its own: the portable one on fetch and SigV4 serves it.
export { openFetchObjectStore as openObjectStore } from "../shared/fetch-object-store.ts";
