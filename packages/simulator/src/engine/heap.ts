/** A binary min-heap of events keyed by (time, priority, seq): equal times pop by priority, then FIFO. */
export interface SimEvent {
  readonly timeS: number;
  readonly priority: number;
  readonly seq: number;
  readonly type: "complete" | "revisit" | "fail" | "repair" | "tick";
  readonly jobIndex: number;
  readonly token: number;
}

function less(a: SimEvent, b: SimEvent): boolean {
  return a.timeS < b.timeS || (a.timeS === b.timeS && (a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq)));
}

export class EventHeap {
  private items: SimEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(e: Omit<SimEvent, "seq">): void {
    const ev: SimEvent = { timeS: e.timeS, priority: e.priority, seq: this.seq++, type: e.type, jobIndex: e.jobIndex, token: e.token };
    const a = this.items;
    a.push(ev);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = a[p] as SimEvent;
      if (!less(ev, pe)) break;
      a[i] = pe;
      i = p;
    }
    a[i] = ev;
  }

  peek(): SimEvent | undefined {
    return this.items[0];
  }

  pop(): SimEvent | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      let i = 0;
      const n = a.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(a[r] as SimEvent, a[l] as SimEvent) ? r : l;
        if (!less(a[c] as SimEvent, last)) break;
        a[i] = a[c] as SimEvent;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
