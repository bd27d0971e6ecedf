// Post-bundle step: terser minifies esbuild's bundle (esbuild bundles, simplifies the syntax and
// shortens the `_` members: scripts/build.mjs). Measured on the script: 106 B less gzipped than
// esbuild's own minifier, of which 53 B the mangler alone (names chosen by frequency, the same few
// for every scope's parameters) and the rest the compressor (a function or constant read at one
// site written there; passes beyond 2 find nothing more). Only terser's safe transforms: no
// `unsafe*` option, nothing that assumes more of the code than that it is strict-mode ES2022.
//
// The packed text's variable is kept where esbuild put it, the bundle's first statement: terser
// would write the string where it is read, the wasm's 40 KB in the middle of the JS, which gzip
// codes worse (+330 B measured). The build fails if the text is not the script's first string.
import { minify } from 'terser';
import { PLACEHOLDERS } from './embed.mjs';

/** `bundle` (esbuild's output, not minified) minified by terser, the packed text still first. */
export async function terse(bundle) {
  const quoted = `"${PLACEHOLDERS.packed}"`;
  const name = bundle.match(new RegExp(`\\bvar ([\\w$]+) = ${quoted}[,;]`))?.[1];
  if (!name) throw new Error(`build: the bundle should declare ${quoted} as a variable of its own; esbuild's output changed shape`);
  const { code } = await minify(bundle, {
    module: true,
    ecma: 2022,
    compress: { passes: 2, top_retain: [name] },
    format: { comments: false },
  });
  if (!/^var [\w$]+=$/.test(code.slice(0, code.indexOf(quoted)))) throw new Error(`build: terser moved ${quoted} from the front of the script`);
  return code;
}
