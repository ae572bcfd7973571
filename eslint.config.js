// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import { ALLOWED, PURE } from "./scripts/boundaries.mjs";

const ALL = Object.keys(ALLOWED);

const nodeBuiltins = [
  "node:*",
  "fs",
  "path",
  "os",
  "child_process",
  "http",
  "https",
  "net",
  "crypto",
  "url",
  "process",
  "worker_threads",
  "stream",
];

function boundaryConfig(pkg) {
  const forbiddenPkgs = ALL.filter((p) => p !== pkg && !ALLOWED[pkg].includes(p)).map((p) => `@aidc/${p}`);
  const pure = PURE.includes(pkg);
  const patterns = [
    ...(forbiddenPkgs.length
      ? [
          {
            group: forbiddenPkgs,
            message: `${pkg} may only import ${ALLOWED[pkg].join(", ") || "no workspace package"} (ARCHITECTURE.md).`,
          },
        ]
      : []),
    { group: [`../../*/src/*`, `../../../*/src/*`], message: "Import other packages by name (@aidc/x), not by path." },
    ...(pure ? [{ group: nodeBuiltins, message: `${pkg} is pure: time, randomness and I/O arrive through ports.` }] : []),
  ];
  return {
    files: [`packages/${pkg}/src/**/*.ts`],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns }],
      ...(pure
        ? {
            "no-restricted-properties": [
              "error",
              { object: "Math", property: "random", message: "Use the seeded Rng port." },
              { object: "Date", property: "now", message: "Use the Clock port (ctx.now)." },
            ],
            "no-restricted-globals": ["error", { name: "process", message: "Pure packages do not read the process." }],
            "no-restricted-syntax": [
              "error",
              { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "Use the Clock port." },
            ],
          }
        : {}),
    },
  };
}

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/*.generated.ts", ".aidc/**", "schemas/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "import-x": importX },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-default-export": "error",
      "no-restricted-syntax": ["error", { selector: "TSEnumDeclaration", message: "Use string unions with `as const` instead of enum." }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
    settings: {
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/extensions": [".ts", ".js"],
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json", noWarnOnMultipleProjects: true })],
    },
  },
  ...ALL.map(boundaryConfig),
  {
    files: ["**/*.mjs", "**/*.js", "vitest.config.ts", "**/vite.config.ts", "eslint.config.js"],
    languageOptions: {
      globals: Object.fromEntries(
        [
          "process",
          "console",
          "URL",
          "URLSearchParams",
          "performance",
          "fetch",
          "setTimeout",
          "clearTimeout",
          "setInterval",
          "clearInterval",
          "Buffer",
          "TextDecoder",
          "TextEncoder",
          "AbortController",
          "structuredClone",
        ].map((g) => [g, "readonly"]),
      ),
    },
    rules: { "import-x/no-default-export": "off", "@typescript-eslint/consistent-type-imports": "off" },
  },
);
