import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const repoRoot = path.resolve(__dirname, '../../..');
const extensionDir = path.join(repoRoot, 'src/extension');

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}

/** Members of `enum Command` in src/extension/commands.ts: member name → command id. */
function commandEnum(): Map<string, string> {
  const source = parse(path.join(extensionDir, 'commands.ts'));
  const members = new Map<string, string>();
  source.forEachChild((node) => {
    if (ts.isEnumDeclaration(node) && node.name.text === 'Command') {
      for (const member of node.members) {
        assert.ok(member.initializer && ts.isStringLiteral(member.initializer), `Command.${member.name.getText()} needs a string id`);
        members.set(member.name.getText(source), member.initializer.text);
      }
    }
  });
  assert.ok(members.size > 0, 'no `enum Command` found in src/extension/commands.ts');
  return members;
}

function declaredCommands(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    contributes: { commands: { command: string }[] };
  };
  return manifest.contributes.commands.map((c) => c.command);
}

/** `Command.X` members passed to a register…Command(…) call anywhere in src/extension/. */
function registeredMembers(): Set<string> {
  const registered = new Set<string>();
  const files = readdirSync(extensionDir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const source = parse(path.join(extensionDir, file));
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && /register(TextEditor)?Command$/.test(node.expression.getText(source))) {
        for (const arg of node.arguments) {
          if (ts.isPropertyAccessExpression(arg) && arg.expression.getText(source) === 'Command') registered.add(arg.name.text);
        }
      }
      node.forEachChild(visit);
    };
    visit(source);
  }
  return registered;
}

describe('commands: package.json, the Command enum and the registrations agree', () => {
  it('package.json declares exactly the ids of the Command enum', () => {
    const enumIds = [...commandEnum().values()].sort();
    assert.deepEqual(declaredCommands().sort(), enumIds);
  });

  it('declares each command once, under the estreamer. prefix', () => {
    const declared = declaredCommands();
    assert.equal(new Set(declared).size, declared.length, 'a command is declared twice');
    for (const id of declared) assert.match(id, /^estreamer\.[a-zA-Z]+$/);
  });

  it('registers every Command member in src/extension/ through a registerCommand call', () => {
    const registered = registeredMembers();
    const unregistered = [...commandEnum().keys()].filter((member) => !registered.has(member));
    assert.deepEqual(unregistered, [], `Command members without a registerCommand(Command.X, …): ${unregistered.join(', ')}`);
  });
});
