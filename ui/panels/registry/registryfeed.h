#pragma once

#include "ui/panels/registry/registryqueries.h"

#include <QObject>
#include <QPointer>
#include <QThreadPool>

#include <optional>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace millrace {
class Job;
class Store;
} // namespace millrace

namespace millrace::ui {

/// Keeps the Registry panel's data current without the GUI thread touching the database: loads
/// the registered models and the detail of the chosen model in Jobs on a pool of its own, and
/// while polling, looks at the registry's change count every second and reloads when it moved.
/// Results arrive as signals on the feed's thread; a load superseded by a newer one is dropped.
class RegistryFeed : public QObject
{
    Q_OBJECT
public:
    explicit RegistryFeed(QObject *parent = nullptr);
    /// Drops pending results and waits for reads still running.
    ~RegistryFeed() override;

    /// Starts reading from the stores (which outlive detach()): loads the models.
    void attach(const registry::RegistryStore &registry, const tracking::TrackingStore &tracking,
                const Store &store);
    /// Stops polling, drops pending results and waits for the reads still running, so the
    /// stores can close right after.
    void detach();
    bool isAttached() const { return m_registry != nullptr; }

    /// The model whose detail is loaded (none when empty); loads it when it changes.
    void setModelName(const QString &name);
    QString modelName() const { return m_modelName; }
    /// Loads the models and the chosen model's detail again now (after a write).
    void reload();

    /// Polls for changes every interval while on (the panel is visible); checks at once when
    /// turned on.
    void setPolling(bool on);
    bool isPolling() const;
    /// Checks for changes now. Returns whether a check started: none does while the store has
    /// committed nothing since the last check.
    bool pollNow();

Q_SIGNALS:
    /// Every registered model, sorted by name.
    void modelsLoaded(const QList<millrace::registry::RegisteredModel> &models);
    /// The detail of modelName().
    void detailLoaded(const millrace::ui::ModelDetail &detail);
    /// The chosen model is gone (deleted or renamed elsewhere).
    void modelMissing(const QString &name);
    /// Reading failed; `message` is one line for the user.
    void loadFailed(const QString &message);

private:
    void loadModels();
    void loadDetail();
    void dropJobs();

    const registry::RegistryStore *m_registry = nullptr;
    const tracking::TrackingStore *m_tracking = nullptr;
    const Store *m_store = nullptr;
    QThreadPool m_pool;
    QTimer *m_pollTimer;
    QPointer<Job> m_modelsJob;
    QPointer<Job> m_detailJob;
    QPointer<Job> m_pollJob;
    QString m_modelName;
    /// The registry's change count when the data shown was read (unset: not read yet).
    std::optional<qint64> m_loadedChanges;
    /// The store's commit count at the last look; while it stays, nothing can have changed.
    std::optional<quint64> m_seenCommits;
};

} // namespace millrace::ui
