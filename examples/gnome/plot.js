// SPDX-License-Identifier: MIT
// TrainingPlot: the batch loss (left axis) and the training and test
// accuracy per epoch (right axis, %) against epochs, drawn with Cairo.
// Points only grow: the drawing costs one path of at most one vertex per
// pixel column, however long the training ran.
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk?version=4.0';
import PangoCairo from 'gi://PangoCairo';

// GNOME's palette: blue 3, orange 3, green 4.
const LOSS = [0.21, 0.52, 0.89];
const TRAIN = [1.0, 0.47, 0.0];
const TEST = [0.18, 0.76, 0.49];
const MARGIN = {left: 48, right: 48, top: 30, bottom: 44};

// A round number above v for an axis of four steps: each step 1, 2 or 5
// times a power of ten.
function niceCeiling(v) {
    const p = 10 ** Math.floor(Math.log10(v / 4));
    return 4 * [1, 2, 5, 10].map(m => m * p).find(m => 4 * m >= v);
}

export const TrainingPlot = GObject.registerClass({
    GTypeName: 'FtTrainingPlot',
}, class TrainingPlot extends Gtk.DrawingArea {
    constructor(params = {}) {
        super({content_height: 240, hexpand: true, vexpand: true, ...params});
        this.clear();
        this.set_draw_func((_area, cr, width, height) => {
            this._draw(cr, width, height);
            cr.$dispose();
        });
    }

    clear() {
        this._loss = [];
        this._epochs = [];
        this._lossMax = 0.5;
        this._xMax = 1;
        this.queue_draw();
    }

    // The x axis reaches at least this epoch (the end of the training).
    extendTo(epochs) {
        this._xMax = Math.max(this._xMax, epochs);
        this.queue_draw();
    }

    addLoss(epochs, loss) {
        this._loss.push([epochs, loss]);
        if (Number.isFinite(loss))
            this._lossMax = Math.max(this._lossMax, loss);
        this._xMax = Math.max(this._xMax, epochs);
        this.queue_draw();
    }

    addEpoch(epochs, trainAccuracy, testAccuracy) {
        this._epochs.push([epochs, trainAccuracy, testAccuracy]);
        this.queue_draw();
    }

    get nPoints() {
        return this._loss.length;
    }

    _text(cr, text, x, y, xalign, yalign) {
        const layout = this.create_pango_layout(text);
        const [, logical] = layout.get_pixel_extents();
        cr.moveTo(x - xalign * logical.width, y - yalign * logical.height);
        PangoCairo.show_layout(cr, layout);
    }

    _draw(cr, width, height) {
        const fg = this.get_style_context().get_color();
        const w = width - MARGIN.left - MARGIN.right, h = height - MARGIN.top - MARGIN.bottom;
        if (w < 20 || h < 20)
            return;
        const lossMax = niceCeiling(this._lossMax);
        const X = e => MARGIN.left + w * e / this._xMax;
        const Y = (v, max) => MARGIN.top + h * (1 - Math.min(v, max) / max);

        // Grid and axes, in the text colour, faint.
        cr.setLineWidth(1);
        cr.setSourceRGBA(fg.red, fg.green, fg.blue, 0.15);
        for (let i = 0; i <= 4; i++) {
            const y = Math.round(MARGIN.top + h * i / 4) + 0.5;
            cr.moveTo(MARGIN.left, y);
            cr.lineTo(MARGIN.left + w, y);
        }
        cr.stroke();
        cr.setSourceRGBA(fg.red, fg.green, fg.blue, 0.7);
        for (let i = 0; i <= 4; i++) {
            const y = MARGIN.top + h * i / 4;
            this._text(cr, `${+(lossMax * (1 - i / 4)).toPrecision(3)}`, MARGIN.left - 6, y, 1, 0.5);
            this._text(cr, `${100 - 25 * i} %`, MARGIN.left + w + 6, y, 0, 0.5);
        }
        const xStep = Math.max(1, Math.ceil(this._xMax / 10));
        for (let e = 0; e <= this._xMax; e += xStep)
            this._text(cr, `${e}`, X(e), MARGIN.top + h + 4, 0.5, 0);
        this._text(cr, 'Epochs', MARGIN.left + w / 2, MARGIN.top + h + 22, 0.5, 0);

        // The loss, one vertex per pixel column at most (the last one's).
        if (this._loss.length > 0) {
            cr.setSourceRGB(...LOSS);
            cr.setLineWidth(1.5);
            let column = -Infinity;
            this._loss.forEach(([e, v], i) => {
                const x = X(e);
                if (Math.floor(x) === column && i < this._loss.length - 1)
                    return;
                column = Math.floor(x);
                if (i === 0)
                    cr.moveTo(x, Y(v, lossMax));
                else
                    cr.lineTo(x, Y(v, lossMax));
            });
            cr.stroke();
        }
        // The accuracies, a dot per epoch.
        for (const [index, colour] of [[1, TRAIN], [2, TEST]]) {
            const points = this._epochs.filter(p => Number.isFinite(p[index]));
            if (points.length === 0)
                continue;
            cr.setSourceRGB(...colour);
            cr.setLineWidth(2);
            points.forEach((p, i) => (i === 0 ? cr.moveTo : cr.lineTo).call(cr, X(p[0]), Y(p[index], 1)));
            cr.stroke();
            for (const p of points) {
                cr.arc(X(p[0]), Y(p[index], 1), 3.5, 0, 2 * Math.PI);
                cr.fill();
            }
        }

        // Legend, above the plot.
        let x = MARGIN.left;
        for (const [name, colour] of [['Loss', LOSS], ['Training accuracy', TRAIN],
            ['Test accuracy', TEST]]) {
            cr.setSourceRGB(...colour);
            cr.rectangle(x, 10, 14, 4);
            cr.fill();
            cr.setSourceRGBA(fg.red, fg.green, fg.blue, 0.85);
            const layout = this.create_pango_layout(name);
            const [, logical] = layout.get_pixel_extents();
            cr.moveTo(x + 20, 12 - logical.height / 2);
            PangoCairo.show_layout(cr, layout);
            x += 20 + logical.width + 18;
        }
    }
});
