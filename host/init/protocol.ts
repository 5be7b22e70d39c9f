// What the host and the init stage say to each other on the sync socket, after the trampoline's
// part: the host sends one InitConfig line, the init stage answers with one InitReport line and
// closes its end. JSON lines, so a message is never split across reads on either side.
import type { Decisions, Plan } from '../types.js';

export interface InitConfig {
  id: string;
  /** absolute bundle directory: relative bind sources are relative to it */
  bundle: string;
  /** absolute path of the root filesystem */
  rootfs: string;
  plan: Plan;
  decisions: Decisions;
  noPivot: boolean;
  noNewKeyring: boolean;
  preserveFds: number;
  /** the sync socket's fd number in the init stage (3 + preserveFds) */
  syncFd: number;
  /**
   * exec.fifo, opened O_PATH by the host and inherited (syncFd + 1): the state directory may be
   * out of the container user's reach, and it is out of sight after pivot_root
   */
  fifoFd: number;
  /** process.terminal: the console socket, connected by the host (syncFd + 2); null without a terminal */
  consoleFd: number | null;
}

export type InitReport =
  | { t: 'ready' }
  | { t: 'error'; code: string; message: string; path: string };
