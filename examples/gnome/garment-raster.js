// SPDX-License-Identifier: MIT
// Strokes drawn with a thick round brush, rasterized into a fine grid and
// reduced to a Fashion-MNIST image: 28×28 values in [0, 1], white garment
// on black, its longest side spanning the frame and its box centred, as the
// dataset's images are (their bounding boxes span 27-28 pixels).
// Plain JavaScript, no GTK: the canvas widget feeds it.

const GRID = 112;
const OUT = 28;
// Brush radius, as a fraction of the canvas side.
export const BRUSH_RADIUS = 0.045;

export class GarmentRaster {
    constructor() {
        this.cells = new Float32Array(GRID * GRID);
        this.empty = true;
    }

    clear() {
        this.cells.fill(0);
        this.empty = true;
    }

    // A brush dab at (x, y), coordinates in [0, 1]; soft one-cell edge.
    dab(x, y) {
        const r = BRUSH_RADIUS * GRID;
        const cx = x * GRID, cy = y * GRID;
        const x0 = Math.max(0, Math.floor(cx - r - 1)), x1 = Math.min(GRID - 1, Math.ceil(cx + r + 1));
        const y0 = Math.max(0, Math.floor(cy - r - 1)), y1 = Math.min(GRID - 1, Math.ceil(cy + r + 1));
        for (let j = y0; j <= y1; j++) {
            for (let i = x0; i <= x1; i++) {
                const d = Math.hypot(i + 0.5 - cx, j + 0.5 - cy);
                const v = Math.min(1, Math.max(0, r + 0.5 - d));
                const k = j * GRID + i;
                if (v > this.cells[k])
                    this.cells[k] = v;
            }
        }
        this.empty = false;
    }

    // Dabs every half cell from (x0, y0) to (x1, y1).
    line(x0, y0, x1, y1) {
        const n = Math.max(1, Math.ceil(2 * GRID * Math.hypot(x1 - x0, y1 - y0)));
        for (let s = 1; s <= n; s++)
            this.dab(x0 + (x1 - x0) * s / n, y0 + (y1 - y0) * s / n);
    }

    // The 28×28 image (row-major Float32Array of 784), or null when empty.
    toImage() {
        let minX = GRID, maxX = -1, minY = GRID, maxY = -1;
        for (let j = 0; j < GRID; j++) {
            for (let i = 0; i < GRID; i++) {
                if (this.cells[j * GRID + i] > 0.05) {
                    minX = Math.min(minX, i);
                    maxX = Math.max(maxX, i);
                    minY = Math.min(minY, j);
                    maxY = Math.max(maxY, j);
                }
            }
        }
        if (maxX < 0)
            return null;
        // A square box around the drawing, its longest side 27 of 28 pixels.
        const side = Math.max(maxX - minX + 1, maxY - minY + 1) * OUT / (OUT - 1);
        const left = (minX + maxX + 1) / 2 - side / 2, top = (minY + maxY + 1) / 2 - side / 2;
        const image = new Float32Array(OUT * OUT);
        const sub = 3;
        for (let r = 0; r < OUT; r++) {
            for (let c = 0; c < OUT; c++) {
                let sum = 0;
                for (let a = 0; a < sub; a++) {
                    for (let b = 0; b < sub; b++) {
                        const gx = Math.floor(left + (c + (b + 0.5) / sub) * side / OUT);
                        const gy = Math.floor(top + (r + (a + 0.5) / sub) * side / OUT);
                        if (gx >= 0 && gx < GRID && gy >= 0 && gy < GRID)
                            sum += this.cells[gy * GRID + gx];
                    }
                }
                image[r * OUT + c] = sum / (sub * sub);
            }
        }
        return image;
    }
}
