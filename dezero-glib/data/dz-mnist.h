/* dz-mnist.h: MNIST and Fashion-MNIST from IDX files
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#if !defined(__DEZERO_GLIB_H_INSIDE__) && !defined(DZ_COMPILATION)
# error "Only <dezero-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "dz-version-macros.h"
#include "dz-dataset.h"

G_BEGIN_DECLS

/**
 * DZ_FASHION_MNIST_DIR:
 *
 * Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST.
 */
#define DZ_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/**
 * DZ_TYPE_MNIST:
 *
 * The #GType of #DzMNIST.
 */
#define DZ_TYPE_MNIST (dz_mnist_get_type ())

DZ_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (DzMNIST, dz_mnist, DZ, MNIST, DzDataset)

/**
 * DzMNISTClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzMNIST. It adds no virtual functions: a
 * subclass (#DzFashionMNIST) only names another directory.
 */
struct _DzMNISTClass
{
  DzDatasetClass parent_class;

  /*< private >*/
  gpointer padding[4];
};

/**
 * DZ_TYPE_FASHION_MNIST:
 *
 * The #GType of #DzFashionMNIST.
 */
#define DZ_TYPE_FASHION_MNIST (dz_fashion_mnist_get_type ())

/**
 * DzFashionMNISTClass:
 * @parent_class: the parent class
 *
 * The class structure of #DzFashionMNIST. #DzFashionMNIST is final: it has no virtual functions to override.
 */

DZ_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DzFashionMNIST, dz_fashion_mnist, DZ, FASHION_MNIST, DzMNIST)

DZ_AVAILABLE_IN_ALL
DzMNIST        *dz_mnist_new         (const char  *directory,
                                      gboolean     train,
                                      GError     **error);
DZ_AVAILABLE_IN_ALL
DzFashionMNIST *dz_fashion_mnist_new (gboolean     train,
                                      GError     **error);

DZ_AVAILABLE_IN_ALL
GBytes         *dz_mnist_get_images  (DzMNIST     *self,
                                      gsize       *n_images,
                                      gsize       *rows,
                                      gsize       *cols);
DZ_AVAILABLE_IN_ALL
DzArray        *dz_mnist_get_labels  (DzMNIST     *self);

G_END_DECLS
