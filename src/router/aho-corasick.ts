/**
 * An immutable Aho-Corasick automaton: finds, in one pass over a text, every occurrence of any of
 * a set of lower-cased terms in the lower-cased text (case-insensitive substring search with the
 * exact semantics of `text.toLowerCase().includes(term)`).
 *
 * Layout, for speed and memory that stays linear in the total term length:
 * - characters are mapped to dense classes (only characters that occur in some term get one; all
 *   others are class 0, which always leads back to the root);
 * - states are numbered in breadth-first order; the shallowest states, where a scan spends most of
 *   its time, get a dense row of precomputed transitions (a true DFA row), as many as fit in a
 *   fixed budget; deeper states keep their trie edges (sparse) and follow failure links.
 *
 * Typed-array reads below are in bounds by construction; their `!` only satisfies
 * noUncheckedIndexedAccess.
 */

/** Receives the id of each term found; a term is reported once per occurrence. */
export interface TermSink {
  onTerm(termId: number): void;
}

/** Dense transition entries (Int32) allowed per automaton: 4 MiB. */
const DENSE_BUDGET = 1 << 20;

const ROOT = 0;
const NO_STATE = -1;

/** Work units (terms, states or dense-row entries) between two yields of a stepwise build. */
const UNITS_PER_YIELD = 1024;

/** The arrays of a built automaton (see the fields of AhoCorasick). */
interface AutomatonParts {
  readonly asciiClass: Int32Array;
  readonly otherClass: Map<number, number>;
  readonly classCount: number;
  readonly denseStates: number;
  readonly dense: Int32Array;
  readonly edgeStart: Int32Array;
  readonly edgeClass: Int32Array;
  readonly edgeTarget: Int32Array;
  readonly fail: Int32Array;
  readonly termAt: Int32Array;
  readonly firstOutput: Int32Array;
  readonly nextOutput: Int32Array;
}

export class AhoCorasick {
  /** Class of each ASCII code unit; upper-case letters share their lower-case letter's class. */
  private readonly asciiClass: Int32Array;
  /** Class of each non-ASCII code unit that occurs in some term. */
  private readonly otherClass: Map<number, number>;
  private readonly classCount: number;
  /** States [0, denseStates) have a full row in `dense`. */
  private readonly denseStates: number;
  private readonly dense: Int32Array;
  /** Trie edges of state s: edgeClass/edgeTarget[edgeStart[s] .. edgeStart[s + 1]). */
  private readonly edgeStart: Int32Array;
  private readonly edgeClass: Int32Array;
  private readonly edgeTarget: Int32Array;
  private readonly fail: Int32Array;
  /** Caller's id of the term ending exactly at a state, or NO_STATE. */
  private readonly termAt: Int32Array;
  /** Nearest state on the failure chain (the state itself included) where a term ends, or NO_STATE. */
  private readonly firstOutput: Int32Array;
  /** Next state after this one on the failure chain where a term ends, or NO_STATE. */
  private readonly nextOutput: Int32Array;

  /**
   * Builds the automaton at once (cost ~1 µs per term character: see build() to spread it out).
   * @param terms distinct, non-empty, already lower-cased terms
   * @param termIds the id reported for each term (same length as `terms`)
   */
  constructor(terms: readonly string[], termIds: ArrayLike<number>);
  constructor(parts: AutomatonParts);
  constructor(termsOrParts: readonly string[] | AutomatonParts, termIds?: ArrayLike<number>) {
    let parts: AutomatonParts;
    if (isParts(termsOrParts)) {
      parts = termsOrParts;
    } else {
      const steps = buildParts(termsOrParts, termIds ?? []);
      let next = steps.next();
      while (next.done !== true) next = steps.next();
      parts = next.value;
    }
    this.asciiClass = parts.asciiClass;
    this.otherClass = parts.otherClass;
    this.classCount = parts.classCount;
    this.denseStates = parts.denseStates;
    this.dense = parts.dense;
    this.edgeStart = parts.edgeStart;
    this.edgeClass = parts.edgeClass;
    this.edgeTarget = parts.edgeTarget;
    this.fail = parts.fail;
    this.termAt = parts.termAt;
    this.firstOutput = parts.firstOutput;
    this.nextOutput = parts.nextOutput;
  }

  /**
   * The same build, a slice at a time: the generator yields every few thousand units of work and
   * returns the automaton, so a large build can be spread over many event-loop turns.
   */
  static *build(terms: readonly string[], termIds: ArrayLike<number>): Generator<void, AhoCorasick> {
    return new AhoCorasick(yield* buildParts(terms, termIds));
  }

  /** Number of states (memory is about 30 bytes per state plus the dense rows). */
  get stateCount(): number {
    return this.fail.length;
  }

  /** Bytes held by the typed arrays (an estimate of the automaton's memory). */
  get byteSize(): number {
    return (
      this.dense.byteLength + this.edgeStart.byteLength + this.edgeClass.byteLength + this.edgeTarget.byteLength +
      this.fail.byteLength + this.termAt.byteLength + this.firstOutput.byteLength + this.nextOutput.byteLength + 512
    );
  }

  /** Reports every occurrence of every term in `text`, compared case-insensitively. */
  scan(text: string, sink: TermSink): void {
    const asciiClass = this.asciiClass;
    let state = ROOT;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      // Non-ASCII text needs String#toLowerCase (length-changing and context-dependent mappings);
      // start over on the lowered text. Terms found so far are found again: sinks dedupe.
      if (code >= 128) return this.scanLowered(text.toLowerCase(), sink);
      const cls = asciiClass[code]!;
      state = cls === 0 ? ROOT : this.step(state, cls);
      const out = this.firstOutput[state]!;
      if (out !== NO_STATE) this.report(out, sink);
    }
  }

  private scanLowered(text: string, sink: TermSink): void {
    let state = ROOT;
    for (let i = 0; i < text.length; i++) {
      const cls = this.classOfLowered(text.charCodeAt(i));
      state = cls === 0 ? ROOT : this.step(state, cls);
      const out = this.firstOutput[state]!;
      if (out !== NO_STATE) this.report(out, sink);
    }
  }

  private report(out: number, sink: TermSink): void {
    for (let s = out; s !== NO_STATE; s = this.nextOutput[s]!) sink.onTerm(this.termAt[s]!);
  }

  private classOfLowered(code: number): number {
    return code < 128 ? this.asciiClass[code]! : (this.otherClass.get(code) ?? 0);
  }

  /** The automaton's transition from `state` on class `cls` (> 0). */
  private step(state: number, cls: number): number {
    for (;;) {
      if (state < this.denseStates) return this.dense[state * this.classCount + cls]!;
      const end = this.edgeStart[state + 1]!;
      for (let e = this.edgeStart[state]!; e < end; e++) {
        if (this.edgeClass[e] === cls) return this.edgeTarget[e]!;
      }
      state = this.fail[state]!;
    }
  }
}

function isParts(value: readonly string[] | AutomatonParts): value is AutomatonParts {
  return !Array.isArray(value);
}

/** Builds the automaton's arrays, yielding every UNITS_PER_YIELD units of work. */
function* buildParts(terms: readonly string[], termIds: ArrayLike<number>): Generator<void, AutomatonParts> {
  if (terms.length !== termIds.length) throw new RangeError('terms and termIds differ in length');
  let units = 0;

  // Character classes. Class 0 = "occurs in no term".
  const asciiClass = new Int32Array(128);
  const otherClass = new Map<number, number>();
  let classCount = 1;
  let maxStates = 1;
  for (const term of terms) {
    maxStates += term.length;
    for (let i = 0; i < term.length; i++) {
      const code = term.charCodeAt(i);
      if (code < 128) {
        if (asciiClass[code] === 0) asciiClass[code] = classCount++;
      } else if (!otherClass.has(code)) {
        otherClass.set(code, classCount++);
      }
    }
    if ((units += term.length) >= UNITS_PER_YIELD) {
      yield;
      units = 0;
    }
  }
  // The scan folds ASCII upper case itself, so 'A' behaves as 'a' (terms are lower-cased).
  for (let code = 65; code <= 90; code++) asciiClass[code] = asciiClass[code + 32]!;
  const classOfLowered = (code: number): number => (code < 128 ? asciiClass[code]! : (otherClass.get(code) ?? 0));

  // 1. The trie, in insertion order: children as linked lists (first child, next sibling).
  const firstChild = new Int32Array(maxStates).fill(NO_STATE);
  const nextSibling = new Int32Array(maxStates).fill(NO_STATE);
  const inClass = new Int32Array(maxStates);
  const trieTerm = new Int32Array(maxStates).fill(NO_STATE);
  const rootChild = new Int32Array(classCount).fill(NO_STATE);
  let stateCount = 1;
  for (let t = 0; t < terms.length; t++) {
    const term = terms[t]!;
    let state = ROOT;
    for (let i = 0; i < term.length; i++) {
      const cls = classOfLowered(term.charCodeAt(i));
      let child = state === ROOT ? rootChild[cls]! : firstChild[state]!;
      if (state !== ROOT) {
        while (child !== NO_STATE && inClass[child] !== cls) child = nextSibling[child]!;
      }
      if (child === NO_STATE) {
        child = stateCount++;
        inClass[child] = cls;
        nextSibling[child] = firstChild[state]!;
        firstChild[state] = child;
        if (state === ROOT) rootChild[cls] = child;
      }
      state = child;
    }
    if (state !== ROOT) trieTerm[state] = termIds[t]!;
    if ((units += term.length) >= UNITS_PER_YIELD) {
      yield;
      units = 0;
    }
  }

  // 2. Breadth-first renumbering, so that a state's failure target always precedes it.
  const order = new Int32Array(stateCount); // new number -> trie number
  const renumber = new Int32Array(stateCount); // trie number -> new number
  let head = 0;
  let tail = 1;
  order[0] = ROOT;
  while (head < tail) {
    const trieState = order[head++]!;
    for (let c = firstChild[trieState]!; c !== NO_STATE; c = nextSibling[c]!) {
      renumber[c] = tail;
      order[tail++] = c;
    }
    if (++units >= UNITS_PER_YIELD) {
      yield;
      units = 0;
    }
  }

  // 3. Sparse edges (CSR) and outputs in the new numbering.
  const edgeStart = new Int32Array(stateCount + 1);
  const edgeClass = new Int32Array(Math.max(stateCount - 1, 0));
  const edgeTarget = new Int32Array(Math.max(stateCount - 1, 0));
  const termAt = new Int32Array(stateCount);
  let edge = 0;
  for (let s = 0; s < stateCount; s++) {
    const trieState = order[s]!;
    edgeStart[s] = edge;
    termAt[s] = trieTerm[trieState]!;
    for (let c = firstChild[trieState]!; c !== NO_STATE; c = nextSibling[c]!) {
      edgeClass[edge] = inClass[c]!;
      edgeTarget[edge] = renumber[c]!;
      edge++;
    }
    if (++units >= UNITS_PER_YIELD) {
      yield;
      units = 0;
    }
  }
  edgeStart[stateCount] = edge;

  // 4. Failure links, output chains and dense rows, breadth first.
  const denseStates = Math.max(1, Math.min(stateCount, Math.floor(DENSE_BUDGET / classCount)));
  const dense = new Int32Array(denseStates * classCount);
  const fail = new Int32Array(stateCount);
  const firstOutput = new Int32Array(stateCount).fill(NO_STATE);
  const nextOutput = new Int32Array(stateCount).fill(NO_STATE);
  const parts: AutomatonParts = {
    asciiClass, otherClass, classCount, denseStates, dense, edgeStart, edgeClass, edgeTarget, fail, termAt, firstOutput, nextOutput,
  };
  for (let s = 0; s < stateCount; s++) {
    const edgeEnd = edgeStart[s + 1]!;
    for (let e = edgeStart[s]!; e < edgeEnd; e++) {
      const child = edgeTarget[e]!;
      // The child's failure target: the longest proper suffix of its string that is in the trie.
      // It is shallower than the child, so its own links and dense row are complete already.
      const failTo = s === ROOT ? ROOT : transition(parts, fail[s]!, edgeClass[e]!);
      fail[child] = failTo;
      nextOutput[child] = termAt[failTo] !== NO_STATE ? failTo : firstOutput[failTo]!;
      firstOutput[child] = termAt[child] !== NO_STATE ? child : nextOutput[child];
    }
    units += 1 + edgeEnd - edgeStart[s]!;
    if (s < denseStates) {
      // Row of s = row of its failure target, overridden by its own edges.
      const row = s * classCount;
      const failRow = fail[s]! * classCount;
      if (s !== ROOT) dense.copyWithin(row, failRow, failRow + classCount);
      for (let e = edgeStart[s]!; e < edgeEnd; e++) dense[row + edgeClass[e]!] = edgeTarget[e]!;
      units += classCount;
    }
    if (units >= UNITS_PER_YIELD) {
      yield;
      units = 0;
    }
  }
  return parts;
}

/** The transition from `state` on class `cls` (> 0) of an automaton under construction. */
function transition(p: AutomatonParts, state: number, cls: number): number {
  for (;;) {
    if (state < p.denseStates) return p.dense[state * p.classCount + cls]!;
    const end = p.edgeStart[state + 1]!;
    for (let e = p.edgeStart[state]!; e < end; e++) {
      if (p.edgeClass[e] === cls) return p.edgeTarget[e]!;
    }
    state = p.fail[state]!;
  }
}
