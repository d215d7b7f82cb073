/**
 * Undo and redo of annotation changes. Pure: an entry is {before, after}, two snapshots of one
 * annotation ({unique_identifier, annotation_type, vector, deleted}); the caller applies them.
 */

export class History {
  /** @param {number} limit how many steps to keep */
  constructor(limit = 200) {
    this.limit = limit;
    this.done = [];
    this.undone = [];
  }

  /** Record a change that has just been made; it clears what could be redone. */
  push(entry) {
    this.done.push(entry);
    if (this.done.length > this.limit) this.done.shift();
    this.undone = [];
  }

  get canUndo() {
    return this.done.length > 0;
  }

  get canRedo() {
    return this.undone.length > 0;
  }

  /** The snapshot to restore to undo the last change, or null. */
  undo() {
    const entry = this.done.pop();
    if (!entry) return null;
    this.undone.push(entry);
    return entry.before;
  }

  /** The snapshot to restore to redo the last undone change, or null. */
  redo() {
    const entry = this.undone.pop();
    if (!entry) return null;
    this.done.push(entry);
    return entry.after;
  }
}
