// SPDX-License-Identifier: MIT
// The main window: the training plot, progress and epochs on the left; the
// canvas, the test image picker and the prediction on the right. Errors
// are toasts. The window reacts to the Classifier's signals; the actions
// (app.start, app.stop, app.open, app.save) live in the application.
import GObject from 'gi://GObject';
import GLib from 'gi://GLib';
import Gtk from 'gi://Gtk?version=4.0';
import Adw from 'gi://Adw?version=1';
import {CLASS_NAMES} from './classifier.js';
import {TrainingPlot} from './plot.js';
import {GarmentCanvas} from './canvas.js';
import {ProbabilityBars} from './probability-bars.js';

function heading(text) {
    return new Gtk.Label({label: text, xalign: 0, css_classes: ['heading']});
}

// "1:05" or "12 s".
function duration(seconds) {
    const s = Math.max(0, Math.round(seconds));
    return s < 60 ? `${s} s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export const FashionTrainerWindow = GObject.registerClass({
    GTypeName: 'FtWindow',
}, class FashionTrainerWindow extends Adw.ApplicationWindow {
    constructor(application, classifier, {epochs = 3} = {}) {
        super({application, title: 'Fashion Trainer', default_width: 1040, default_height: 660});
        this.classifier = classifier;
        this.predictions = {count: 0, totalMs: 0, maxMs: 0};
        this._predictionPending = false;
        this.toastTimeout = 5;

        this._toasts = new Adw.ToastOverlay();
        const page = new Gtk.Box({orientation: Gtk.Orientation.VERTICAL});
        this._toasts.child = page;
        this.set_content(this._toasts);

        this._title = new Adw.WindowTitle({title: 'Fashion Trainer'});
        const header = new Adw.HeaderBar({title_widget: this._title});
        header.pack_start(new Gtk.Button({icon_name: 'document-open-symbolic',
            action_name: 'app.open', tooltip_text: 'Open Weights…'}));
        header.pack_start(new Gtk.Button({icon_name: 'document-save-as-symbolic',
            action_name: 'app.save', tooltip_text: 'Save Weights As…'}));
        header.pack_end(new Gtk.Button({label: '_Train', use_underline: true,
            action_name: 'app.start', css_classes: ['suggested-action'],
            tooltip_text: 'Train for the chosen number of epochs'}));
        header.pack_end(new Gtk.Button({label: '_Stop', use_underline: true,
            action_name: 'app.stop', tooltip_text: 'Stop after the current step'}));
        header.pack_end(new Gtk.ToggleButton({icon_name: 'media-playback-pause-symbolic',
            action_name: 'app.pause', tooltip_text: 'Pause the training'}));
        page.append(header);

        const body = new Gtk.Box({spacing: 24, margin_top: 18, margin_bottom: 18,
            margin_start: 18, margin_end: 18, vexpand: true});
        page.append(body);
        body.append(this._buildTraining(epochs));
        body.append(this._buildPrediction());

        classifier.connect('notify::description', () => this._updateTitle());
        classifier.connect('model-changed', () => {
            this.plot.clear();
            this._progress.fraction = 0;
            this._progress.text = 'Not trained in this session';
            this._status.label = '';
            this._requestPrediction();
        });
        classifier.connect('progress', (_c, x, fraction, left, loss, epoch, epochs_) => {
            this.plot.addLoss(x, loss);
            this._progress.fraction = fraction;
            this._progress.text = `Epoch ${epoch} of ${epochs_} · about ${duration(left)} left`;
            this._requestPrediction();
        });
        classifier.connect('epoch-end', (_c, x, loss, accuracy, testAccuracy) => {
            this.plot.addEpoch(x, accuracy, testAccuracy);
            this._status.label = `Epoch ${x}: loss ${loss.toFixed(3)}, training accuracy ` +
                `${(100 * accuracy).toFixed(1)} %, test accuracy ${(100 * testAccuracy).toFixed(1)} %`;
        });
        classifier.connect('finished', (_c, error) => {
            if (error)
                this.toast(`Training failed: ${error.message}`);
            this._progress.text = this._progress.fraction >= 1 ? 'Done' : 'Stopped';
            this._requestPrediction();
        });
        this._updateTitle();
        this._progress.text = 'Not trained in this session';
        this._requestPrediction();
    }

    _buildTraining(epochs) {
        const box = new Gtk.Box({orientation: Gtk.Orientation.VERTICAL, spacing: 12, hexpand: true});
        box.append(heading('Training'));
        this.plot = new TrainingPlot({margin_top: 6, margin_bottom: 6, margin_start: 6, margin_end: 6});
        const card = new Gtk.Box({css_classes: ['card'], vexpand: true});
        card.append(this.plot);
        box.append(card);
        this._progress = new Gtk.ProgressBar({show_text: true});
        box.append(this._progress);
        this._status = new Gtk.Label({xalign: 0, wrap: true, css_classes: ['dim-label', 'numeric']});
        box.append(this._status);
        const row = new Gtk.Box({spacing: 12});
        this.epochs = new Gtk.SpinButton({
            adjustment: new Gtk.Adjustment({lower: 1, upper: 100, step_increment: 1, value: epochs}),
            numeric: true,
        });
        const label = new Gtk.Label({label: '_Epochs per training', use_underline: true,
            mnemonic_widget: this.epochs});
        row.append(label);
        row.append(this.epochs);
        box.append(row);
        return box;
    }

    _buildPrediction() {
        const box = new Gtk.Box({orientation: Gtk.Orientation.VERTICAL, spacing: 12});
        box.append(heading('Input'));
        this.canvas = new GarmentCanvas();
        this.canvas.connect('changed', () => this._requestPrediction());
        box.append(this.canvas);

        const row = new Gtk.Box({spacing: 6});
        row.append(new Gtk.Button({label: '_Clear', use_underline: true,
            tooltip_text: 'Clear the drawing'}));
        row.get_first_child().connect('clicked', () => this.canvas.clear());
        this.testIndex = new Gtk.SpinButton({
            adjustment: new Gtk.Adjustment({lower: 0, upper: this.classifier.testSize - 1,
                step_increment: 1, page_increment: 10}),
            numeric: true, hexpand: true, halign: Gtk.Align.END,
            tooltip_text: 'Show this image of the test set',
        });
        this.testIndex.connect('value-changed', () => this.showTestImage(this.testIndex.get_value_as_int()));
        row.append(new Gtk.Label({label: 'Test _image', use_underline: true,
            mnemonic_widget: this.testIndex, hexpand: true, xalign: 1}));
        row.append(this.testIndex);
        box.append(row);

        box.append(heading('Prediction'));
        this.predictionLabel = new Gtk.Label({xalign: 0, css_classes: ['title-2'], wrap: true});
        box.append(this.predictionLabel);
        this.bars = new ProbabilityBars(CLASS_NAMES);
        box.append(this.bars);
        return box;
    }

    _updateTitle() {
        this._title.subtitle = this.classifier.description;
    }

    showTestImage(i) {
        const [image, label] = this.classifier.testImage(i);
        this.canvas.showImage(image, label);
    }

    toast(message) {
        const toast = new Adw.Toast({title: GLib.markup_escape_text(message, -1),
            timeout: this.toastTimeout});
        this._toasts.add_toast(toast);
        this.lastToast = toast;
        return toast;
    }

    // One prediction per main loop pass at most, after the frame's work.
    _requestPrediction() {
        if (this._predictionPending)
            return;
        this._predictionPending = true;
        GLib.idle_add(GLib.PRIORITY_DEFAULT_IDLE, () => {
            this._predictionPending = false;
            this._predict();
            return GLib.SOURCE_REMOVE;
        });
    }

    _predict() {
        const input = this.canvas.input;
        if (!input) {
            this.predictionLabel.label = 'Draw a garment or pick a test image';
            this.bars.set(null, -1);
            return;
        }
        const start = GLib.get_monotonic_time();
        let probabilities;
        try {
            probabilities = this.classifier.predict(input);
        } catch (e) {
            this.predictionLabel.label = 'No prediction';
            this.bars.set(null, -1);
            this.toast(`Cannot predict: ${e.message}`);
            return;
        }
        const ms = (GLib.get_monotonic_time() - start) / 1000;
        this.predictions.count++;
        this.predictions.totalMs += ms;
        this.predictions.maxMs = Math.max(this.predictions.maxMs, ms);
        const best = probabilities.indexOf(Math.max(...probabilities));
        this.predictionLabel.label = `${CLASS_NAMES[best]} (${(100 * probabilities[best]).toFixed(0)} %)`;
        this.bars.set(probabilities, this.canvas.label);
    }

    // Errors become toasts: returns whether it worked.
    loadWeights(path) {
        try {
            this.classifier.load(path);
            this.toast(`Opened ${GLib.path_get_basename(path)}`);
            return true;
        } catch (e) {
            this.toast(`Cannot open ${GLib.path_get_basename(path)}: ${e.message}`);
            return false;
        }
    }

    saveWeights(path) {
        try {
            this.classifier.save(path);
            this.toast(`Saved ${GLib.path_get_basename(path)}`);
            return true;
        } catch (e) {
            this.toast(`Cannot save ${GLib.path_get_basename(path)}: ${e.message}`);
            return false;
        }
    }

    _chooseFile(action, title, acceptLabel, then) {
        const chooser = new Gtk.FileChooserNative({title, action, transient_for: this,
            modal: true, accept_label: acceptLabel});
        const filter = new Gtk.FileFilter({name: 'Safetensors weights'});
        filter.add_pattern('*.safetensors');
        chooser.add_filter(filter);
        if (action === Gtk.FileChooserAction.SAVE)
            chooser.set_current_name('fashion-mnist-mlp.safetensors');
        chooser.connect('response', (_c, response) => {
            if (response === Gtk.ResponseType.ACCEPT)
                then(chooser.get_file().get_path());
            this._chooser = null;
        });
        this._chooser = chooser;
        chooser.show();
    }

    openWeightsDialog() {
        this._chooseFile(Gtk.FileChooserAction.OPEN, 'Open Weights', '_Open', p => this.loadWeights(p));
    }

    saveWeightsDialog() {
        this._chooseFile(Gtk.FileChooserAction.SAVE, 'Save Weights', '_Save', p => this.saveWeights(p));
    }
});
