// Starts the outside-API simulators in-process (npm start with USE_SIMULATORS and no
// credentials), seeded with a little demo data so every connector step works out of the box.
import { DateTime } from 'luxon';
import { CgbSimulator } from './cgb.ts';
import { MetaGraphSimulator } from './meta-graph.ts';
import { PancakePosSimulator } from './pancake-pos.ts';

export interface SimulatorEndpoints {
  cgb: { baseUrl: string; token: string };
  meta: { baseUrl: string; accessToken: string };
  pancake: { baseUrl: string; apiKey: string };
}

export interface RunningSimulators {
  endpoints: SimulatorEndpoints;
  stop(): Promise<void>;
}

export async function startSimulators(timezone = 'Asia/Manila', days = 45): Promise<RunningSimulators> {
  const today = DateTime.now().setZone(timezone).startOf('day');
  const dates = Array.from({ length: days }, (_, i) => today.minus({ days: days - i }));
  const cgb = new CgbSimulator();
  const meta = new MetaGraphSimulator().seed('1234567890', dates.map((d) => d.toISODate()!), 12);
  const pancake = new PancakePosSimulator().seed(30037101, dates.map((d) => d.toJSDate()), 20);
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    for (const s of [cgb, meta, pancake]) {
      await s.start();
      started.push(s);
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
  return {
    endpoints: {
      cgb: { baseUrl: cgb.baseUrl, token: [...cgb.tokens][0]! },
      meta: { baseUrl: meta.baseUrl, accessToken: [...meta.tokens][0]! },
      pancake: { baseUrl: pancake.baseUrl, apiKey: [...pancake.apiKeys][0]! },
    },
    stop: async () => {
      await Promise.all(started.map((s) => s.stop()));
    },
  };
}
