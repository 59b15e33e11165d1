import { defineConfig } from 'vite';
import { digitsAsset } from './build/digits-plugin.js';

// base './': dist/ works from any path (a subfolder of a site, or the browser test's server).
export default defineConfig({
  base: './',
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
  plugins: [digitsAsset({ trainPerClass: 100, testPerClass: 50 })],
});
