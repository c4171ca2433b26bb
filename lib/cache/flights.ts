/**
 * Single flight, per thread: one handler run per cache key at a time; the
 * misses of the same key that arrive meanwhile wait for it, then probe again.
 */
export class Flights {
  private readonly waiting = new Map<string, Array<() => void>>()

  /** True when a run for key is under way (the caller waits with `then`). */
  busy(key: string): boolean {
    return this.waiting.has(key)
  }

  begin(key: string): void {
    this.waiting.set(key, [])
  }

  then(key: string, resume: () => void): void {
    this.waiting.get(key)!.push(resume)
  }

  end(key: string): void {
    const list = this.waiting.get(key)
    if (list === undefined) return
    this.waiting.delete(key)
    for (const resume of list) resume()
  }
}
