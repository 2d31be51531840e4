// The base error every oj error extends: a stable string code, a message that names the culprit,
// and an optional cause. Errors cross the wire as { code, message }.

export class OjError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  toWire(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}
