/**
 * A progress bar on stderr (stdout stays clean for reports and exports). On a terminal it redraws one
 * line at most ten times a second; otherwise it prints a line every 10 %.
 */
export type Progress = { update(done: number): void; finish(): void };

const WIDTH = 30;

export function progressBar(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const started = performance.now();
  let lastDraw = 0;
  let lastDecile = -1;
  const line = (done: number) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(fraction * WIDTH);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    return (
      `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(1)}% ` +
      `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${seconds} s`
    );
  };
  return {
    update(done) {
      if (stream.isTTY) {
        const now = performance.now();
        if (now - lastDraw < 100) return;
        lastDraw = now;
        stream.write(`\r${line(done)}`);
        return;
      }
      const decile = total > 0 ? Math.floor((done / total) * 10) : 10;
      if (decile > lastDecile) {
        lastDecile = decile;
        stream.write(`${line(done)}\n`);
      }
    },
    finish() {
      stream.write(stream.isTTY ? `\r${line(total)}\n` : '');
    },
  };
}
