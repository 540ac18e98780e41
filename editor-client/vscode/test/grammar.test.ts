// The grammar over the example documents: every request and message fence is recognised, every template
// inside one is a template with a kind, and nothing outside the fences is taken for a request.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";

const require = createRequire(import.meta.url);
const root = join(process.cwd(), "..", "..");
const examples = join(root, "examples");

async function grammar(): Promise<textmate.IGrammar> {
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scope: string) =>
      scope === "text.html.markdown.voiden"
        ? textmate.parseRawGrammar(readFileSync(join(root, "grammars", "voiden.tmLanguage.json"), "utf8"), "voiden.json")
        : null,
  });
  const loaded = await registry.loadGrammar("text.html.markdown.voiden");
  assert.ok(loaded);
  return loaded;
}

interface Token {
  text: string;
  scopes: string[];
}

function tokenize(g: textmate.IGrammar, text: string): Token[][] {
  let stack = textmate.INITIAL;
  return text.split("\n").map((line) => {
    const result = g.tokenizeLine(line, stack);
    stack = result.ruleStack;
    return result.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

const FENCE = /^(`{3,}|~{3,})\s*(http|rest|ws|websocket|grpc|sse|socketio|message|msg)\b/;

test("every fence of the examples is a request or message block, and their templates are told apart", async () => {
  const g = await grammar();
  const files = readdirSync(examples).filter((name) => name.endsWith(".voiden"));
  assert.ok(files.length >= 5);
  let fences = 0;
  let templates = 0;
  for (const name of files) {
    const text = readFileSync(join(examples, name), "utf8");
    const lines = tokenize(g, text);
    text.split("\n").forEach((line, index) => {
      const tokens = lines[index];
      const where = `${name}:${index + 1}`;
      const fence = FENCE.exec(line);
      if (fence) {
        fences += 1;
        const word = tokens.find((t) => t.text === fence[2]);
        assert.ok(word?.scopes.some((s) => s.startsWith("keyword.control.")), `${where}: ${fence[2]} not a keyword`);
      }
      for (const token of tokens) {
        const inBlock = token.scopes.some((s) => s.startsWith("meta.embedded.block."));
        if (token.scopes.includes("punctuation.definition.template-expression.begin.voiden")) {
          assert.ok(inBlock, `${where}: a template outside a block`);
          templates += 1;
        }
        if (inBlock && token.scopes.includes("meta.template.expression.voiden") && /\w/.test(token.text)) {
          const kinds = ["support.", "variable.", "constant.", "string."];
          assert.ok(
            token.scopes.some((s) => kinds.some((k) => s.startsWith(k) && s.endsWith(".voiden"))),
            `${where}: "${token.text}" has no template kind (${token.scopes.join(" ")})`,
          );
        }
      }
    });
  }
  assert.ok(fences >= 10 && templates >= 10, `${fences} fences, ${templates} templates`);
});

test("a fence closes where it should: prose after a block is not inside it", async () => {
  const g = await grammar();
  const lines = tokenize(g, "```http\nGET http://x/\n```\n\nAuthorization: not a header\n````ws\nws://x/\n```\n````\n");
  assert.ok(lines[1].some((t) => t.scopes.includes("keyword.other.method.voiden")));
  assert.ok(lines[4].every((t) => !t.scopes.some((s) => s.includes("voiden") && s !== "text.html.markdown.voiden")));
  // a four-backtick fence is closed by four backticks only
  assert.ok(lines[7].every((t) => t.scopes.includes("meta.embedded.block.request.voiden")));
  assert.ok(lines[8].some((t) => t.scopes.includes("punctuation.definition.markdown")));
});
