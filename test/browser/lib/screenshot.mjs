// Puts screenshots of several pages side by side, each in a window frame with a title bar, and
// writes the result as one PNG. Returns its size in bytes.
import { statSync } from 'node:fs';

export async function composeScreenshot(browser, shots, file, { width = 1400 } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 400 }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    const frames = shots.map((s) => `
      <figure>
        <div class="bar"><i></i><i></i><i></i><span>${s.title.replace(/</g, '&lt;')}</span></div>
        <img src="data:image/png;base64,${s.png.toString('base64')}">
      </figure>`).join('');
    await page.setContent(`<!doctype html><html><head><style>
      body { margin: 0; padding: 16px; background: #d9dce3; display: flex; gap: 16px; }
      figure { margin: 0; flex: 1; border-radius: 8px; overflow: hidden; box-shadow: 0 4px 14px #0003; background: #fff; }
      .bar { height: 26px; background: #eceef2; display: flex; align-items: center; gap: 6px; padding: 0 10px;
             font: 12px system-ui, sans-serif; color: #4a5266; }
      .bar i { width: 10px; height: 10px; border-radius: 50%; background: #c4c8d0; display: inline-block; }
      .bar span { margin-left: 8px; }
      img { display: block; width: 100%; }
    </style></head><body>${frames}</body></html>`);
    await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
    await page.screenshot({ path: file, fullPage: true });
    return statSync(file).size;
  } finally {
    await context.close();
  }
}
