export { renderLossSvg } from './plot/loss-svg';
export type { LossSeries } from './plot/loss-svg';
