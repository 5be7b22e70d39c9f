// The command registry (host/commands/main.ts): each line's name matches its module, and yargs
// parses a command line the same whether it was given only the named command (the fast path) or
// every command (help, unknown commands, command lines main.ts does not read plainly).
import { describe, expect, it } from 'vitest';
import { COMMANDS, parse } from '../host/commands/main.js';

/** the invocation or the usage error, comparable */
async function outcome(argv: string[]): Promise<unknown> {
  try {
    const inv = await parse(argv);
    return inv && { command: inv.def.command, args: inv.args };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe('COMMANDS', () => {
  it('names each module by the first word of its command, once', async () => {
    const names = COMMANDS.map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
    for (const [name, load] of COMMANDS) expect((await load()).command.split(' ')[0]).toBe(name);
  });

  // --log-format is read by main.ts, so only the named command is loaded; yargs' camel-case
  // spelling --logFormat is not, so every command is: both must parse alike
  it.each([
    ['state', 'x'],
    ['create', '--bundle', '/b', '--pid-file', '/p', 'x'],
    ['run', '-d', '--bundle', '/b', 'x'],
    ['exec', '-t', 'x', 'sh', '-c', 'true'],
    ['kill', 'x', 'TERM', '--all'],
    ['delete', '--force', 'x'],
    ['ps', 'x', '--', '-ef'],
    ['list', '-f', 'json', '-q'],
    ['spec', '--rootless'],
    ['update', '--memory', '10M', 'x'],
    ['state'],
    ['state', 'x', 'y'],
    ['kill', '--bogus', 'x'],
    ['spec', '--rootless', 'maybe'],
  ])('%s %s… parses alike with one command or all', async (...argv: string[]) => {
    const one = await outcome(['--log-format', 'json', ...argv]);
    const all = await outcome(['--logFormat', 'json', ...argv]);
    const strip = (o: any) => (o?.args ? { ...o, args: { ...o.args, $0: undefined } } : o);
    expect(strip(one)).toEqual(strip(all));
  });
});
