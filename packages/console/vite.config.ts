import { defineConfig } from "vite";

export default defineConfig({
  // ECharts alone is ~500 kB minified (~170 kB gzip); the planner page (YAML parser) is a separate chunk
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 800 },
});
