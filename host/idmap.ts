// Writes the id maps of a process that has just created a user namespace, the way the core
// decided: directly into /proc/PID/{setgroups,uid_map,gid_map} (root, or a rootless single
// self-mapping), or through the setuid helpers newuidmap/newgidmap (rootless multi-range).
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { WruncError } from './errors.js';
import type { Decisions, Plan } from './types.js';

// promisified on use: the CLI loads child_process on first use, and most commands never map ids
const run = (file: string, args: string[]) => promisify(execFile)(file, args);

export async function writeIdMaps(pid: number, plan: Plan, decisions: Decisions): Promise<void> {
  const writer = decisions.idmapWriter.value;
  if (writer === 'newidmap') {
    await Promise.all([
      helper('newuidmap', pid, plan.uidMap, '/linux/uidMappings'),
      helper('newgidmap', pid, plan.gidMap, '/linux/gidMappings'),
    ]);
    return;
  }
  if (writer !== 'direct') {
    throw new WruncError('idmap.writer', `the plan creates a user namespace but the id map writer is "${writer}"`, '/linux/namespaces');
  }
  // gid_map may only be written by an unprivileged writer after setgroups is denied
  if (decisions.setgroups.value === 'deny') write(pid, 'setgroups', 'deny\n', '/linux/gidMappings');
  write(pid, 'uid_map', plan.uidMap, '/linux/uidMappings');
  write(pid, 'gid_map', plan.gidMap, '/linux/gidMappings');
}

function write(pid: number, file: string, text: string, path: string): void {
  try {
    writeFileSync(`/proc/${pid}/${file}`, text);
  } catch (e) {
    throw new WruncError('idmap.write', `writing /proc/${pid}/${file}: ${(e as Error).message}`, path);
  }
}

async function helper(tool: string, pid: number, map: string, path: string): Promise<void> {
  const triples = map.split('\n').filter(Boolean).flatMap((line) => line.trim().split(/\s+/));
  try {
    await run(tool, [String(pid), ...triples]);
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new WruncError('idmap.write', `${tool} ${pid} ${triples.join(' ')}: ${(err.stderr || err.message).trim()}`, path);
  }
}
