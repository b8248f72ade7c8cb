/** The controller's interrupt line (board wiring: the CPU's IRQ input listens to it). */

/** The one interrupt line of the controller. Only the controller's `updateIrq` sets it. */
export class IrqLine {
  private _level = false;
  private listeners: ((level: boolean) => void)[] = [];
  /** number of rising edges (tests) */
  raised = 0;
  get level(): boolean {
    return this._level;
  }
  /** @internal — called by the register file's updateIrq only */
  setLevel(level: boolean): void {
    if (level === this._level) return;
    this._level = level;
    if (level) this.raised++;
    for (const l of this.listeners) l(level);
  }
  onChange(cb: (level: boolean) => void): () => void {
    this.listeners.push(cb);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== cb);
    };
  }
}
