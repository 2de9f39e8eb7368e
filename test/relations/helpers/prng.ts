/**
 * A seeded PRNG (mulberry32: 32-bit state, full period, good enough to drive
 * randomized tests reproducibly). Hand-written: five lines, and no seedable
 * generator is among the project's dependencies.
 */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** A random subset (each element with probability p). */
  some<T>(list: readonly T[], p: number): T[] {
    return list.filter(() => this.chance(p));
  }
}
