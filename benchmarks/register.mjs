// `npm run bench` entry: lets plain `node` run the TypeScript benchmarks (tsx's ESM loader).
import { register } from 'tsx/esm/api';

register();
