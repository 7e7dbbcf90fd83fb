// Closed model: as many partner requests as the API answers, to compare its maximum
// throughput with the hello-world ceiling measured in the same run.
import { partnerRequest } from './mix.js';

export const options = {
  scenarios: { max: { executor: 'constant-vus', vus: Number(__ENV.VUS ?? 32), duration: __ENV.DURATION ?? '20s' } },
};

export default partnerRequest;
