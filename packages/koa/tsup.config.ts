import { nodePackage } from '../../tsup.base.js';

export default nodePackage();
