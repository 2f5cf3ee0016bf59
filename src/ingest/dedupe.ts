/**
 * Marks repeats: an event whose certificate key was already streamed within the window gets
 * `duplicate_of` = the seq of the first sighting. The decision depends only on the events in seq
 * order and their times, so every process fed the same sequence (each cluster edge reads the same
 * stream) reaches the same answer, and it is stored with the event so a replay repeats it.
 */
import type { CertEvent } from './event.js';
import { DedupeWindow, type DedupeWindowOptions, type DedupeWindowStats } from './dedupe-window.js';

/**
 * same_entry: the same certificate (or precertificate) logged again, in another log or the same;
 * final_after_precert: the final certificate after its precertificate was streamed.
 */
export type DuplicateReason = 'same_entry' | 'final_after_precert';

export interface DedupeStats extends DedupeWindowStats {
  firstSightings: number;
  /** Repeats by log name, per reason. */
  duplicates: Record<string, Record<DuplicateReason, number>>;
  /** Times the window was emptied because seq started over. */
  resets: number;
}

export class Deduplicator {
  private readonly window: DedupeWindow;
  private lastSeq = 0;
  private firstSightings = 0;
  private resets = 0;
  private readonly duplicates = new Map<string, Record<DuplicateReason, number>>();

  constructor(options: DedupeWindowOptions) {
    this.window = new DedupeWindow(options);
  }

  /** Sets or clears event.duplicate_of; `nowMs` is when the event was received (stream time on an edge). */
  mark(event: CertEvent, nowMs: number): void {
    if (event.seq <= this.lastSeq) {
      this.window.clear();
      this.resets++;
    }
    this.lastSeq = event.seq;
    const first = this.window.see(event.certKey, event.seq, event.update_type === 'PrecertLogEntry', nowMs);
    if (!first) {
      delete event.duplicate_of;
      this.firstSightings++;
      return;
    }
    event.duplicate_of = first.seq;
    const reason: DuplicateReason = first.precert && event.update_type === 'X509LogEntry' ? 'final_after_precert' : 'same_entry';
    let counts = this.duplicates.get(event.source.name);
    if (!counts) this.duplicates.set(event.source.name, (counts = { same_entry: 0, final_after_precert: 0 }));
    counts[reason]++;
  }

  stats(): DedupeStats {
    return {
      ...this.window.stats(),
      firstSightings: this.firstSightings,
      duplicates: Object.fromEntries([...this.duplicates].map(([log, counts]) => [log, { ...counts }])),
      resets: this.resets,
    };
  }
}
