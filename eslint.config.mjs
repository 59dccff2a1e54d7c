// ESLint 9 flat config: typescript-eslint's type-aware recommended rules over the TypeScript
// sources, tests and benchmarks (typed through tsconfig.test.json, which includes all of them).
// Formatting is Prettier's job (npm run format:check), not ESLint's.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      '.test-tmp/',
      '.test-cache/',
      '.bench-cache/',
      'test/fixtures/',
      'flows/',
      'examples/',
      '**/*.html',
      // the editor's bundles, built from editor/
      'resources/',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // the editor's code is typed for the browser (DOM, no Node.js) by its own tsconfig
        project: ['./tsconfig.test.json', './editor/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // the point of the type-aware set: a promise is awaited, returned or handed to a handler,
      // and never passed where a callback's return value is ignored
      // (node:test's describe/test return promises the runner itself awaits: known safe)
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite'] }] }],
      '@typescript-eslint/no-misused-promises': 'error',
      // `_name` marks a parameter a callback signature requires but the body does not use
      // (Node-RED's (msg, send, done), close(removed, done)), as in Node-RED's own code
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `const node = this` in a node's constructor is Node-RED's own idiom (core nodes, the docs):
      // the handlers registered there refer to the node, not to whatever `this` they are called with
      '@typescript-eslint/no-this-alias': 'off',
      // CommonJS modules are loaded by computed path on purpose, and lazily: Node-RED core nodes
      // and the node under test in tests, optional native packages (lib/system/process/optional.ts), the
      // CLI's subcommands, the runtime's Node-RED. An import cannot name them or would load them eagerly.
      '@typescript-eslint/no-require-imports': 'off',
      // async methods that implement a Promise-returning interface (CanSource.send/close, test
      // doubles) without awaiting anything: `async` is what turns their throws into rejections
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Node-RED's runtime API, JSON.parse of flows, settings and test fixtures are untyped by
    // nature; the code narrows them where it uses them. These rules would flag every such
    // boundary read rather than the mistakes they exist for.
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Tests and benchmarks read untyped data on purpose: JSON from the runtime's HTTP routes,
    // Node-RED nodes and node-red-node-test-helper's sinon spies, a typed-peer's replies. They
    // check that data with assertions; declaring a type for every response would only restate
    // the assertions. The product code (lib/, nodes/, runtime/) keeps the rule.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // build and run scripts: plain JavaScript, not in any tsconfig
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // The bodies of the default flows' function nodes (runtime/default-flows/): Node-RED runs each
    // as the body of a function of msg, with these in scope (its function node's sandbox), so a
    // top-level return is theirs to use. Linted as they are shipped, byte for byte.
    files: ['runtime/default-flows/function-nodes/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        msg: 'writable',
        node: 'readonly',
        context: 'readonly',
        flow: 'readonly',
        global: 'readonly',
        env: 'readonly',
        RED: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
    rules: {
      'no-undef': 'error',
      // a body may name a local after a sandbox global it does not use (the boiler's `flow` temperature)
      'no-redeclare': ['error', { builtinGlobals: false }],
      'no-unreachable': 'error',
      'no-dupe-keys': 'error',
      'no-const-assign': 'error',
      'no-self-assign': 'error',
      'no-cond-assign': ['error', 'except-parens'],
      'prefer-const': 'error',
      eqeqeq: 'error',
    },
  },
);
