// Timing margins. TRIPLEX_TIME_SCALE (default 1) stretches every deadline, e.g. under ASan on a
// loaded machine. Deadlines bound waits; they never stand in for synchronisation.

export const TIME_SCALE = Number(process.env.TRIPLEX_TIME_SCALE || 1) || 1;
export const scaled = (ms) => Math.round(ms * TIME_SCALE);
/** Default deadline for one awaited event. */
export const WAIT_MS = scaled(5000);
