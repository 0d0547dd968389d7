// SPDX-License-Identifier: MIT
// GarmentCanvas: draw a garment with the mouse, pen or finger, or show a
// test image; either way the model's input is a 28×28 image, which a
// corner preview shows as the model sees it.
import GObject from 'gi://GObject';
import GLib from 'gi://GLib';
import Gdk from 'gi://Gdk?version=4.0';
import GdkPixbuf from 'gi://GdkPixbuf';
import Gtk from 'gi://Gtk?version=4.0';
import PangoCairo from 'gi://PangoCairo';
import Cairo from 'cairo';
import {GarmentRaster, BRUSH_RADIUS} from './garment-raster.js';

const SIZE = 280;
const PREVIEW = 56;

// A 28×28 grayscale image as a pixbuf, to draw scaled without smoothing.
function pixbufOf(image) {
    const rgb = new Uint8Array(28 * 28 * 3);
    for (let k = 0; k < 784; k++)
        rgb.fill(Math.round(255 * Math.min(1, Math.max(0, image[k]))), 3 * k, 3 * k + 3);
    return GdkPixbuf.Pixbuf.new_from_bytes(new GLib.Bytes(rgb), GdkPixbuf.Colorspace.RGB,
        false, 8, 28, 28, 28 * 3);
}

function paintImage(cr, pixbuf, x, y, size) {
    cr.save();
    cr.translate(x, y);
    cr.scale(size / 28, size / 28);
    Gdk.cairo_set_source_pixbuf(cr, pixbuf, 0, 0);
    cr.getSource().setFilter(Cairo.Filter.NEAREST);
    cr.paint();
    cr.restore();
}

export const GarmentCanvas = GObject.registerClass({
    GTypeName: 'FtGarmentCanvas',
    Signals: {'changed': {}},
}, class GarmentCanvas extends Gtk.DrawingArea {
    constructor(params = {}) {
        super({
            content_width: SIZE,
            content_height: SIZE,
            halign: Gtk.Align.CENTER,
            valign: Gtk.Align.START,
            overflow: Gtk.Overflow.HIDDEN,
            css_classes: ['card'],
            tooltip_text: 'Draw a garment: white on black, as in Fashion-MNIST',
            ...params,
        });
        this._raster = new GarmentRaster();
        this._strokes = [];
        this._image = null;
        this._pixbuf = null;
        this._inputPixbuf = null;
        this.set_draw_func((_area, cr, width, height) => {
            this._draw(cr, width, height);
            cr.$dispose();
        });

        const drag = new Gtk.GestureDrag();
        drag.connect('drag-begin', (_g, x, y) => this.beginStroke(x, y));
        drag.connect('drag-update', (g, dx, dy) => {
            const [, x, y] = g.get_start_point();
            this.extendStroke(x + dx, y + dy);
        });
        this.add_controller(drag);
    }

    // The model's input: 784 values in [0, 1], or null with nothing drawn.
    get input() {
        if (this._image)
            return this._image;
        this._input ??= this._raster.toImage();
        return this._input;
    }

    // The label of the test image shown, or -1 for a drawing.
    get label() {
        return this._image ? this._label : -1;
    }

    clear() {
        this._strokes = [];
        this._raster.clear();
        this._image = null;
        this._changed();
    }

    showImage(image, label) {
        this.clear();
        this._image = image;
        this._label = label;
        this._pixbuf = pixbufOf(image);
        this._changed();
    }

    // Stroke points in widget coordinates; drawing over a test image
    // starts a new drawing.
    beginStroke(x, y) {
        if (this._image)
            this.clear();
        const p = this._normalize(x, y);
        this._strokes.push([p]);
        this._raster.dab(...p);
        this._changed();
    }

    extendStroke(x, y) {
        const stroke = this._strokes[this._strokes.length - 1];
        if (!stroke)
            return;
        const p = this._normalize(x, y);
        const last = stroke[stroke.length - 1];
        stroke.push(p);
        this._raster.line(...last, ...p);
        this._changed();
    }

    _normalize(x, y) {
        const w = this.get_width() || SIZE, h = this.get_height() || SIZE;
        return [Math.min(1, Math.max(0, x / w)), Math.min(1, Math.max(0, y / h))];
    }

    _changed() {
        this._input = null;
        this._inputPixbuf = null;
        this.queue_draw();
        this.emit('changed');
    }

    _draw(cr, width, height) {
        cr.setSourceRGB(0, 0, 0);
        cr.paint();
        if (this._image) {
            paintImage(cr, this._pixbuf, 0, 0, Math.min(width, height));
            return;
        }
        if (this._strokes.length === 0) {
            const layout = this.create_pango_layout('Draw a garment here');
            const [, logical] = layout.get_pixel_extents();
            cr.setSourceRGBA(1, 1, 1, 0.55);
            cr.moveTo((width - logical.width) / 2, (height - logical.height) / 2);
            PangoCairo.show_layout(cr, layout);
            return;
        }
        cr.setSourceRGB(1, 1, 1);
        cr.setLineWidth(2 * BRUSH_RADIUS * width);
        cr.setLineCap(Cairo.LineCap.ROUND);
        cr.setLineJoin(Cairo.LineJoin.ROUND);
        for (const stroke of this._strokes) {
            cr.moveTo(stroke[0][0] * width, stroke[0][1] * height);
            for (const [x, y] of stroke)
                cr.lineTo(x * width, y * height);
            cr.stroke();
        }
        // What the model sees, in the corner.
        const input = this.input;
        if (input) {
            this._inputPixbuf ??= pixbufOf(input);
            const x = width - PREVIEW - 8, y = height - PREVIEW - 8;
            paintImage(cr, this._inputPixbuf, x, y, PREVIEW);
            cr.setSourceRGBA(1, 1, 1, 0.6);
            cr.setLineWidth(1);
            cr.rectangle(x - 0.5, y - 0.5, PREVIEW + 1, PREVIEW + 1);
            cr.stroke();
        }
    }
});
