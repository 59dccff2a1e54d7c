// The counts of a percentile sketch's buckets, by bucket index. A tag's values over an hour span a
// few dozen buckets, so the counts are kept in one typed array over the indices from the lowest to
// the highest seen (a few hundred bytes a tag; a Map of the same buckets costs about ten times
// that). Values spread over more than MAX_DENSE buckets (seventeen orders of magnitude at 1 %
// accuracy) move the counts into a Map instead, which holds any spread; the answers are the same.

/** The widest index range kept in a typed array: 16 KB of counts. */
export const MAX_DENSE = 2048;

export class BucketCounts {
  /** counts[k] is bucket first + k */
  private counts = new Float64Array(0);
  private first = 0;
  private sparse: Map<number, number> | undefined;

  add(index: number, count = 1): void {
    if (this.sparse) {
      this.sparse.set(index, (this.sparse.get(index) ?? 0) + count);
      return;
    }
    if (this.counts.length === 0) {
      this.counts = new Float64Array(8);
      this.first = index - 4;
    } else if (index < this.first || index >= this.first + this.counts.length) {
      if (!this.grow(index)) {
        this.add(index, count);
        return;
      }
    }
    this.counts[index - this.first] += count;
  }

  /** The non-empty buckets, lowest index first. */
  ascending(): Array<[number, number]> {
    if (this.sparse) return [...this.sparse].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
    const out: Array<[number, number]> = [];
    for (let k = 0; k < this.counts.length; k++) if (this.counts[k] > 0) out.push([this.first + k, this.counts[k]]);
    return out;
  }

  /** The sum of every count. */
  total(): number {
    let n = 0;
    if (this.sparse) for (const c of this.sparse.values()) n += c;
    else for (let k = 0; k < this.counts.length; k++) n += this.counts[k];
    return n;
  }

  /** Makes room for `index`, doubling the range on the side it is missing; false when the counts moved into the Map. */
  private grow(index: number): boolean {
    const low = Math.min(index, this.first);
    const high = Math.max(index, this.first + this.counts.length - 1);
    const span = high - low + 1;
    if (span > MAX_DENSE) {
      this.sparse = new Map(this.ascending());
      this.counts = new Float64Array(0);
      return false;
    }
    // leave room in the direction of growth so that a slow drift does not copy at every step
    const size = Math.min(MAX_DENSE, Math.max(span, this.counts.length * 2));
    const first = index < this.first ? high - size + 1 : low;
    const grown = new Float64Array(size);
    grown.set(this.counts, this.first - first);
    this.counts = grown;
    this.first = first;
    return true;
  }
}
