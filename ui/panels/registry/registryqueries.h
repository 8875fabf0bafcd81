#pragma once

#include "core/base/result.h"
#include "core/registry/registrytypes.h"
#include "core/tracking/trackingtypes.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

namespace millrace {
namespace registry {
class RegistryStore;
}
namespace tracking {
class TrackingStore;
}
} // namespace millrace

namespace millrace::ui {

// What the Registry panel reads from the workspace. Every function here runs SQL on the calling
// thread: call them from a Job, never from the GUI thread.

/// Everything the panel shows of one registered model.
struct ModelDetail
{
    registry::RegisteredModel model;
    QList<registry::ModelVersion> versions; ///< newest first
    QList<registry::RegistryEvent> history; ///< oldest first
    /// The versions' source runs that still exist, by run id, with their latest metrics,
    /// params and tags.
    QHash<QString, tracking::Run> runs;

    /// The version numbered `version`, or null.
    const registry::ModelVersion *version(qint64 version) const;
    /// The source run of `version`, or null when it has none or the run is gone.
    const tracking::Run *runOf(const registry::ModelVersion &version) const;
    /// The versions in `stage`, newest first.
    QList<registry::ModelVersion> versionsIn(registry::Stage stage) const;
};

/// Every registered model, sorted by name.
Result<QList<registry::RegisteredModel>> loadRegisteredModels(const registry::RegistryStore &store);

/// The versions, history and source runs of the model `name`.
Result<ModelDetail> loadModelDetail(const registry::RegistryStore &store,
                                    const tracking::TrackingStore &tracking, const QString &name);

/// Up to `count` metric keys worth a column, from `available`: the usual headline metrics
/// (test_accuracy, test_loss, test_macro_f1, ..., accuracy, val_accuracy, ...) in that order when
/// present, else the first keys in alphabetical order.
QStringList headlineMetricKeys(const QStringList &available, int count = 4);

/// Whether a smaller value of the metric `key` is the better one (losses, errors).
bool lowerIsBetter(const QString &key);

} // namespace millrace::ui
