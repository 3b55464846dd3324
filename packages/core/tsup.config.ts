import { nodePackage } from '../../tsup.base.js';

export default nodePackage({ entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' }, external: ['vitest'] });
