// Signal arguments as runc takes them: "KILL", "SIGKILL", "kill" or "9".
import { constants } from 'node:os';
import { WruncError } from '../errors.js';

const byName = constants.signals as Record<string, number>;

export function parseSignal(arg: string): number {
  if (/^\d+$/.test(arg)) {
    const n = Number(arg);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = arg.toUpperCase();
    const n = byName[name.startsWith('SIG') ? name : `SIG${name}`];
    if (n !== undefined) return n;
  }
  throw new WruncError('signal.invalid', `unknown signal ${JSON.stringify(arg)}: use a name such as TERM, SIGKILL or a number 1-64`);
}
