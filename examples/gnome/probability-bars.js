// SPDX-License-Identifier: MIT
// ProbabilityBars: the ten class probabilities as level bars, the most
// likely class in bold, the true class (of a test image) marked.
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk?version=4.0';

export const ProbabilityBars = GObject.registerClass({
    GTypeName: 'FtProbabilityBars',
}, class ProbabilityBars extends Gtk.Grid {
    constructor(classNames, params = {}) {
        super({row_spacing: 4, column_spacing: 8, ...params});
        this._rows = classNames.map((name, i) => {
            const label = new Gtk.Label({label: name, xalign: 0});
            const bar = new Gtk.LevelBar({
                min_value: 0,
                max_value: 1,
                hexpand: true,
                valign: Gtk.Align.CENTER,
            });
            // One colour for every value: a probability is not a warning.
            for (const offset of [Gtk.LEVEL_BAR_OFFSET_LOW, Gtk.LEVEL_BAR_OFFSET_HIGH,
                Gtk.LEVEL_BAR_OFFSET_FULL])
                bar.remove_offset_value(offset);
            const percent = new Gtk.Label({xalign: 1, width_chars: 6, css_classes: ['numeric']});
            this.attach(label, 0, i, 1, 1);
            this.attach(bar, 1, i, 1, 1);
            this.attach(percent, 2, i, 1, 1);
            return {name, label, bar, percent};
        });
        this.set(null, -1);
    }

    // probabilities: 10 numbers, or null for none; truth: the true class or -1.
    set(probabilities, truth) {
        const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
        this._rows.forEach((row, i) => {
            const p = probabilities ? probabilities[i] : 0;
            row.bar.value = p;
            row.percent.label = probabilities ? `${(100 * p).toFixed(1)} %` : '–';
            row.label.label = i === truth ? `${row.name} ✓` : row.name;
            if (i === best)
                row.label.add_css_class('heading');
            else
                row.label.remove_css_class('heading');
        });
    }
});
