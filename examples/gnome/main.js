// SPDX-License-Identifier: MIT
// Fashion Trainer, a GTK 4 app on dezero-glib: trains a Fashion-MNIST MLP
// in a worker thread with a live plot, and classifies what you draw.
//
//   scripts/app.sh [--epochs N] [--hidden N] [--train-size N]
//   scripts/app.sh --self-test OUT.png      (headless: xvfb-run -a ...)
import System from 'system';
import {FashionTrainerApplication} from './application.js';

const app = new FashionTrainerApplication();
const status = app.run(['fashion-trainer', ...ARGV]);
System.exit(app.exitStatus ?? status);
