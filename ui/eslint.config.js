// ESLint: the Rules of Hooks, the hooks' dependency lists, and the React
// Compiler's checks (pure renders, refs not read while rendering, …), on
// the TypeScript sources. `npm run lint` fails on any finding.
//
// The hooks come from `preact/hooks`. `rules-of-hooks` and `exhaustive-deps`
// go by names (`use*`, `useState`'s setter, `useRef`), wherever a hook is
// imported from. The compiler's checks know React's own hooks only when
// imported from 'react' and take Preact's for custom hooks: a ref is known
// by its name ending in `Ref` (which this code keeps to), and calls to a
// state setter are not recognised as such. Its option that would describe
// another module's hooks (`moduleTypeProvider`) is a function, which ESLint
// does not accept in a rule's options.
import tsParser from '@typescript-eslint/parser';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig } from 'eslint/config';

export default defineConfig([
  { ignores: ['dist/', 'src/ipc/bindings/'] },
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: {
      parser: tsParser,
      parserOptions: { ecmaFeatures: { jsx: true } },
    },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      // A stale dependency list is a bug, not a style point.
      'react-hooks/exhaustive-deps': 'error',
    },
  },
]);
