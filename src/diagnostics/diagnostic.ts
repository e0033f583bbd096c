/** A position in a source file, 1-based line and column as editors show them. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
  endLine?: number;
  endCol?: number;
}

export type Severity = 'error' | 'warning';

export interface RelatedInformation {
  message: string;
  position?: SourcePosition;
}

/** Diagnostics are data: every stage collects them and the CLI reports them all at once. */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  position?: SourcePosition;
  hint?: string;
  related?: RelatedInformation[];
}

export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  error(code: string, message: string, position?: SourcePosition, extra: Partial<Diagnostic> = {}): void {
    this.items.push({ code, severity: 'error', message, position, ...extra });
  }

  warning(code: string, message: string, position?: SourcePosition, extra: Partial<Diagnostic> = {}): void {
    this.items.push({ code, severity: 'warning', message, position, ...extra });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  get errorCount(): number {
    return this.items.filter((d) => d.severity === 'error').length;
  }

  /** Sorted by file, line, column, code so that output does not depend on check order. */
  sorted(): Diagnostic[] {
    return [...this.items].sort(compareDiagnostics);
  }
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const pa = a.position;
  const pb = b.position;
  const fa = pa?.file ?? '';
  const fb = pb?.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  const la = pa?.line ?? 0;
  const lb = pb?.line ?? 0;
  if (la !== lb) return la - lb;
  const ca = pa?.col ?? 0;
  const cb = pb?.col ?? 0;
  if (ca !== cb) return ca - cb;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** Thrown only for usage/internal failures that are not about the inventory (exit code 2). */
export class UsageError extends Error {}
