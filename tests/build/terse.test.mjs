// scripts/build/terse.mjs: terser minifies the bundle, the packed text's variable kept first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PLACEHOLDERS } from '../../scripts/build/embed.mjs';
import { terse } from '../../scripts/build/terse.mjs';

// The shape of esbuild's bundle (not minified): the embedded module's variables first, the packed
// text read once, in a function, where terser would otherwise write the string itself.
const bundle = `var packed = "${PLACEHOLDERS.packed}", unpacker = "${PLACEHOLDERS.unpacker}";
function decode(text, bytes) { return text.length + bytes.length; }
var boot = () => decode(packed, unpacker) + decode(unpacker, unpacker);
export { boot };
`;

test('the packed text stays the script\'s first string, its variable read where it was', async () => {
  const code = await terse(bundle);
  assert.match(code, new RegExp(`^var (\\w+)="${PLACEHOLDERS.packed}",`));
  const name = code.match(/^var (\w+)=/)[1];
  assert.equal(code.split(`"${PLACEHOLDERS.packed}"`).length, 2, 'the text once');
  assert.match(code, new RegExp(`\\(${name},`), 'read through its variable');
  // Still the same module: it answers what the bundle answers.
  const url = `data:text/javascript,${encodeURIComponent(code)}`;
  const { boot } = await import(url);
  assert.equal(boot(), PLACEHOLDERS.packed.length + 3 * PLACEHOLDERS.unpacker.length);
});

test('a bundle without the packed text as a variable of its own fails the build', async () => {
  await assert.rejects(terse(`export const x = ${JSON.stringify(PLACEHOLDERS.packed)}.length;`), /variable of its own/);
});
