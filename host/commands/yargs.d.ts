// yargs 18 ships no type declarations (and @types/yargs lags behind it); the commands use its
// chainable builder loosely, so one untyped entry point is all they need.
declare module 'yargs' {
  const yargs: (argv: string[]) => any;
  export default yargs;
}
