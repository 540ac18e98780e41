// Builds the voiden_lsp wheel into bundled/, for the .vsix to carry (install.ts installs it on first start).
// The package and the extension have one version: a wheel whose version differs from package.json's stops
// the build. The Python: $VOIDEN_PYTHON, else the repository's .venv, else python3 (it needs `build`).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve("../..");
const venvPython = path.join(root, ".venv", process.platform === "win32" ? "Scripts/python.exe" : "bin/python");
const python = process.env.VOIDEN_PYTHON || (existsSync(venvPython) ? venvPython : "python3");
rmSync("bundled", { recursive: true, force: true });
mkdirSync("bundled");
// The wheel is built from the sdist, as an index's would be: `--wheel` alone builds in the repository and leaves
// a build/ folder at its root, where it shadows the `build` module for a later `python -m build` run there.
execFileSync(python, ["-m", "build", "--outdir", path.resolve("bundled"), root], { stdio: ["ignore", "ignore", "inherit"] });
for (const name of readdirSync("bundled").filter((name) => name.endsWith(".tar.gz"))) {
  rmSync(path.join("bundled", name));
}
const wheels = readdirSync("bundled").filter((name) => name.endsWith(".whl"));
const version = JSON.parse(readFileSync("package.json", "utf8")).version;
if (wheels.length !== 1 || wheels[0].split("-")[1] !== version) {
  console.error(`bundle-server: the wheel (${wheels.join(", ")}) must be voiden_lsp ${version}, the version in package.json`);
  process.exit(1);
}
console.log(`bundle-server: bundled/${wheels[0]}`);
