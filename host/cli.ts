// wrunc's entry point (bundled to build/wrunc.mjs): run the command line, exit with its status.
import { main } from './commands/main.js';

process.exitCode = await main(process.argv.slice(2));
