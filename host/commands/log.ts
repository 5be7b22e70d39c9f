// runc's --log, --log-format and --debug: errors always reach stderr as one line; the log file,
// when given, gets every entry in text or JSON (logrus's shapes, which tools already parse).
import { appendFileSync, writeSync } from 'node:fs';
import type { WruncError } from '../errors.js';

export type Level = 'debug' | 'warning' | 'error';

export interface LogOptions { log?: string; logFormat: 'text' | 'json'; debug: boolean }

export class Logger {
  constructor(private readonly o: LogOptions) {}

  debug(msg: string): void {
    if (this.o.debug) this.entry('debug', msg);
  }

  warn(msg: string): void {
    this.entry('warning', msg);
  }

  /** a WruncError that does not stop the command (a core warning, a failed poststop hook) */
  warnError(e: WruncError): void {
    this.entry('warning', `${e.code}: ${e.message}${e.path ? ` (at ${e.path})` : ''}`);
  }

  /** the error's one line: stderr always, the log file too */
  error(line: string): void {
    toStderr(`${line}\n`);
    if (this.o.log) this.toFile('error', line);
  }

  private entry(level: Level, msg: string): void {
    if (this.o.log) this.toFile(level, msg);
    else toStderr(`wrunc: ${level}: ${msg}\n`);
  }

  private toFile(level: Level, msg: string): void {
    const time = new Date().toISOString();
    const text = this.o.logFormat === 'json'
      ? JSON.stringify({ level, msg, time })
      : `time="${time}" level=${level} msg=${JSON.stringify(msg)}`;
    try {
      appendFileSync(this.o.log!, `${text}\n`);
    } catch {
      // an unwritable log must not turn a success into a failure; stderr still has errors
    }
  }
}

/**
 * Straight to fd 2: a command that only fails (state of an unknown id) then never makes the
 * process.stderr stream (~3 ms). The stream writes synchronously to files, pipes and terminals
 * alike, so the order of lines is the same; if the write fails (a non-blocking pipe that is
 * full), the stream takes the line.
 */
function toStderr(text: string): void {
  const bytes = Buffer.from(text);
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(2, bytes, done);
  } catch {
    process.stderr.write(bytes.subarray(done));
  }
}
