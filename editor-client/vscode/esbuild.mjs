// Builds the extension (Node, CommonJS) and the panel's webview script (browser), and copies the grammar.
// `--tests` builds the unit tests into out-test/; `--production` minifies.
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");
const tests = process.argv.includes("--tests");

mkdirSync("syntaxes", { recursive: true });
for (const name of ["voiden.tmLanguage.json", "language-configuration.json"]) {
  copyFileSync(`../../grammars/${name}`, `syntaxes/${name}`);
}
mkdirSync("dist", { recursive: true });
copyFileSync("media/panel.css", "dist/panel.css");
// the workbench's own icon font, for the panel's buttons (a webview cannot use the workbench's copy)
for (const name of ["codicon.css", "codicon.ttf"]) copyFileSync(`node_modules/@vscode/codicons/dist/${name}`, `dist/${name}`);

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: "warning" };
await esbuild.build({
  ...common,
  entryPoints: ["src/extension.ts"],
  outfile: "dist/extension.js",
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["vscode"],
});
await esbuild.build({
  ...common,
  entryPoints: ["src/webview/main.ts"],
  outfile: "dist/panel.js",
  platform: "browser",
  format: "iife",
  target: "es2022",
});
if (tests) {
  await esbuild.build({
    ...common,
    entryPoints: readdirSync("test")
      .filter((name) => name.endsWith(".test.ts"))
      .map((name) => `test/${name}`),
    outdir: "out-test",
    platform: "node",
    format: "esm",
    outExtension: { ".js": ".mjs" },
    target: "node20",
  });
}
