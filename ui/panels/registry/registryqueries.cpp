#include "ui/panels/registry/registryqueries.h"

#include "core/registry/registrystore.h"
#include "core/tracking/trackingstore.h"

#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace millrace::ui {

namespace {

// The metrics a promotion decision usually turns on, best first: the held-out test set's (seed
// 000 promotes on the test accuracy; Millrace's trainer logs test_accuracy, test_loss and
// test_macro_f1), then what MLflow's autologging writes.
const QStringList kHeadlineMetrics = {
    QStringLiteral("test_accuracy"),
    QStringLiteral("test_loss"),
    QStringLiteral("test_macro_f1"),
    QStringLiteral("test_f1"),
    QStringLiteral("test_rmse"),
    QStringLiteral("test_mae"),
    QStringLiteral("accuracy"),
    QStringLiteral("val_accuracy"),
    QStringLiteral("f1"),
    QStringLiteral("val_loss"),
    QStringLiteral("loss"),
    QStringLiteral("rmse"),
    QStringLiteral("mae"),
};

// A single-quoted string for the search syntax, quotes doubled as in SQL.
QString quotedLiteral(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\''), QLatin1String("''"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

} // namespace

const registry::ModelVersion *ModelDetail::version(qint64 number) const
{
    for (const registry::ModelVersion &candidate : versions) {
        if (candidate.version == number)
            return &candidate;
    }
    return nullptr;
}

const tracking::Run *ModelDetail::runOf(const registry::ModelVersion &version) const
{
    const auto found = runs.constFind(version.runId);
    return found == runs.constEnd() ? nullptr : &found.value();
}

QList<registry::ModelVersion> ModelDetail::versionsIn(registry::Stage stage) const
{
    QList<registry::ModelVersion> inStage;
    for (const registry::ModelVersion &version : versions) {
        if (version.stage == stage)
            inStage.append(version);
    }
    return inStage;
}

Result<QList<registry::RegisteredModel>> loadRegisteredModels(const registry::RegistryStore &store)
{
    QList<registry::RegisteredModel> models;
    QString pageToken;
    do {
        auto page =
            store.searchRegisteredModels(QString(), 1000, {QStringLiteral("name ASC")}, pageToken);
        if (!page)
            return page.error();
        models.append(page->items);
        pageToken = page->nextPageToken;
    } while (!pageToken.isEmpty());
    return models;
}

Result<ModelDetail> loadModelDetail(const registry::RegistryStore &store,
                                    const tracking::TrackingStore &tracking, const QString &name)
{
    ModelDetail detail;
    auto model = store.registeredModel(name);
    if (!model)
        return model.error();
    detail.model = *model;

    const QString filter = QStringLiteral("name = %1").arg(quotedLiteral(name));
    QString pageToken;
    do {
        auto page = store.searchModelVersions(filter, 10000,
                                              {QStringLiteral("version_number DESC")}, pageToken);
        if (!page)
            return page.error();
        detail.versions.append(page->items);
        pageToken = page->nextPageToken;
    } while (!pageToken.isEmpty());

    auto history = store.history(name);
    if (!history)
        return history.error();
    detail.history = *history;

    for (const registry::ModelVersion &version : std::as_const(detail.versions)) {
        if (version.runId.isEmpty() || detail.runs.contains(version.runId))
            continue;
        // A deleted or purged run leaves the version without metrics, not the panel without
        // a model.
        auto run = tracking.run(version.runId);
        if (run)
            detail.runs.insert(version.runId, *run);
    }
    return detail;
}

QStringList headlineMetricKeys(const QStringList &available, int count)
{
    QStringList keys;
    for (const QString &key : kHeadlineMetrics) {
        if (keys.size() < count && available.contains(key))
            keys.append(key);
    }
    if (!keys.isEmpty())
        return keys;
    QStringList sorted = available;
    sorted.sort(Qt::CaseInsensitive);
    return sorted.mid(0, count);
}

bool lowerIsBetter(const QString &key)
{
    static const QRegularExpression lower(
        QStringLiteral("(loss|error|mse|mae|rmse|mape|perplexity|latency|duration)"),
        QRegularExpression::CaseInsensitiveOption);
    return lower.match(key).hasMatch();
}

} // namespace millrace::ui
