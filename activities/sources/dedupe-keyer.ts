/**
 * Assigns stable dedupe keys to the records of one ascending pass, in order: the source's content
 * hash, plus `.n` for the n-th identical copy. Two identical records in one second are both real; the
 * suffix is stable because every pass starts at a second boundary and so always sees all copies of a
 * second, in the same order.
 */
export class DedupeKeyer<Node> {
  private readonly copies = new Map<string, number>();

  constructor(private readonly contentHash: (node: Node) => string) {}

  keyFor(node: Node): string {
    const hash = this.contentHash(node);
    const copy = this.copies.get(hash) ?? 0;
    this.copies.set(hash, copy + 1);
    return copy === 0 ? hash : `${hash}.${copy}`;
  }
}
