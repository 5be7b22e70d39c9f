// wrunc's entry point (bundled to build/wrunc.mjs): run the command line, exit with its status.
import { main } from './commands/main.js';

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
