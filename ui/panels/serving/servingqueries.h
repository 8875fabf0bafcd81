#pragma once

#include "core/base/result.h"
#include "core/registry/registrytypes.h"

#include <QImage>
#include <QList>
#include <QString>
#include <QStringList>

#include <vector>

namespace millrace::registry {
class RegistryStore;
}

namespace millrace::ui {

// What the Serving panel reads from the workspace and the disk. Every function here blocks
// (SQL, file reads): call them from a worker, never from the GUI thread.

/// One version of a registered model as the serve controls offer it.
struct ServableVersion
{
    qint64 version = 0;
    registry::Stage stage = registry::Stage::None;
    QStringList aliases;
    bool ready = false; ///< its files are in place (READY)
};

/// A registered model with what can be served of it.
struct ServableModel
{
    QString name;
    QString description;
    QList<ServableVersion> versions; ///< newest first
    QList<registry::ModelAlias> aliases;
};

/// Every registered model, sorted by name, with its versions and aliases.
Result<QList<ServableModel>> loadServableModels(const registry::RegistryStore &registry);

/// A Fashion-MNIST test image for "Try it".
struct TestImage
{
    int index = 0;             ///< in the test set
    int label = 0;             ///< its true class
    QString className;         ///< of the label
    std::vector<float> pixels; ///< 28 x 28, row-major, 0 (background) to 1
    QImage image;              ///< the same as an 8-bit greyscale picture
};

/// The folder "Try it" reads test images from: the workspace's prepared split (seed 000's
/// <workspace>/data/fashion-mnist, as the pipeline reads it) when there is one, else the
/// dataset-fashion-mnist package's folder. Both hold the same 10,000 test images.
QString testImageDirectory(const QString &workspaceRoot);

/// The first test image of each class from the Fashion-MNIST test set in `directory`, in class
/// order, and then the next ones up to `count`.
Result<QList<TestImage>> loadTestImages(const QString &directory, int count);

} // namespace millrace::ui
