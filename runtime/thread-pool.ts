// libuv starts its thread pool on first use (the first async file, DNS, zlib or SQLite call) with
// UV_THREADPOOL_SIZE threads, 4 by default. On a 2-core edge box 4 buy nothing, and every thread
// that runs SQLite work gets a malloc arena of its own that fragments: with the default flows 2
// threads measured about 7 MB less RSS (docs/default-flows.md). A size the user set is kept.

export const EDGE_THREAD_POOL_SIZE = 2;

/** Sets the pool size unless the user did; must run before anything uses the pool. */
export function sizeThreadPool(env: NodeJS.ProcessEnv = process.env): { size: number; ownChoice: boolean } {
  const own = env.UV_THREADPOOL_SIZE?.trim();
  if (own) return { size: Number(own), ownChoice: true };
  env.UV_THREADPOOL_SIZE = String(EDGE_THREAD_POOL_SIZE);
  return { size: EDGE_THREAD_POOL_SIZE, ownChoice: false };
}
