import { nodePackage } from '../../tsup.base.js';

export default nodePackage({ entry: { index: 'src/index.ts', cli: 'src/cli.ts' }, dts: { entry: { index: 'src/index.ts' } } });
