// SPDX-License-Identifier: MIT
// The application: command-line options, the actions app.start, app.stop,
// app.open, app.save and app.quit (enabled by the training state), and the
// window. `--self-test OUT.png` runs the scripted session of self-test.js.
import GObject from 'gi://GObject';
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Adw from 'gi://Adw?version=1';
import {Classifier} from './classifier.js';
import {FashionTrainerWindow} from './window.js';
import {runSelfTest} from './self-test.js';

export const FashionTrainerApplication = GObject.registerClass({
    GTypeName: 'FtApplication',
}, class FashionTrainerApplication extends Adw.Application {
    constructor() {
        super({application_id: 'io.github.DezeroGlib.FashionTrainer',
            flags: Gio.ApplicationFlags.NON_UNIQUE});
        this.options = {epochs: 3, hidden: 1000, trainSize: 0, selfTest: null};
        const int = GLib.OptionArg.INT;
        this.add_main_option('epochs', 0, 0, int, 'Epochs per training (3)', 'N');
        this.add_main_option('hidden', 0, 0, int, 'Hidden units of the MLP (1000)', 'N');
        this.add_main_option('train-size', 0, 0, int,
            'Train on the first N images (all 60000)', 'N');
        this.add_main_option('self-test', 0, 0, GLib.OptionArg.FILENAME,
            'Train a little, write a screenshot to OUT.png and figures to OUT.json, quit', 'OUT.png');
    }

    vfunc_handle_local_options(dict) {
        const take = (name, key) => {
            const v = dict.lookup_value(name, null);
            if (v)
                this.options[key] = v.recursiveUnpack();
        };
        take('epochs', 'epochs');
        take('hidden', 'hidden');
        take('train-size', 'trainSize');
        const selfTest = dict.lookup_value('self-test', null);
        if (selfTest)
            this.options.selfTest = new TextDecoder().decode(selfTest.get_bytestring());
        // Headless X servers have no GPU: Cairo draws the same pixels anywhere.
        if (this.options.selfTest && !GLib.getenv('GSK_RENDERER'))
            GLib.setenv('GSK_RENDERER', 'cairo', false);
        return -1;
    }

    vfunc_startup() {
        super.vfunc_startup();
        this._classifier = new Classifier({hidden: this.options.hidden,
            trainSize: this.options.trainSize});
        const actions = {
            start: () => this.startTraining(),
            stop: () => this._classifier.stop(),
            open: () => this.window.openWeightsDialog(),
            save: () => this.window.saveWeightsDialog(),
            // Through the window, which waits for a running training.
            quit: () => (this.window ? this.window.close() : this.quit()),
        };
        for (const [name, activate] of Object.entries(actions)) {
            const action = new Gio.SimpleAction({name});
            action.connect('activate', activate);
            this.add_action(action);
        }
        // A toggle: its state is whether the trainer waits (DzTrainer:paused).
        const pause = Gio.SimpleAction.new_stateful('pause', null, GLib.Variant.new_boolean(false));
        pause.connect('change-state', (action, state) => {
            this._classifier.paused = state.get_boolean();
            action.set_state(GLib.Variant.new_boolean(this._classifier.paused));
        });
        this.add_action(pause);
        const sync = () => {
            const running = this._classifier.running;
            this.lookup_action('start').enabled = !running;
            this.lookup_action('stop').enabled = running;
            this.lookup_action('open').enabled = !running;
            pause.enabled = running;
            if (!running)
                pause.set_state(GLib.Variant.new_boolean(false));
        };
        this._classifier.connect('notify::running', sync);
        sync();
        this.set_accels_for_action('app.open', ['<Control>o']);
        this.set_accels_for_action('app.save', ['<Control>s']);
        this.set_accels_for_action('app.start', ['<Control>Return']);
        this.set_accels_for_action('app.stop', ['<Control>period']);
        this.set_accels_for_action('app.pause', ['<Control>p']);
        this.set_accels_for_action('app.quit', ['<Control>q']);
    }

    vfunc_activate() {
        if (!this.window) {
            this.window = new FashionTrainerWindow(this, this._classifier,
                {epochs: this.options.epochs});
            // Closed while training: the worker stops at its next step and
            // the process waits for it rather than exiting under it.
            this.window.connect('close-request', () => {
                if (this._classifier.running) {
                    this.hold();
                    const id = this._classifier.connect('finished', () => {
                        this._classifier.disconnect(id);
                        this.release();
                    });
                    this._classifier.stop();
                }
                return false;
            });
        }
        this.window.present();
        if (this.options.selfTest && !this._selfTestStarted) {
            this._selfTestStarted = true;
            this.hold();
            runSelfTest(this, this.window, this._classifier, this.options.selfTest).then(() => {
                this.exitStatus = 0;
            }, e => {
                logError(e, 'self-test failed');
                this.exitStatus = 1;
            }).finally(() => {
                this.release();
                this.quit();
            });
        }
    }

    startTraining() {
        const epochs = this.window.epochs.get_value_as_int();
        this.window.plot.extendTo(this._classifier.epochsDone + epochs);
        this._classifier.train(epochs).catch(e => this.window.toast(e.message));
    }
});
