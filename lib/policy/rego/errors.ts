// The one error type of the Rego engine. Parse and compile errors carry the
// column ("file:row:col: code: text"); evaluation errors use OPA's own format
// ("file:row: code: text") so that texts match OPA's conformance cases.

export interface Location {
  file: string;
  row: number;
  col: number;
}

export class RegoError extends Error {
  readonly code: string;
  readonly text: string;
  readonly file?: string;
  readonly row?: number;
  readonly col?: number;

  constructor(code: string, text: string, file?: string, row?: number, col?: number) {
    super(formatMessage(code, text, file, row, col));
    this.name = 'RegoError';
    this.code = code;
    this.text = text;
    if (file !== undefined) this.file = file;
    if (row !== undefined) this.row = row;
    if (col !== undefined) this.col = col;
  }

  static at(code: string, text: string, loc: Location | undefined): RegoError {
    return loc ? new RegoError(code, text, loc.file, loc.row, loc.col) : new RegoError(code, text);
  }
}

function formatMessage(code: string, text: string, file?: string, row?: number, col?: number): string {
  if (file === undefined) return `${code}: ${text}`;
  if (code.startsWith('eval_') || col === undefined) return `${file}:${row}: ${code}: ${text}`;
  return `${file}:${row}:${col}: ${code}: ${text}`;
}
